import Testing
import TensorEngine
@testable import NN

@Suite struct EvaluationNetworkTests {
  /// ALGORITHMS.md §1.5: counts of the published genotypes at C = 36, L = 20, 3×32×32, auxiliary head excluded.
  @Test(arguments: [("DARTS_V2", 10, 3_349_342), ("DARTS_V1", 10, 3_169_414), ("PC_DARTS", 10, 3_634_678),
                    ("PDARTS", 10, 3_433_798), ("DARTS_V2", 100, 3_401_272), ("DARTS_V1", 100, 3_221_344),
                    ("PC_DARTS", 100, 3_686_608), ("PDARTS", 100, 3_485_728)])
  func parameterCountsMatchTheReferences(name: String, classes: Int, expected: Int) throws {
    let network = try EvaluationNetwork(genotype: try Genotype.published(name),
                                        shape: NetworkShape(inputChannels: 3, height: 32, width: 32, classes: classes),
                                        initChannels: 36, layers: 20, auxiliary: true, seed: 0)
    #expect(network.inferenceParameterCount == expected)
  }

  @Test func forwardShapesOnFashionMNISTSize() throws {
    let network = try EvaluationNetwork(genotype: try Genotype.published("PC_DARTS"),
                                        shape: NetworkShape(inputChannels: 1, height: 28, width: 28, classes: 10),
                                        initChannels: 8, layers: 5, auxiliary: true, seed: 1)
    let x = randomInput([2, 1, 28, 28])
    let training = ForwardContext(training: true, seed: 3, dropPathProbability: 0.2)
    let (logits, auxiliary) = network.forwardWithAuxiliary(x, training)
    #expect(logits.shape == [2, 10])
    #expect(auxiliary?.shape == [2, 10])
    // The 7×7 map at the second reduction cell takes the stride-2 auxiliary pool.
    #expect(network.auxiliaryHead?.poolStride == 2)
    let evaluation = network.forwardWithAuxiliary(x, ForwardContext(training: false))
    #expect(evaluation.auxiliary == nil)
  }

  @Test func oddSizesAreRejectedBeforeBuilding() {
    #expect(throws: NetworkError.oddSpatialSize(cell: 1, size: 27)) {
      _ = try EvaluationNetwork(genotype: try Genotype.published("DARTS_V2"),
                                shape: NetworkShape(inputChannels: 1, height: 27, width: 27, classes: 10),
                                initChannels: 8, layers: 5, auxiliary: false, seed: 0)
    }
  }

  func randomInput(_ shape: [Int]) -> Tensor {
    var rng = PRNG(seed: 9)
    return Tensor.randomNormal(shape, using: &rng)
  }
}
