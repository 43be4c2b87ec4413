// Module PNGImage.
