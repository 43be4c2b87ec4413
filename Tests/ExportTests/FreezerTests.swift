import Foundation
import Freezer
import NASFormat
import NN
import Testing
import TensorEngine

@Suite struct FreezerTests {
  @Test(arguments: ["ALL", "DARTS_V2", "PC_DARTS"])
  func frozenGraphMatchesEngine(genotypeName: String) throws {
    let genotype = genotypeName == "ALL" ? ExportFixtures.allOperationsGenotype : try Genotype.published(genotypeName)
    let network = try ExportFixtures.network(genotype: genotype)
    let graph = try Freezer.freeze(network, description: ExportFixtures.description(genotype: genotype))
    let x = ExportFixtures.inputs(3)
    let expected = ExportFixtures.engineLogits(network, x).values
    let actual = graph.evaluate(x).values
    let difference = ExportFixtures.maxDifference(actual, expected)
    #expect(difference <= 1e-4, "max |frozen − engine| = \(difference)")
    #expect(ExportFixtures.argmaxes(actual, classes: 10) == ExportFixtures.argmaxes(expected, classes: 10))
  }

  @Test func graphHasNoBatchNormAndEveryShapeIsInferred() throws {
    let network = try ExportFixtures.network()
    let graph = try Freezer.freeze(network, description: ExportFixtures.description())
    #expect(graph.valueShapes[graph.output] == [10])
    #expect(graph.nodeCounts["ChannelAffine"] == nil, "\(graph.nodeCounts)")
    #expect(graph.nodeCounts["Crop"] != nil, "FactorizedReduce's shift must be a crop")
    #expect(!graph.tensors.contains { $0.name.hasPrefix("auxiliary_head") })
    // Folding removes γ, β and the running statistics; one bias per conv and the classifier's remain.
    let convs = graph.nodes.filter { if case .conv = $0.kind { return true } else { return false } }.count
    #expect(graph.tensors.count == convs * 2 - depthwiseCount(graph) + 2)
    // Every value is defined once, in order.
    for (i, node) in graph.nodes.enumerated() {
      #expect(node.output == i + 1)
      #expect(node.inputs.allSatisfy { $0 < node.output })
    }
  }

  private func depthwiseCount(_ graph: FrozenGraph) -> Int {
    graph.nodes.filter { if case .conv(let a) = $0.kind { return a.groups > 1 } else { return false } }.count
  }

  @Test func divergedWeightsAreRefused() throws {
    let network = try ExportFixtures.network()
    network.classifier.weight.data[0] = .nan
    #expect(throws: FreezeError.nonFiniteWeight(name: "classifier.weight")) {
      try Freezer.freeze(network, description: ExportFixtures.description())
    }
  }

  @Test func checkpointRoundTripFreezesTheSameGraph() throws {
    let network = try ExportFixtures.network()
    let description = ExportFixtures.description()
    let directory = ExportFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/model.ckpt"
    try Checkpoint(model: network, description: description).write(to: path)
    let (graph, loaded) = try Freezer.freeze(checkpointPath: path)
    #expect(loaded == description)
    #expect(graph.metadataValue(forKey: "source") == path)
    let x = ExportFixtures.inputs(2)
    let difference = ExportFixtures.maxDifference(graph.evaluate(x).values, ExportFixtures.engineLogits(network, x).values)
    #expect(difference <= 1e-4, "max difference \(difference)")
  }
}
