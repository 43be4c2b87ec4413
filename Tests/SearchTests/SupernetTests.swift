import Testing
import NN
import TensorEngine
@testable import Search

@Suite struct SupernetTests {
  let cifar = NetworkShape(inputChannels: 3, height: 32, width: 32, classes: 10)

  /// ALGORITHMS.md §1.5: DARTS C=16 L=8: 1,930,618; PC-DARTS K=4: 299,578; P-DARTS stage 1 (L=5): 1,275,834.
  @Test func parameterCountsMatchTheReferences() throws {
    let darts = try Supernet(SupernetConfiguration(shape: cifar, layers: 8, initChannels: 16), seed: 0)
    #expect(darts.weightCount == 1_930_618)
    let pc = try Supernet(SupernetConfiguration(shape: cifar, layers: 8, initChannels: 16, partialChannels: 4,
                                                edgeNormalization: true), seed: 0)
    #expect(pc.weightCount == 299_578)
    let pdarts = try Supernet(SupernetConfiguration(shape: cifar, layers: 5, initChannels: 16), seed: 0)
    #expect(pdarts.weightCount == 1_275_834)
    #expect(pc.architectureParameters.map(\.shape) == [[14, 8], [14, 8], [14], [14]])
  }

  @Test func impossibleShapesAreRejected() {
    #expect(throws: SearchError.channelsNotDivisible(channels: 6, k: 4)) {
      _ = try Supernet(SupernetConfiguration(shape: cifar, layers: 5, initChannels: 6, partialChannels: 4), seed: 0)
    }
    let odd = NetworkShape(inputChannels: 1, height: 30, width: 30, classes: 10)
    #expect(throws: SearchError.network(.oddSpatialSize(cell: 3, size: 15))) {
      _ = try Supernet(SupernetConfiguration(shape: odd, layers: 5, initChannels: 8), seed: 0)
    }
  }

  @Test func forwardOnATinySupernet() throws {
    let shape = NetworkShape(inputChannels: 1, height: 12, width: 12, classes: 3)
    for (k, beta) in [(1, false), (4, true)] {
      let net = try Supernet(SupernetConfiguration(shape: shape, layers: 3, initChannels: 8, partialChannels: k,
                                                   edgeNormalization: beta), seed: 1)
      var rng = PRNG(seed: 2)
      let x = Tensor.randomNormal([2, 1, 12, 12], using: &rng)
      let logits = net.forward(x, ForwardContext(training: true, seed: 1))
      #expect(logits.shape == [2, 3])
      let loss = Tensor.crossEntropy(logits: logits, labels: [0, 2])
      loss.backward()
      #expect(net.alphaNormal.grad != nil && net.alphaReduce.grad != nil)
      #expect(net.betaNormal.map { $0.grad != nil } ?? true)
    }
  }
}
