import Datasets
import ImageDatasets
import NN
import Testing
import TensorEngine
@testable import Search

/// DARTS' unrolled architecture step (ALGORITHMS.md §3.3).
@Suite struct SecondOrderTests {
  func stage(seed: UInt64) throws -> (SearchStage, Batch, Batch) {
    var settings = SearchSettings.defaults(for: .darts)
    settings.secondOrder = true
    let shape = NetworkShape(inputChannels: 1, height: 8, width: 8, classes: 3)
    let supernet = try Supernet(SupernetConfiguration(shape: shape, layers: 3, initChannels: 4), seed: seed)
    var rng = PRNG(seed: 9)
    let images = (0..<(8 * 64)).map { _ in UInt8(truncatingIfNeeded: rng.nextInt(below: 256)) }
    let data = ImageDataset(images: images, labels: (0..<8).map { $0 % 3 }, classNames: ["a", "b", "c"],
                            channels: 1, height: 8, width: 8)
    var batches = BatchIterator(dataset: data, batchSize: 4, normalization: .identity(channels: 1), seed: 1)
    let a = batches.next()!, b = batches.next()!
    return (SearchStage(supernet: supernet, settings: settings, projectorSeed: 0), a, b)
  }

  /// With η = 0 the virtual step leaves w unchanged and the finite-difference term vanishes, so the unrolled
  /// step must move α exactly like the first-order step.
  @Test func zeroLearningRateReducesToFirstOrder() throws {
    let (first, validation, train) = try stage(seed: 4)
    let (second, _, _) = try stage(seed: 4)
    _ = first.architectureStep(validation, ForwardContext(training: true))
    _ = second.unrolledArchitectureStep(validation: validation, train: train, learningRate: 0,
                                        ForwardContext(training: true))
    for (p, q) in zip(first.supernet.architectureParameters, second.supernet.architectureParameters) {
      let a = p.value.values, b = q.value.values
      let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
      #expect(worst < 1e-6, "\(p.name): max difference \(worst)")
    }
  }

  /// With η > 0 the Hessian term changes the update, and the weights are restored afterwards.
  @Test func unrolledStepRestoresWeightsAndDiffersFromFirstOrder() throws {
    let (first, validation, train) = try stage(seed: 5)
    let (second, _, _) = try stage(seed: 5)
    let before = second.supernet.weightParameters.map { $0.value.values }
    _ = first.architectureStep(validation, ForwardContext(training: true))
    let result = second.unrolledArchitectureStep(validation: validation, train: train, learningRate: 0.5,
                                                 ForwardContext(training: true))
    #expect(result.loss.isFinite)
    let after = second.supernet.weightParameters.map { $0.value.values }
    #expect(before == after, "the unrolled step must leave the weights as they were")
    let a = first.supernet.alphaNormal.value.values, b = second.supernet.alphaNormal.value.values
    #expect(a != b)
  }
}
