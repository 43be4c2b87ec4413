import FileIO
/// Reader for the IDX format of MNIST and Fashion-MNIST: big-endian header, then unsigned bytes.
///
/// Images: magic 0x00000803 (ubyte, 3 dimensions), count, rows, columns, then count·rows·columns bytes.
/// Labels: magic 0x00000801 (ubyte, 1 dimension), count, then count bytes. Files may be gzipped or plain.
/// The header is checked against the actual (decompressed) length before anything is copied.
public enum IDXReader {
  public static let imagesMagic: UInt32 = 0x0000_0803
  public static let labelsMagic: UInt32 = 0x0000_0801

  /// Reads an idx3-ubyte image file: (count, rows, columns) and the pixels, (count, rows, columns) row-major.
  public static func readImages(path: String) throws(DatasetError)
    -> (count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
    let bytes = try readDatasetFile(path)
    try checkMagic(bytes, path: path, expected: imagesMagic, headerBytes: 16)
    let count = Int(bigEndianUInt32(bytes, 4)), rows = Int(bigEndianUInt32(bytes, 8))
    let columns = Int(bigEndianUInt32(bytes, 12))
    guard rows > 0, columns > 0 else {
      throw DatasetError.badHeader(path: path, reason: "image size \(rows)×\(columns)")
    }
    let (pixels, overflow) = count.multipliedReportingOverflow(by: rows * columns)
    guard !overflow, pixels <= maximumFileBytes else {
      throw DatasetError.badHeader(path: path, reason: "\(count) images of \(rows)×\(columns) is too large")
    }
    try checkLength(bytes, path: path, expected: 16 + pixels)
    return (count, rows, columns, Array(bytes[16...]))
  }

  /// Reads an idx1-ubyte label file.
  public static func readLabels(path: String) throws(DatasetError) -> [UInt8] {
    let bytes = try readDatasetFile(path)
    try checkMagic(bytes, path: path, expected: labelsMagic, headerBytes: 8)
    let count = Int(bigEndianUInt32(bytes, 4))
    try checkLength(bytes, path: path, expected: 8 + count)
    return Array(bytes[8...])
  }

  /// An image file and a label file as one gray dataset; labels must be below `classNames.count`.
  public static func load(imagesPath: String, labelsPath: String, classNames: [String]) throws(DatasetError)
    -> ImageDataset {
    let images = try readImages(path: imagesPath)
    let labels = try readLabels(path: labelsPath)
    guard images.count == labels.count else {
      throw DatasetError.countMismatch(images: images.count, labels: labels.count)
    }
    var intLabels = [Int](repeating: 0, count: labels.count)
    for i in 0..<labels.count {
      let label = Int(labels[i])
      guard label < classNames.count else {
        throw DatasetError.labelOutOfRange(path: labelsPath, index: i, label: label, classCount: classNames.count)
      }
      intLabels[i] = label
    }
    return ImageDataset(images: images.pixels, labels: intLabels, classNames: classNames,
                        channels: 1, height: images.rows, width: images.columns)
  }

  static func checkMagic(_ bytes: [UInt8], path: String, expected: UInt32, headerBytes: Int) throws(DatasetError) {
    if bytes.count >= 4 {
      let magic = bigEndianUInt32(bytes, 0)
      guard magic == expected else { throw DatasetError.badMagic(path: path, expected: expected, actual: magic) }
    }
    guard bytes.count >= headerBytes else {
      throw DatasetError.truncated(path: path, expectedBytes: headerBytes, actualBytes: bytes.count)
    }
  }

  static func checkLength(_ bytes: [UInt8], path: String, expected: Int) throws(DatasetError) {
    if bytes.count < expected {
      throw DatasetError.truncated(path: path, expectedBytes: expected, actualBytes: bytes.count)
    }
    if bytes.count > expected {
      throw DatasetError.trailingBytes(path: path, expectedBytes: expected, actualBytes: bytes.count)
    }
  }
}

/// Fashion-MNIST (Zalando): 28×28 gray, 10 classes, 60,000 train and 10,000 test images in IDX files.
public enum FashionMNIST {
  public static let classNames = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
  ]
  /// Where the Debian package `dataset-fashion-mnist` installs the files.
  public static let debianDirectory = "/usr/share/datasets/fashion-mnist"

  /// Loads a split from `directory`, which holds `{train,t10k}-{images-idx3,labels-idx1}-ubyte` files,
  /// gzipped (`.gz`, preferred) or plain.
  /// - Throws: `DatasetError.missingFile` naming the `.gz` path when neither form exists, or any IDX error.
  public static func load(_ split: DatasetSplit, directory: String = debianDirectory) throws(DatasetError)
    -> ImageDataset {
    let prefix = split == .train ? "train" : "t10k"
    let images = try locate(directory + "/\(prefix)-images-idx3-ubyte")
    let labels = try locate(directory + "/\(prefix)-labels-idx1-ubyte")
    return try IDXReader.load(imagesPath: images, labelsPath: labels, classNames: classNames)
  }

  /// True when the Debian package's files are installed.
  public static var isInstalledFromDebian: Bool {
    fileExists(debianDirectory + "/t10k-images-idx3-ubyte.gz") && fileExists(debianDirectory + "/t10k-labels-idx1-ubyte.gz")
  }

  static func locate(_ base: String) throws(DatasetError) -> String {
    if fileExists(base + ".gz") { return base + ".gz" }
    if fileExists(base) { return base }
    throw DatasetError.missingFile(path: base + ".gz")
  }
}
