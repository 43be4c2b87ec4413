import ImageDatasets

/// Per-channel normalisation of pixels scaled to [0, 1]: `(pixel / 255 − mean[c]) / std[c]`.
public struct Normalization: Equatable, Sendable {
  public var mean: [Float]
  public var std: [Float]

  public init(mean: [Float], std: [Float]) {
    precondition(mean.count == std.count && !mean.isEmpty, "Normalization needs one mean and one std per channel, "
                 + "got \(mean.count) and \(std.count)")
    precondition(std.allSatisfy { $0 > 0 }, "Normalization std must be positive, got \(std)")
    self.mean = mean
    self.std = std
  }

  public var channels: Int { mean.count }

  /// The published CIFAR-10 statistics used by DARTS, PC-DARTS and P-DARTS (utils.py).
  public static let cifar10 = Normalization(mean: [0.49139968, 0.48215827, 0.44653124],
                                            std: [0.24703233, 0.24348505, 0.26158768])

  /// Mean 0, std 1: only the scaling to [0, 1].
  public static func identity(channels: Int) -> Normalization {
    Normalization(mean: [Float](repeating: 0, count: channels), std: [Float](repeating: 1, count: channels))
  }

  /// Mean and population standard deviation (divided by N, like `numpy.std`) of pixel/255 per channel over all
  /// images of `dataset`, accumulated in Double. A constant channel gets std 1 so that division stays finite.
  public static func computed(from dataset: ImageDataset) -> Normalization {
    let c = dataset.channels, plane = dataset.height * dataset.width, n = dataset.count
    var sums = [Double](repeating: 0, count: c), squares = [Double](repeating: 0, count: c)
    dataset.images.withUnsafeBufferPointer { p in
      for i in 0..<n {
        for k in 0..<c {
          let base = (i * c + k) * plane
          var s: UInt64 = 0, q: UInt64 = 0  // exact integer sums per plane
          for j in 0..<plane {
            let v = UInt64(p[base + j])
            s += v
            q += v * v
          }
          sums[k] += Double(s)
          squares[k] += Double(q)
        }
      }
    }
    let total = Double(max(1, n * plane))
    var mean = [Float](repeating: 0, count: c), std = [Float](repeating: 1, count: c)
    for k in 0..<c {
      let m = sums[k] / total / 255
      let variance = max(0, squares[k] / total / (255 * 255) - m * m)
      mean[k] = Float(m)
      std[k] = variance > 1e-12 ? Float(variance.squareRoot()) : 1
    }
    return Normalization(mean: mean, std: std)
  }
}
