import FileIO
/// CIFAR-10 in its binary form: 32×32 RGB, 10 classes.
///
/// Each record is 1 label byte then 3,072 pixel bytes, (3, 32, 32) channel-major. The train split is
/// `data_batch_1.bin` … `data_batch_5.bin` in that order, the test split `test_batch.bin`; class names come
/// from `batches.meta.txt` (one per line, blank lines ignored) and default to the standard ten names when that
/// file is absent. A file whose length is not a whole number of records is reported as truncated.
public enum CIFAR10 {
  public static let classNames = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
  ]
  public static let recordBytes = 1 + 3 * 32 * 32

  /// The batch files of a split, in load order.
  public static func batchFiles(_ split: DatasetSplit) -> [String] {
    split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
  }

  public static func load(_ split: DatasetSplit, directory: String) throws(DatasetError) -> ImageDataset {
    guard directoryExists(directory) else { throw DatasetError.missingFolder(path: directory) }
    let names = try readClassNames(directory: directory)
    var images: [UInt8] = []
    var labels: [Int] = []
    for file in batchFiles(split) {
      let path = directory + "/" + file
      let bytes = try readDatasetFile(path)
      guard bytes.count % recordBytes == 0, !bytes.isEmpty else {
        let whole = (bytes.count + recordBytes - 1) / recordBytes
        throw DatasetError.truncated(path: path, expectedBytes: max(1, whole) * recordBytes, actualBytes: bytes.count)
      }
      let records = bytes.count / recordBytes
      images.reserveCapacity(images.count + records * (recordBytes - 1))
      for r in 0..<records {
        let label = Int(bytes[r * recordBytes])
        guard label < names.count else {
          throw DatasetError.labelOutOfRange(path: path, index: r, label: label, classCount: names.count)
        }
        labels.append(label)
        images.append(contentsOf: bytes[(r * recordBytes + 1)..<((r + 1) * recordBytes)])
      }
    }
    return ImageDataset(images: images, labels: labels, classNames: names, channels: 3, height: 32, width: 32)
  }

  static func readClassNames(directory: String) throws(DatasetError) -> [String] {
    let path = directory + "/batches.meta.txt"
    guard fileExists(path) else { return classNames }
    let text = String(decoding: try readDatasetFile(path), as: UTF8.self)
    let names = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
      .map { String($0).trimmingSpaces() }
      .filter { !$0.isEmpty }
    guard !names.isEmpty else { throw DatasetError.badHeader(path: path, reason: "no class names") }
    return names
  }
}

extension String {
  func trimmingSpaces() -> String {
    var s = Substring(self)
    while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
    while let c = s.last, c == " " || c == "\t" { s.removeLast() }
    return String(s)
  }
}
