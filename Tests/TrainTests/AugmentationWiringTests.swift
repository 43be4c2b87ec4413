import Datasets
import TensorEngine
import Testing
@testable import Train

/// The training augmentation built from the settings: crop padding, flip and cutout reach the pipeline, and
/// cutout zeroes one square of at most L×L after normalisation.
@Suite struct AugmentationWiringTests {
  @Test func settingsReachThePipeline() {
    var settings = TrainSettings()
    #expect(settings.trainingAugmentation == .train(cutout: 16, padding: 4, flip: true))
    settings.cutout = 8
    settings.cropPadding = 2
    settings.horizontalFlip = false
    #expect(settings.trainingAugmentation.cutoutLength == 8)
    #expect(settings.trainingAugmentation.steps == [.randomCrop(padding: 2)])
    settings.cropPadding = 0
    #expect(settings.trainingAugmentation.steps.isEmpty)
  }

  @Test(arguments: [16, 7])
  func cutoutZeroesOneClippedSquare(length: Int) {
    var settings = TrainSettings()
    (settings.cutout, settings.cropPadding, settings.horizontalFlip) = (length, 0, false)
    let pipeline = settings.trainingAugmentation
    let h = 28, w = 28
    let side = 2 * (length / 2)   // rows [y − L/2, y + L/2) with integer halves, as the references' cutout
    let pixels = [UInt8](repeating: 255, count: h * w)
    var sawFullSquare = false
    for seed in 0..<50 {
      var out = [Float](repeating: -1, count: h * w)
      var rng = PRNG(seed: UInt64(seed))
      pixels.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
          pipeline.apply(o.baseAddress!, p.baseAddress!, channels: 1, height: h, width: w,
                         normalization: .identity(channels: 1), rng: &rng)
        }
      }
      let zeros = (0..<(h * w)).filter { out[$0] == 0 }
      #expect(out.allSatisfy { $0 == 0 || $0 == 1 })
      #expect(!zeros.isEmpty && zeros.count <= length * length)
      // The zeros form a rectangle: rows × columns of the bounding box.
      let rows = Set(zeros.map { $0 / w }), columns = Set(zeros.map { $0 % w })
      #expect(rows.count * columns.count == zeros.count)
      #expect(rows.count <= length && columns.count <= length)
      if zeros.count == side * side { sawFullSquare = true }
    }
    #expect(sawFullSquare, "an interior centre should give a full \(side)×\(side) square")
  }
}
