import Testing
import NN
@testable import Search

@Suite struct GenotypeDerivationTests {
  let all = Array(repeating: Primitive.allCases, count: 14)

  /// Weights with every entry `base` except the given (edge, op) overrides.
  func weights(_ overrides: [(Int, Primitive, Float)], base: Float = 0.01) -> EdgeOperationWeights {
    var w = Array(repeating: Array(repeating: base, count: 8), count: 14)
    for (e, op, value) in overrides { w[e][op.index] = value }
    return EdgeOperationWeights(operations: all, weights: w)
  }

  @Test func edgeLayoutMatchesTheReferenceNumbering() {
    let layout = EdgeLayout()
    #expect(layout.edgeCount == 14)
    #expect((0..<4).map { layout.edges(ofNode: $0) } == [0..<2, 2..<5, 5..<9, 9..<14])
    #expect(layout.source(ofEdge: 4) == 2 && layout.source(ofEdge: 9) == 0 && layout.source(ofEdge: 13) == 4)
  }

  @Test func noneIsExcludedFromEdgeRankingAndOpChoice() {
    // Node 1 (edges 2,3,4): edge 2 has a huge `none` but weak real ops; edges 3 and 4 win.
    let w = weights([(2, .none, 0.9), (3, .sepConv3x3, 0.3), (4, .maxPool3x3, 0.2),
                     (0, .none, 0.9), (0, .dilConv5x5, 0.05), (1, .skipConnect, 0.5)])
    let cell = deriveCell(w)
    #expect(Array(cell.edges[2...3]) == [GenotypeEdge(.sepConv3x3, 1), GenotypeEdge(.maxPool3x3, 2)])
    // Node 0 keeps both edges, the stronger (edge 1, skip 0.5) first; edge 0's op is dil5, not none.
    #expect(Array(cell.edges[0...1]) == [GenotypeEdge(.skipConnect, 1), GenotypeEdge(.dilConv5x5, 0)])
  }

  @Test func tiesResolveToTheLowerIndex() {
    // All equal: every node keeps its first two edges, and each picks the first non-none op (max_pool_3x3).
    let cell = deriveCell(weights([]))
    #expect(cell.edges.map(\.source) == [0, 1, 0, 1, 0, 1, 0, 1])
    #expect(cell.edges.allSatisfy { $0.op == .maxPool3x3 })
    #expect(cell.concat == [2, 3, 4, 5])
  }

  @Test func betaChangesEdgeChoiceButNotOpChoice() {
    // Node 3 (edges 9–13): α alone prefers edges 9 and 10; a large β on edges 12 and 13 flips the choice.
    var alpha = Array(repeating: Array(repeating: Float(0), count: 8), count: 14)
    alpha[9][Primitive.sepConv5x5.index] = 3
    alpha[10][Primitive.dilConv3x3.index] = 3
    alpha[12][Primitive.avgPool3x3.index] = 1
    alpha[13][Primitive.sepConv3x3.index] = 1
    let plain = deriveCell(EdgeOperationWeights(operations: all, alpha: alpha, beta: nil))
    #expect(plain.edges[6].source == 0 && plain.edges[7].source == 1)
    var beta = Array(repeating: Float(0), count: 14)
    beta[12] = 4; beta[13] = 4
    let scaled = deriveCell(EdgeOperationWeights(operations: all, alpha: alpha, beta: beta))
    #expect(Set(scaled.edges[6...7].map(\.source)) == [3, 4])
    #expect(scaled.edges[6...7].map(\.op).sorted { $0.index < $1.index } == [.avgPool3x3, .sepConv3x3])
    // β never changes which op wins on an edge: nodes 0–2 are identical.
    #expect(Array(plain.edges[0..<6]) == Array(scaled.edges[0..<6]))
  }

  @Test func softmaxIsNormalisedAndStable() {
    let p = softmax([1000, 1000, 999])
    #expect(abs(p.reduce(0, +) - 1) < 1e-6)
    #expect(p[0] == p[1] && p[2] < p[0])
  }
}

