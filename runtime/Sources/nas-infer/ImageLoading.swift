import CLIKit
import NASFormat
import PNGImage

/// The PNG channel layout for a model with `channels` input channels, or a failure for other counts.
func imageChannels(for header: ModelHeader) throws -> ImageChannels {
  switch header.inputChannels {
  case 1: return .gray
  case 3: return .rgb
  default: throw CLIError.failure("model input has \(header.inputChannels) channels; PNG input supports 1 or 3")
  }
}

/// The PNG at `path` as planar (C, H, W) 8-bit pixels of the model's input size.
func loadModelImage(path: String, header: ModelHeader) throws -> [UInt8] {
  let image = try PixelImage(pngFile: path, channels: try imageChannels(for: header))
  return image.resized(width: header.inputWidth, height: header.inputHeight).planar()
}

/// Planar (C, H, W) pixels (C = 1 or 3) as an interleaved image, for PNG writing and resizing.
func interleavedImage(planar: UnsafeBufferPointer<UInt8>, channels: Int, height: Int, width: Int) -> PixelImage {
  let planeSize = height * width
  var pixels = [UInt8](repeating: 0, count: planar.count)
  for i in 0..<planeSize {
    for c in 0..<channels { pixels[i * channels + c] = planar[c * planeSize + i] }
  }
  return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
}
