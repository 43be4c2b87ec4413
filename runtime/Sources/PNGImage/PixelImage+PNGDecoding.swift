import CPNG
import Glibc

extension PixelImage {
  /// Default limit on width × height for decoding (64 Mpixel, 192 MiB as RGB).
  public static let defaultMaxPixels = 1 << 26

  /// Decodes a PNG held in memory to 8-bit gray or RGB.
  ///
  /// Every PNG colour type and bit depth is accepted: gray, gray+alpha, RGB, RGBA and palette (with or without
  /// tRNS), at 1–16 bits. libpng's simplified API converts to 8-bit sRGB; 16-bit samples of files without a
  /// gAMA/sRGB chunk are taken as sRGB-encoded, so they map to about `v / 257` (not treated as linear light).
  /// Conversions after that are done here, in 8-bit sRGB values:
  /// - Alpha is composited onto black: `v' = (v·a + 127) / 255` (a transparent pixel becomes black, which
  ///   matches the black background of MNIST-like data). It is not simply dropped.
  /// - RGB → gray uses PIL's ITU-R 601 luma (see `converted(to:)`); gray → RGB copies the value.
  /// Width × height is checked against `maxPixels` before the pixel buffer is allocated.
  ///
  /// - Throws: `PNGError.notPNG` (bad signature), `.truncated`, `.imageTooLarge`, or `.libpng(message)`.
  public init(pngData: [UInt8], channels: ImageChannels, maxPixels: Int = PixelImage.defaultMaxPixels)
    throws(PNGError) {
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    guard pngData.count >= 8, Array(pngData[0..<8]) == signature else { throw PNGError.notPNG }

    // libpng keeps the address of the png_image between begin and finish (its read callback finds the memory
    // through it), so the struct must not move: `&local` may pass a different temporary each call in -O builds.
    let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
    image.initialize(to: cpng_image_init())
    defer { image.deallocate() }
    var result: Result<PixelImage, PNGError> = .failure(.notPNG)
    pngData.withUnsafeBytes { file in
      do throws(PNGError) {
        result = .success(try PixelImage(image, file, channels: channels, maxPixels: maxPixels))
      } catch {
        result = .failure(error)
      }
    }
    self = try result.get()
  }

  /// Decodes with `image` at a fixed address while `file` (the PNG bytes) stays alive.
  private init(_ image: UnsafeMutablePointer<png_image>, _ file: UnsafeRawBufferPointer, channels: ImageChannels,
               maxPixels: Int) throws(PNGError) {
    let began = png_image_begin_read_from_memory(image, file.baseAddress, file.count)
    if began == 0 || cpng_image_failed(image) != 0 {
      let error = PNGError.fromLibpng(image)
      png_image_free(image)
      throw error
    }
    let width = Int(image.pointee.width), height = Int(image.pointee.height)
    let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
    guard width > 0, height > 0, !overflow, pixels <= maxPixels else {
      png_image_free(image)
      throw PNGError.imageTooLarge(width: width, height: height, maxPixels: maxPixels)
    }

    let sourceIsColor = image.pointee.format & cpng_format_flag_color != 0
    let sourceHasAlpha = image.pointee.format & cpng_format_flag_alpha != 0
    // libpng 1.6.39's 16-bit → 8-bit path garbles Adam7-interlaced files (pnggroup/libpng#853): read those as
    // 16-bit linear and convert here. IHDR is the first chunk (begin_read checked it); byte 28 is its interlace.
    let sixteenBitInterlaced = image.pointee.format & cpng_format_flag_linear != 0 && file.count > 28 && file[28] != 0
    let decodeColor = channels == .rgb || sourceIsColor
    var format = decodeColor ? cpng_format_rgb : cpng_format_gray
    if sourceHasAlpha { format |= cpng_format_flag_alpha }
    if sixteenBitInterlaced { format |= cpng_format_flag_linear }
    image.pointee.format = format
    image.pointee.flags |= cpng_image_flag_16bit_srgb
    let decodedChannels = Int(cpng_format_channels(format))
    let sampleCount = width * height * decodedChannels
    var buffer = [UInt8](repeating: 0, count: sixteenBitInterlaced ? 0 : sampleCount)
    var wide = [UInt16](repeating: 0, count: sixteenBitInterlaced ? sampleCount : 0)
    let finished = sixteenBitInterlaced
      ? wide.withUnsafeMutableBytes { raw in png_image_finish_read(image, nil, raw.baseAddress, 0, nil) }
      : buffer.withUnsafeMutableBytes { raw in png_image_finish_read(image, nil, raw.baseAddress, 0, nil) }
    if finished == 0 || cpng_image_failed(image) != 0 {
      let error = PNGError.fromLibpng(image)
      png_image_free(image)
      throw error
    }
    png_image_free(image)
    if sixteenBitInterlaced {
      buffer = linearToSRGB8(wide, pixels: width * height, colorChannels: decodedChannels - (sourceHasAlpha ? 1 : 0),
                             hasAlpha: sourceHasAlpha)
    }

    let colorChannels = decodeColor ? 3 : 1
    if sourceHasAlpha { buffer = compositedOnBlack(buffer, pixels: width * height, colorChannels: colorChannels) }
    var decoded = PixelImage(width: width, height: height, channels: colorChannels, pixels: buffer)
    if colorChannels != channels.rawValue { decoded = decoded.converted(to: channels) }
    self = decoded
  }

