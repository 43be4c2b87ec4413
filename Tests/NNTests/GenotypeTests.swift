import Foundation
import Testing
@testable import NN

@Suite struct GenotypeTests {
  @Test(arguments: Genotype.publishedNames)
  func publishedGenotypesAreValid(name: String) throws {
    let genotype = try Genotype.published(name)
    try genotype.validate()
    #expect(genotype.normal.edges.count == 8 && genotype.reduce.edges.count == 8)
    #expect(genotype.normal.concat == [2, 3, 4, 5])
  }

  @Test func dartsV2MatchesTheReferenceTuple() throws {
    let g = try Genotype.published("DARTS_V2")
    #expect(g.normal.edges == [
      GenotypeEdge(.sepConv3x3, 0), GenotypeEdge(.sepConv3x3, 1), GenotypeEdge(.sepConv3x3, 0),
      GenotypeEdge(.sepConv3x3, 1), GenotypeEdge(.sepConv3x3, 1), GenotypeEdge(.skipConnect, 0),
      GenotypeEdge(.skipConnect, 0), GenotypeEdge(.dilConv3x3, 2),
    ])
    #expect(g.reduce.edges.map(\.op) == [.maxPool3x3, .maxPool3x3, .skipConnect, .maxPool3x3, .maxPool3x3,
                                         .skipConnect, .skipConnect, .maxPool3x3])
    #expect(g.normal.skipCount == 2)
  }

  @Test func depthIsTheLongestOpPath() throws {
    // PDARTS normal: node0 ← 0,1 (depth 1); node1 ← 0,1 (1); node2 ← 1, node1(3) → 2; node3 ← 0, node2(4) → 3.
    #expect(try Genotype.published("PDARTS").normal.depth == 3)
    // DARTS_V2 normal: nodes 0–2 read only inputs (1); node3 reads node0 (state 2) → 2.
    #expect(try Genotype.published("DARTS_V2").normal.depth == 2)
  }

  @Test func jsonRoundTrip() throws {
    let g = try Genotype.published("PC_DARTS")
    let parsed = try Genotype(json: Data(g.jsonString().utf8))
    #expect(parsed == g)
  }

  @Test func malformedGenotypesAreRejectedWithAReason() {
    #expect(throws: GenotypeError.unknownOperation("conv_9x9")) {
      try Genotype(json: Data(#"{"normal":[{"op":"conv_9x9","source":0}],"reduce":[]}"#.utf8))
    }
    #expect(throws: GenotypeError.malformed("not valid JSON")) { try Genotype(json: Data("{".utf8)) }
    let badSource = CellGenotype(edges: [GenotypeEdge(.sepConv3x3, 0), GenotypeEdge(.sepConv3x3, 2)])
    #expect(throws: GenotypeError.badSource(cell: "normal", node: 0, source: 2)) {
      try badSource.validate(cell: "normal")
    }
    let withNone = CellGenotype(edges: [GenotypeEdge(.none, 0), GenotypeEdge(.sepConv3x3, 1)])
    #expect(throws: GenotypeError.noneOperation(cell: "normal", node: 0)) { try withNone.validate(cell: "normal") }
    #expect(throws: GenotypeError.unknownName("NOPE")) { try Genotype.published("NOPE") }
    #expect(GenotypeError.unknownName("x").description.contains("DARTS_V2"))
  }

  @Test func shortDescriptionUsesTheTableNotation() throws {
    #expect(try Genotype.published("DARTS_V2").shortDescription.hasPrefix("normal: sep3(0) sep3(1) · sep3(0) sep3(1)"))
  }
}
