import NN
import TensorEngine
import Testing
@testable import Train

/// Drop-path in the evaluation cell (ALGORITHMS.md §5.2): linear schedule, per-sample Bernoulli masks with the
/// right rate on every non-identity op, and the identity never dropped.
@Suite struct DropPathTests {
  @Test func scheduleIsLinearFromZero() {
    var settings = TrainSettings()
    settings.epochs = 600
    settings.dropPath = 0.3
    #expect(settings.dropPathProbability(epoch: 0) == 0)
    #expect(abs(settings.dropPathProbability(epoch: 300) - 0.15) < 1e-7)
    #expect(abs(settings.dropPathProbability(epoch: 599) - 0.3 * 599 / 600) < 1e-7)
  }

  func cell(_ edges: [GenotypeEdge], channels: Int) -> EvaluationCell {
    var rng = PRNG(seed: 4)
    return EvaluationCell(name: "cell", genotype: CellGenotype(edges: edges), previousPreviousChannels: channels,
                          previousChannels: channels, channels: channels, isReduction: false,
                          previousWasReduction: false, rng: &rng)
  }

  func inputs(_ shape: [Int]) -> (Tensor, Tensor) {
    var rng = PRNG(seed: 11)
    return (Tensor.randomNormal(shape, using: &rng), Tensor.randomNormal(shape, using: &rng))
  }

  @Test func identityEdgesAreNeverDropped() {
    let skip = GenotypeEdge(.skipConnect, 0), skip1 = GenotypeEdge(.skipConnect, 1)
    let c = cell([skip, skip1, skip, GenotypeEdge(.skipConnect, 2), skip1, GenotypeEdge(.skipConnect, 3),
                  skip, skip1], channels: 3)
    let (s0, s1) = inputs([16, 3, 5, 5])
    let plain = c.forward(s0, s1, ForwardContext(training: true, seed: 1, dropPathProbability: 0))
    let dropped = c.forward(s0, s1, ForwardContext(training: true, seed: 1, dropPathProbability: 0.5))
    #expect(plain.values.map(\.bitPattern) == dropped.values.map(\.bitPattern))
  }

  /// Every node sums two average pools; each term of each sample is either dropped (0) or scaled by 1/(1 − p).
  /// Decoding the masks from the output gives the drop rate: 0.3 within 4σ over 8 terms × 400 samples.
  @Test func nonIdentityTermsAreDroppedPerSampleAtRateP() {
    let n = 400, channels = 2, p: Float = 0.3
    var edges: [GenotypeEdge] = []
    for _ in 0..<4 { edges += [GenotypeEdge(.avgPool3x3, 0), GenotypeEdge(.avgPool3x3, 1)] }
    let c = cell(edges, channels: channels)
    let (s0, s1) = inputs([n, channels, 3, 3])
    let context = ForwardContext(training: true, seed: 1, dropPathProbability: 0)
    let states = [c.preprocess0.forward(s0, context), c.preprocess1.forward(s1, context)]
    let terms = (0..<8).map { k in c.operations[k].forward(states[k % 2], context).values }
    let out = c.forward(s0, s1, ForwardContext(training: true, seed: 77, dropPathProbability: p)).values
    let block = channels * 9   // one node of one sample
    var dropped = 0, worstResidual: Float = 0
    for sample in 0..<n {
      for node in 0..<4 {
        let a = terms[2 * node], b = terms[2 * node + 1]
        var best = (error: Float.infinity, drops: 0)
        for (keepA, keepB) in [(true, true), (true, false), (false, true), (false, false)] {
          var error: Float = 0
          for i in 0..<block {
            let t = sample * block + i
            let expected = ((keepA ? a[t] : 0) + (keepB ? b[t] : 0)) / (1 - p)
            error = max(error, abs(out[sample * 4 * block + node * block + i] - expected))
          }
          if error < best.error { best = (error, (keepA ? 0 : 1) + (keepB ? 0 : 1)) }
        }
        dropped += best.drops
        worstResidual = max(worstResidual, best.error)
      }
    }
    #expect(worstResidual < 1e-5, "output is not a masked sum of the terms (residual \(worstResidual))")
    let draws = Double(8 * n), expected = draws * Double(p)
    let sigma = (draws * Double(p) * Double(1 - p)).squareRoot()
    #expect(abs(Double(dropped) - expected) < 4 * sigma, "dropped \(dropped) of \(Int(draws)), expected ≈ \(Int(expected))")
  }

  @Test func evaluationModeNeverDrops() {
    var edges: [GenotypeEdge] = []
    for _ in 0..<4 { edges += [GenotypeEdge(.sepConv3x3, 0), GenotypeEdge(.avgPool3x3, 1)] }
    let c = cell(edges, channels: 2)
    let (s0, s1) = inputs([8, 2, 5, 5])
    let a = c.forward(s0, s1, ForwardContext(training: false, seed: 1, dropPathProbability: 0))
    let b = c.forward(s0, s1, ForwardContext(training: false, seed: 1, dropPathProbability: 0.6))
    #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern))
  }
}
