// `ImageFolder.load(channels:)` takes PNGImage's `ImageChannels`, and training-side augmentation reuses its
// bilinear kernel, so importers of ImageDatasets see PNGImage too.
@_exported import PNGImage
