import PNGImage

/// A folder of PNG images with one subfolder per class, like torchvision's `ImageFolder`.
///
/// Classes are the subfolder names sorted by their UTF-8 bytes (label = position), files within a class are
/// sorted the same way; only `*.png` files count (case-insensitive), names starting with "." are ignored.
/// Every image is decoded to `channels` (default: 1 when every pixel of every image has r = g = b, else 3; colour
/// is converted to gray with PIL's luma) and resized bilinearly
/// (half-pixel centres, see `bilinearResize`) to height × width (default: the size of the first image).
public enum ImageFolder {
  public static func load(directory: String, channels: ImageChannels? = nil, height: Int? = nil, width: Int? = nil)
    throws(DatasetError) -> ImageDataset {
    // `folderEntries` lists names sorted by UTF-8 bytes (`listDirectory`); filtering keeps that order.
    let classes = try folderEntries(directory).filter { $0.isFolder && !$0.name.hasPrefix(".") }.map(\.name)
    guard !classes.isEmpty else { throw DatasetError.emptyFolder(path: directory) }

    var files: [(path: String, label: Int)] = []
    for (label, name) in classes.enumerated() {
      let folder = directory + "/" + name
      let pngs = try folderEntries(folder)
        .filter { !$0.isFolder && !$0.name.hasPrefix(".") && $0.name.lowercased().hasSuffix(".png") }.map(\.name)
      guard !pngs.isEmpty else { throw DatasetError.emptyFolder(path: folder) }
      files += pngs.map { (folder + "/" + $0, label) }
    }

    var decoded: [PixelImage] = []
    decoded.reserveCapacity(files.count)
    var anyColor = false
    for file in files {
      do {
        let image = try PixelImage(pngFile: file.path, channels: .rgb)
        decoded.append(image)
        if !anyColor { anyColor = !isGray(image) }
      } catch {
        throw DatasetError.badImage(path: file.path, reason: error.description)
      }
    }
    let target = channels ?? (anyColor ? .rgb : .gray)
    let outHeight = height ?? decoded[0].height, outWidth = width ?? decoded[0].width
    precondition(outHeight > 0 && outWidth > 0, "ImageFolder.load needs a positive size, got \(outHeight)×\(outWidth)")
    let imageSize = target.rawValue * outHeight * outWidth
    var images = [UInt8](repeating: 0, count: files.count * imageSize)
    for (i, image) in decoded.enumerated() {
      let planes = image.resized(width: outWidth, height: outHeight).converted(to: target).planar()
      images.replaceSubrange((i * imageSize)..<((i + 1) * imageSize), with: planes)
    }
    return ImageDataset(images: images, labels: files.map(\.label), classNames: classes,
                        channels: target.rawValue, height: outHeight, width: outWidth)
  }
}

/// True when every pixel of an RGB image has r == g == b.
func isGray(_ image: PixelImage) -> Bool {
  image.pixels.withUnsafeBufferPointer { p in
    for i in stride(from: 0, to: p.count, by: 3) where p[i] != p[i + 1] || p[i] != p[i + 2] { return false }
    return true
  }
}
