/// Which part of a dataset to load.
public enum DatasetSplit: String, Sendable, CaseIterable {
  case train
  case test
}

/// Labelled 8-bit images in memory: `images` is (count, channels, height, width) contiguous, like an NCHW
/// tensor, `labels[i]` is the class index of image i, `classNames[label]` its name.
public struct ImageDataset: Equatable, Sendable {
  /// (count, channels, height, width), row-major.
  public var images: [UInt8]
  public var labels: [Int]
  public var classNames: [String]
  public let channels: Int
  public let height: Int
  public let width: Int

  public init(images: [UInt8], labels: [Int], classNames: [String], channels: Int, height: Int, width: Int) {
    precondition(channels > 0 && height > 0 && width > 0,
                 "ImageDataset needs a positive image shape, got \(channels)×\(height)×\(width)")
    precondition(images.count == labels.count * channels * height * width,
                 "ImageDataset: \(labels.count) labels need \(labels.count * channels * height * width) bytes of "
                 + "\(channels)×\(height)×\(width) images, got \(images.count)")
    precondition(labels.allSatisfy { $0 >= 0 && $0 < classNames.count },
                 "ImageDataset: a label is outside 0..<\(classNames.count)")
    self.images = images
    self.labels = labels
    self.classNames = classNames
    self.channels = channels
    self.height = height
    self.width = width
  }

  /// Number of examples.
  public var count: Int { labels.count }
  /// Bytes per image: channels × height × width.
  public var imageSize: Int { channels * height * width }

  /// The examples in `range` (dataset order), copied.
  public func subset(_ range: Range<Int>) -> ImageDataset {
    precondition(range.lowerBound >= 0 && range.upperBound <= count,
                 "subset \(range) is outside the \(count) examples")
    let bytes = Array(images[(range.lowerBound * imageSize)..<(range.upperBound * imageSize)])
    return ImageDataset(images: bytes, labels: Array(labels[range]), classNames: classNames,
                        channels: channels, height: height, width: width)
  }

  /// The first `n` examples (all of them when n ≥ count).
  public func prefix(_ n: Int) -> ImageDataset { subset(0..<min(max(n, 0), count)) }

  /// Image `index` as (channels, height, width) bytes.
  public func image(at index: Int) -> ArraySlice<UInt8> {
    precondition(index >= 0 && index < count, "image index \(index) is outside the \(count) examples")
    return images[(index * imageSize)..<((index + 1) * imageSize)]
  }
}
