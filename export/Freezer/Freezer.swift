// Module Freezer: placeholder until the export change lands.
