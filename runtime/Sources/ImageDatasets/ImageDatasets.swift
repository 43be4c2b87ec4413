// Module ImageDatasets.
