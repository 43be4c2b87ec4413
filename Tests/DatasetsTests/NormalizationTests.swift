import ImageDatasets
import Testing
@testable import Datasets

@Suite struct NormalizationTests {
  /// Two-pass mean and population std of pixel/255 per channel, in Double.
  func naive(_ data: ImageDataset) -> (mean: [Double], std: [Double]) {
    var means: [Double] = [], stds: [Double] = []
    let plane = data.height * data.width
    for c in 0..<data.channels {
      var values: [Double] = []
      for i in 0..<data.count {
        for j in 0..<plane { values.append(Double(data.images[(i * data.channels + c) * plane + j]) / 255) }
      }
      let mean = values.reduce(0, +) / Double(values.count)
      let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
      means.append(mean)
      stds.append(variance.squareRoot())
    }
    return (means, stds)
  }

  @Test func matchesANaiveComputation() throws {
    var rng = TestBytes(seed: 4)
    let random = ImageDataset(images: rng.bytes(5 * 3 * 7 * 9), labels: [0, 1, 0, 1, 1], classNames: ["a", "b"],
                              channels: 3, height: 7, width: 9)
    let gray = try FashionMNIST.load(.train, directory: fixtureDatasets + "/idx-gz")
    for data in [random, gray] {
      let stats = Normalization.computed(from: data), reference = naive(data)
      for c in 0..<data.channels {
        #expect(abs(Double(stats.mean[c]) - reference.mean[c]) < 1e-6)
        #expect(abs(Double(stats.std[c]) - reference.std[c]) < 1e-6)
      }
    }
  }

  @Test func constantChannelGetsUnitStd() {
    let flat = ImageDataset(images: [UInt8](repeating: 51, count: 2 * 4), labels: [0, 0], classNames: ["x"],
                            channels: 1, height: 2, width: 2)
    let stats = Normalization.computed(from: flat)
    #expect(abs(stats.mean[0] - 0.2) < 1e-7 && stats.std == [1])
  }
}

/// Small deterministic byte source for fixtures built in tests.
struct TestBytes {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func bytes(_ n: Int) -> [UInt8] {
    (0..<n).map { _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return UInt8(truncatingIfNeeded: state >> 33)
    }
  }
}
