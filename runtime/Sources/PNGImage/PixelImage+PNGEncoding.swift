import CPNG

extension PixelImage {
  /// Encodes the image as an 8-bit gray or RGB PNG (no alpha, no gAMA beyond libpng's sRGB defaults).
  /// - Throws: `PNGError.libpng(message)` if libpng refuses the write.
  public func pngData() throws(PNGError) -> [UInt8] {
    // A fixed address for libpng (see the decoder): never `&local` across calls.
    let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
    image.initialize(to: cpng_image_init())
    defer { image.deallocate() }
    image.pointee.width = UInt32(width)
    image.pointee.height = UInt32(height)
    image.pointee.format = channels == 3 ? cpng_format_rgb : cpng_format_gray
    let size = pixels.withUnsafeBytes { raw in cpng_image_write_size(image, raw.baseAddress, 0) }
    if size == 0 {
      let error = PNGError.fromLibpng(image)
      png_image_free(image)
      throw error
    }
    var out = [UInt8](repeating: 0, count: size)
    var written = size
    let ok = out.withUnsafeMutableBytes { destination in
      pixels.withUnsafeBytes { source in
        png_image_write_to_memory(image, destination.baseAddress, &written, 0, source.baseAddress, 0, nil)
      }
    }
    if ok == 0 || cpng_image_failed(image) != 0 {
      let error = PNGError.fromLibpng(image)
      png_image_free(image)
      throw error
    }
    png_image_free(image)
    out.removeLast(out.count - written)
    return out
  }

  /// Encodes the image and writes it atomically: to a temporary name in the same folder, then renamed.
  /// - Throws: any `pngData()` error, or `PNGError.io` naming the path.
  public func writePNG(toFile path: String) throws(PNGError) {
    try writePNGFileAtomically(path, bytes: pngData())
  }
}