  /// Reads and decodes a PNG file (see `init(pngData:channels:maxPixels:)`).
  /// - Throws: `PNGError.fileNotFound`, `.io`, or any decoding error.
  public init(pngFile path: String, channels: ImageChannels, maxPixels: Int = PixelImage.defaultMaxPixels)
    throws(PNGError) {
    let bytes = try readWholeFile(path)
    try self.init(pngData: bytes, channels: channels, maxPixels: maxPixels)
  }
}

/// libpng's 16-bit linear output (colour premultiplied by alpha) → 8-bit gamma-encoded with straight alpha, the
/// layout of its 8-bit output: colour = round(255 · (p / a)^0.45455), alpha = round(255 · a).
func linearToSRGB8(_ input: [UInt16], pixels: Int, colorChannels: Int, hasAlpha: Bool) -> [UInt8] {
  let stride = colorChannels + (hasAlpha ? 1 : 0)
  var out = [UInt8](repeating: 0, count: pixels * stride)
  for i in 0..<pixels {
    let alpha = hasAlpha ? Double(input[i * stride + colorChannels]) / 65535 : 1
    for c in 0..<colorChannels {
      let premultiplied = Double(input[i * stride + c]) / 65535
      let linear = alpha > 0 ? min(premultiplied / alpha, 1) : 0
      // With PNG_IMAGE_FLAG_16BIT_sRGB libpng linearises such files with its sRGB gamma 0.45455 (a pure power).
      let encoded = pow(linear, 0.45455)
      out[i * stride + c] = UInt8(max(0, min(255, (encoded * 255).rounded())))
    }
    if hasAlpha { out[i * stride + colorChannels] = UInt8((alpha * 255).rounded()) }
  }
  return out
}

/// Drops the alpha channel of interleaved (colour…, alpha) pixels by compositing onto black.
func compositedOnBlack(_ input: [UInt8], pixels: Int, colorChannels: Int) -> [UInt8] {
  var out = [UInt8](repeating: 0, count: pixels * colorChannels)
  let stride = colorChannels + 1
  out.withUnsafeMutableBufferPointer { o in
    input.withUnsafeBufferPointer { p in
      for i in 0..<pixels {
        let alpha = UInt32(p[i * stride + colorChannels])
        for c in 0..<colorChannels {
          o[i * colorChannels + c] = UInt8((UInt32(p[i * stride + c]) * alpha + 127) / 255)
        }
      }
    }
  }
  return out
}

extension PNGError {
  /// The error recorded in a failed png_image, classified where the message is recognisable.
  @inline(never)
  static func fromLibpng(_ image: UnsafeMutablePointer<png_image>) -> PNGError {
    let bytes = withUnsafeBytes(of: &image.pointee.message) { raw in Array(raw.prefix { $0 != 0 }) }
    let message = String(decoding: bytes, as: UTF8.self)
    func mentions(_ phrases: String...) -> Bool { phrases.contains { containsBytes(bytes, Array($0.utf8)) } }
    if mentions("end of data", "Not enough image data", "too short", "truncated") { return .truncated }
    if mentions("Not a PNG", "PNG signature") { return .notPNG }
    return .libpng(message.isEmpty ? "unknown libpng error" : message)
  }
}

/// Whether `needle` occurs in `haystack`, on bytes: `String.contains(String)` would link the whole
/// string-processing runtime (≈1.4 MB) into the statically linked `nas-infer` for six fixed phrases.
func containsBytes(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
  guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
  for start in 0...(haystack.count - needle.count)
  where haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
  return false
}
