import NN
import TensorEngine
import Testing
@testable import Train

/// The auxiliary head is built for the feature map at cell floor(2L/3): stride-3 pool on 8×8 (CIFAR), stride-2 on
/// 7×7 (Fashion-MNIST); any other size is a one-line error that names the fix.
@Suite struct AuxiliaryHeadTests {
  func settings(auxiliary: Bool = true) -> TrainSettings {
    var s = TrainSettings()
    (s.layers, s.initChannels, s.auxiliary) = (5, 4, auxiliary)
    return s
  }

  @Test(arguments: [(1, 28, 2), (3, 32, 3)])
  func headFitsTheMap(channels: Int, side: Int, stride: Int) throws {
    let shape = NetworkShape(inputChannels: channels, height: side, width: side, classes: 10)
    let network = try Trainer.makeNetwork(genotype: try Genotype.published("DARTS_V2"), shape: shape,
                                          settings: settings())
    #expect(network.auxiliaryHead?.poolStride == stride)
    var rng = PRNG(seed: 3)
    let x = Tensor.randomNormal([2, channels, side, side], using: &rng)
    let (logits, auxiliary) = network.forwardWithAuxiliary(x, ForwardContext(training: true, seed: 1))
    #expect(logits.shape == [2, 10])
    #expect(auxiliary?.shape == [2, 10])
    // The auxiliary head is trained but not counted.
    #expect(network.parameterCount > network.inferenceParameterCount)
  }

  @Test func otherSizesAreAnErrorUnlessTheHeadIsOff() throws {
    let shape = NetworkShape(inputChannels: 1, height: 16, width: 16, classes: 10)
    let genotype = try Genotype.published("PC_DARTS")
    do {
      _ = try Trainer.makeNetwork(genotype: genotype, shape: shape, settings: settings())
      Issue.record("a 4×4 map must not get an auxiliary head")
    } catch let error as TrainError {
      #expect(error.description.contains("4×4") && error.description.contains("--no-auxiliary"), "\(error)")
    }
    let network = try Trainer.makeNetwork(genotype: genotype, shape: shape, settings: settings(auxiliary: false))
    #expect(network.auxiliaryHead == nil)
  }

  @Test func zeroWeightBuildsNoHead() throws {
    var s = settings()
    s.auxiliaryWeight = 0
    let network = try Trainer.makeNetwork(genotype: try Genotype.published("PDARTS"),
                                          shape: NetworkShape(inputChannels: 1, height: 28, width: 28, classes: 10),
                                          settings: s)
    #expect(network.auxiliaryHead == nil)
  }
}
