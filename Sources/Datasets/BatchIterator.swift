import ImageDatasets
import TensorEngine

/// One mini-batch: normalised images as an NCHW tensor and their labels.
public struct Batch {
  /// (B, C, H, W), augmented and normalised.
  public let images: Tensor
  /// A second, independently augmented view of the same images (self-supervised search), when requested.
  public let secondView: Tensor?
  public let labels: [Int]
  /// Positions of the examples in the dataset.
  public let indices: [Int]

  public var count: Int { labels.count }
}

/// One pass (epoch) over a dataset in mini-batches, deterministic for (seed, epoch).
///
/// The order is `PRNG(seed: mix(seed, epoch)).permutation(count)` when shuffling, dataset order otherwise; the
/// last batch is kept even when short. Each example gets its own generator derived from (seed, epoch, position
/// in the pass, view), so augmentation does not depend on the batch size split or on the number of threads
/// (examples of a batch are prepared with `parallelFor`).
public struct BatchIterator: IteratorProtocol, Sequence {
  public let dataset: ImageDataset
  public let batchSize: Int
  public let normalization: Normalization
  public let augmentation: AugmentationPipeline
  public let secondAugmentation: AugmentationPipeline?
  public let seed: UInt64
  public let epoch: Int
  /// The example indices of this pass, in visiting order.
  public let order: [Int]
  private var position = 0

  public init(dataset: ImageDataset, batchSize: Int, normalization: Normalization,
              augmentation: AugmentationPipeline = .test, secondAugmentation: AugmentationPipeline? = nil,
              shuffle: Bool = true, seed: UInt64, epoch: Int = 0) {
    precondition(batchSize > 0, "batch size must be positive, got \(batchSize)")
    precondition(normalization.channels == dataset.channels,
                 "normalisation has \(normalization.channels) channels, the dataset \(dataset.channels)")
    self.dataset = dataset
    self.batchSize = batchSize
    self.normalization = normalization
    self.augmentation = augmentation
    self.secondAugmentation = secondAugmentation
    self.seed = seed
    self.epoch = epoch
    if shuffle {
      var rng = PRNG(seed: mixSeed(seed, UInt64(truncatingIfNeeded: epoch), 0x5348_5546))  // "SHUF"
      order = rng.permutation(dataset.count)
    } else {
      order = Array(0..<dataset.count)
    }
  }

  /// Number of batches in the pass (the last may be short).
  public var batchCount: Int { (dataset.count + batchSize - 1) / batchSize }

  public mutating func next() -> Batch? {
    guard position < order.count else { return nil }
    let end = Swift.min(position + batchSize, order.count)
    let indices = Array(order[position..<end])
    let images = makeView(indices, first: position, view: 0, pipeline: augmentation)
    let second = secondAugmentation.map { makeView(indices, first: position, view: 1, pipeline: $0) }
    position = end
    return Batch(images: images, secondView: second, labels: indices.map { dataset.labels[$0] }, indices: indices)
  }

  private func makeView(_ indices: [Int], first: Int, view: UInt64, pipeline: AugmentationPipeline) -> Tensor {
    let c = dataset.channels, h = dataset.height, w = dataset.width, size = dataset.imageSize
    let storage = TensorStorage(uninitialized: indices.count * size)
    let out = storage.pointer
    let seed = self.seed, epoch = UInt64(truncatingIfNeeded: self.epoch), normalization = self.normalization
    dataset.images.withUnsafeBufferPointer { pixels in
      indices.withUnsafeBufferPointer { idx in
        parallelFor(idx.count) { b in
          var rng = PRNG(seed: mixSeed(seed, epoch, UInt64(first + b) &* 2 &+ view))
          pipeline.apply(out + b * size, pixels.baseAddress! + idx[b] * size, channels: c, height: h, width: w,
                         normalization: normalization, rng: &rng)
        }
      }
    }
    return Tensor(shape: [indices.count, c, h, w], storage: storage)
  }
}

/// An endless stream of batches: passes with epochs 0, 1, 2, … back to back (the persistent, restarting
/// iterator of P-DARTS for the architecture half).
public struct BatchStream {
  private var current: BatchIterator
  private let make: (Int) -> BatchIterator
  public private(set) var epoch: Int

  public init(dataset: ImageDataset, batchSize: Int, normalization: Normalization,
              augmentation: AugmentationPipeline = .test, secondAugmentation: AugmentationPipeline? = nil,
              shuffle: Bool = true, seed: UInt64) {
    precondition(dataset.count > 0, "BatchStream needs a non-empty dataset")
    make = { epoch in
      BatchIterator(dataset: dataset, batchSize: batchSize, normalization: normalization,
                    augmentation: augmentation, secondAugmentation: secondAugmentation,
                    shuffle: shuffle, seed: seed, epoch: epoch)
    }
    epoch = 0
    current = make(0)
  }

  /// The next batch, starting a new pass when the current one is exhausted.
  public mutating func next() -> Batch {
    if let batch = current.next() { return batch }
    epoch += 1
    current = make(epoch)
    return current.next()!
  }
}

/// Combines a seed with two numbers into a new seed (SplitMix64 finaliser after each step).
@inlinable
public func mixSeed(_ seed: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 {
  @inline(__always) func finalise(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  return finalise(finalise(finalise(seed) ^ a) ^ b)
}