@Suite struct ProgressiveRulesTests {
  @Test func dropsTheWeakestOperationsPerEdge() {
    let ops: [[Primitive]] = [Primitive.allCases, Primitive.allCases]
    let probs: [[Float]] = [[0.30, 0.05, 0.10, 0.20, 0.15, 0.02, 0.08, 0.10],
                            [0.10, 0.10, 0.10, 0.10, 0.20, 0.20, 0.10, 0.10]]
    let kept = ProgressiveRules.dropOperations(ops, probabilities: probs, count: 3, isLastStage: false)
    // Edge 0 loses sep5 (0.02), max (0.05), dil3 (0.08); `none` survives on its own merit.
    #expect(kept[0] == [.none, .avgPool3x3, .skipConnect, .sepConv3x3, .dilConv5x5])
    // Edge 1: ties at 0.10 remove the lowest columns first (none, max, avg).
    #expect(kept[1] == [.skipConnect, .sepConv3x3, .sepConv5x5, .dilConv3x3, .dilConv5x5])
  }

  @Test func lastStageRemovesNoneFirst() {
    let ops: [[Primitive]] = [[.none, .skipConnect, .sepConv3x3], [.maxPool3x3, .skipConnect, .sepConv3x3]]
    let probs: [[Float]] = [[0.8, 0.15, 0.05], [0.5, 0.3, 0.2]]
    let kept = ProgressiveRules.dropOperations(ops, probabilities: probs, count: 2, isLastStage: true)
    #expect(kept == [[.skipConnect], [.maxPool3x3]])
  }

  @Test func skipDropoutSchedule() {
    // r = 0.4, E = 25, W = 10: 0.96r at e = 0, 0.60r at e = 9, back to r at e = 10, r·e^(−2.8) at e = 24.
    let r: Float = 0.4
    #expect(abs(ProgressiveRules.skipDropoutRate(base: r, epoch: 0, epochs: 25, warmup: 10) - 0.384) < 1e-6)
    #expect(abs(ProgressiveRules.skipDropoutRate(base: r, epoch: 9, epochs: 25, warmup: 10) - 0.24) < 1e-6)
    #expect(ProgressiveRules.skipDropoutRate(base: r, epoch: 10, epochs: 25, warmup: 10) == r)
    #expect(abs(ProgressiveRules.skipDropoutRate(base: r, epoch: 24, epochs: 25, warmup: 10) - 0.4 * 0.0608100626) < 1e-6)
    #expect(ProgressiveRules.skipDropoutRate(base: 0, epoch: 3, epochs: 25, warmup: 10) == 0)
  }

  /// 14 edges whose stage-3 candidates are (none, skip, sep3); skip strong everywhere.
  func skipHeavyCell() -> (ops: [[Primitive]], probs: [[Float]]) {
    let ops = Array(repeating: [Primitive.none, .skipConnect, .sepConv3x3], count: 14)
    var probs: [[Float]] = []
    for e in 0..<14 {
      let skip = 0.5 + Float(e) * 0.01       // later edges hold stronger skips
      probs.append([0.1, skip, 0.9 - skip - 0.0])
    }
    return (ops, probs)
  }

  @Test func finalCellLimitsSkipConnects() {
    let (ops, probs) = skipHeavyCell()
    let unlimited = ProgressiveRules.finalCell(operations: ops, probabilities: probs, maxSkips: nil)
    #expect(unlimited.skipCount == 8)
    let limited = ProgressiveRules.finalCell(operations: ops, probabilities: probs, maxSkips: 2)
    #expect(limited.skipCount == 2)
    // The two surviving skips are the strongest ones (node 3's edges 12 and 13, i.e. sources 3 and 4).
    #expect(Set(limited.edges.enumerated().filter { $0.element.op == .skipConnect }.map { $0.element.source }) == [3, 4])
    #expect(ProgressiveRules.finalCell(operations: ops, probabilities: probs, maxSkips: 0).skipCount == 0)
    // Node 0 keeps both of its edges.
    #expect(limited.edges[0...1].map(\.source).sorted() == [0, 1])
  }
}
