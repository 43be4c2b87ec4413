/// Channel layouts the decoder produces and the encoder accepts: 8-bit gray or 8-bit RGB.
public enum ImageChannels: Int, Sendable {
  case gray = 1
  case rgb = 3
}

/// An 8-bit image, pixels interleaved row by row: (height, width, channels), top row first.
///
/// This is the decoder's output and the encoder's input. `channels` is 1 (gray) or 3 (RGB).
public struct PixelImage: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public let channels: Int
  /// (height, width, channels) interleaved, `width * height * channels` bytes.
  public var pixels: [UInt8]

  public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    precondition(width > 0 && height > 0, "PixelImage needs a positive size, got \(width)×\(height)")
    precondition(channels == 1 || channels == 3, "PixelImage needs 1 or 3 channels, got \(channels)")
    precondition(pixels.count == width * height * channels,
                 "PixelImage \(width)×\(height)×\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
    self.width = width
    self.height = height
    self.channels = channels
    self.pixels = pixels
  }

  /// A black image.
  public init(width: Int, height: Int, channels: Int) {
    self.init(width: width, height: height, channels: channels,
              pixels: [UInt8](repeating: 0, count: width * height * channels))
  }

  /// The pixel byte at row `y`, column `x`, channel `c`.
  @inlinable
  public subscript(y: Int, x: Int, c: Int) -> UInt8 {
    get { pixels[(y * width + x) * channels + c] }
    set { pixels[(y * width + x) * channels + c] = newValue }
  }

  /// The pixels as planes, (channels, height, width), the layout of an NCHW tensor.
  public func planar() -> [UInt8] {
    if channels == 1 { return pixels }
    let planeSize = width * height
    var out = [UInt8](repeating: 0, count: pixels.count)
    out.withUnsafeMutableBufferPointer { o in
      pixels.withUnsafeBufferPointer { p in
        for i in 0..<planeSize {
          for c in 0..<channels { o[c * planeSize + i] = p[i * channels + c] }
        }
      }
    }
    return out
  }

  /// The same picture with `channels` channels: RGB → gray with the ITU-R 601 luma weights that PIL uses
  /// (`(19595 r + 38470 g + 7471 b + 2^15) >> 16`), gray → RGB by copying the value into all three.
  public func converted(to target: ImageChannels) -> PixelImage {
    if target.rawValue == channels { return self }
    let n = width * height
    var out = [UInt8](repeating: 0, count: n * target.rawValue)
    out.withUnsafeMutableBufferPointer { o in
      pixels.withUnsafeBufferPointer { p in
        if target == .gray {
          for i in 0..<n { o[i] = luma(p[3 * i], p[3 * i + 1], p[3 * i + 2]) }
        } else {
          for i in 0..<n { o[3 * i] = p[i]; o[3 * i + 1] = p[i]; o[3 * i + 2] = p[i] }
        }
      }
    }
    return PixelImage(width: width, height: height, channels: target.rawValue, pixels: out)
  }
}

/// ITU-R 601-2 luma in 16-bit fixed point, as PIL's `convert("L")`; exact for r == g == b.
@inline(__always)
func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
  let red: UInt32 = UInt32(r) * 19595
  let green: UInt32 = UInt32(g) * 38470
  let blue: UInt32 = UInt32(b) * 7471
  return UInt8(truncatingIfNeeded: (red + green + blue + 0x8000) >> 16)
}
