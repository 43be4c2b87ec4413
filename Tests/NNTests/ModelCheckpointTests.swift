import Foundation
import Glibc
import Testing
import TensorEngine
@testable import NN

@Suite struct ModelCheckpointTests {
  func description() throws -> ModelDescription {
    ModelDescription(genotype: try Genotype.published("PC_DARTS"),
                     shape: NetworkShape(inputChannels: 1, height: 28, width: 28, classes: 3),
                     initChannels: 4, layers: 3, auxiliary: true, classNames: ["a", "b", "c"],
                     mean: [0.25], std: [0.5], extra: ["epoch": "7"])
  }

  @Test func saveAndLoadGiveTheSameLogits() throws {
    let d = try description()
    let network = try d.makeNetwork(seed: 4)
    // Move BN running statistics away from their defaults so that the round trip checks them too.
    var rng = PRNG(seed: 2)
    let x = Tensor.randomNormal([2, 1, 28, 28], using: &rng)
    _ = network.forward(x, ForwardContext(training: true))
    let path = "/tmp/model-ckpt-test-\(getpid()).ckpt"
    try Checkpoint(model: network, description: d).write(to: path)
    defer { unlink(path) }
    let (loaded, loadedDescription) = try Checkpoint.loadModel(path: path)
    #expect(loadedDescription == d)
    let expected = noGrad { network.forward(x, ForwardContext(training: false)) }.values
    let actual = noGrad { loaded.forward(x, ForwardContext(training: false)) }.values
    #expect(actual == expected)
  }

  @Test func searchCheckpointIsNotAModel() throws {
    let path = "/tmp/not-a-model-\(getpid()).ckpt"
    try Checkpoint(metadata: #"{"stage": 0}"#).write(to: path)
    defer { unlink(path) }
    #expect(throws: CheckpointError.self) { _ = try Checkpoint.loadModel(path: path) }
  }
}
