import NN
import Testing
@testable import Train

/// `--count-params` equals ALGORITHMS.md §1.5, and the MAC count agrees with one derived from the weight shapes.
@Suite struct ParameterCountTests {
  @Test(arguments: [("DARTS_V2", 10, 3_349_342), ("DARTS_V1", 10, 3_169_414), ("PC_DARTS", 10, 3_634_678),
                    ("PDARTS", 10, 3_433_798), ("DARTS_V2", 100, 3_401_272), ("DARTS_V1", 100, 3_221_344),
                    ("PC_DARTS", 100, 3_686_608), ("PDARTS", 100, 3_485_728)])
  func countsMatchTheReferences(name: String, classes: Int, expected: Int) throws {
    let count = try inferenceParameterCount(
      genotype: try Genotype.load(nameOrPath: name),
      shape: NetworkShape(inputChannels: 3, height: 32, width: 32, classes: classes), initChannels: 36, layers: 20)
    #expect(count == expected)
  }

  /// Independent route: every convolution weight (rank 4) costs (its size) × (its output area), the classifier
  /// its weight count. Output areas: stem = input; preprocessing = the cell's input map; ops = the cell's output.
  @Test(arguments: ["DARTS_V2", "PC_DARTS", "PDARTS", "DARTS_V1"])
  func multiplyAccumulatesFollowTheWeightShapes(name: String) throws {
    let genotype = try Genotype.published(name)
    for (shape, layers, channels) in [(NetworkShape(inputChannels: 1, height: 28, width: 28, classes: 10), 8, 16),
                                      (NetworkShape(inputChannels: 3, height: 32, width: 32, classes: 100), 6, 6)] {
      let network = try EvaluationNetwork(genotype: genotype, shape: shape, initChannels: channels, layers: layers,
                                          auxiliary: false, seed: 0)
      let sizes = try cellSpatialSizes(layers: layers, height: shape.height)
      var expected = 0
      for p in network.parameters {
        if p.name == "classifier.weight" { expected += p.count; continue }
        guard p.shape.count == 4 else { continue }
        let parts = p.name.split(separator: ".")
        if parts[0] == "stem" { expected += p.count * shape.height * shape.width; continue }
        let cell = Int(parts[1])!
        let inputSide = cell == 0 ? shape.height : sizes[cell - 1]
        let side = parts[2].hasPrefix("preprocess") ? inputSide : sizes[cell]
        expected += p.count * side * side
      }
      let cost = try ModelCost(genotype: genotype, shape: shape, initChannels: channels, layers: layers)
      #expect(cost.multiplyAccumulates == expected, "\(name) \(shape)")
      #expect(cost.flops == 2 * expected)
    }
  }
}
