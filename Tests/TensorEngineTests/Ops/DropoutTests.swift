import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct DropoutTests {
    @Test func maskStatisticsAndExactScaling() {
      let p: Float = 0.3
      let x = tensorAwayFromZero([10, 10, 1000], seed: 100)
      var rng = PRNG(seed: 101)
      let y = x.dropout(p: p, rng: &rng, training: true)
      let scale = 1 / (1 - p)
      var kept = 0
      for (a, b) in zip(x.values, y.values) {
        if b != 0 {
          kept += 1
          #expect(b == a * scale)
        }
      }
      let keptFraction = Double(kept) / Double(x.count)
      #expect(abs(keptFraction - 0.7) < 0.01, "kept \(keptFraction)")
      // Same seed, same mask; another seed, another mask.
      var again = PRNG(seed: 101), other = PRNG(seed: 102)
      #expect(x.dropout(p: p, rng: &again, training: true).values == y.values)
      #expect(x.dropout(p: p, rng: &other, training: true).values != y.values)
    }

    @Test func identityWhenPIsZeroOrNotTraining() {
      let x = randomTensor([3, 4, 5], seed: 103)
      var rng = PRNG(seed: 104)
      let zero = x.dropout(p: 0, rng: &rng, training: true)
      let eval = x.dropout(p: 0.5, rng: &rng, training: false)
      #expect(zero.values == x.values && eval.values == x.values)
      #expect(zero.storage === x.storage && eval.storage === x.storage)
      #expect(x.dropPath(p: 0, rng: &rng).values == x.values)
      #expect(x.dropPath(p: 0.4, rng: &rng, training: false).storage === x.storage)
    }

    @Test func gradientIsTheMask() {
      let x = randomTensor([2, 3, 5, 7], seed: 105)
      let report = checkGradients([x]) { t in
        var rng = PRNG(seed: 106)
        return t[0].dropout(p: 0.4, rng: &rng, training: true)
      }
      #expect(report.passed, "\(report)")
      let pathReport = checkGradients([x]) { t in
        var rng = PRNG(seed: 107)
        return t[0].dropPath(p: 0.5, rng: &rng)
      }
      #expect(pathReport.passed, "\(pathReport)")
    }

    @Test func dropPathDropsWholeSamples() {
      let p: Float = 0.2, n = 4000
      let x = tensorAwayFromZero([n, 2, 3, 3], seed: 108)
      var rng = PRNG(seed: 109)
      let y = x.dropPath(p: p, rng: &rng).values
      let xs = x.values, block = 18, scale = 1 / (1 - p)
      var kept = 0
      for s in 0..<n {
        let sample = y[(s * block)..<((s + 1) * block)]
        if sample.allSatisfy({ $0 == 0 }) { continue }
        kept += 1
        for i in 0..<block { #expect(y[s * block + i] == xs[s * block + i] * scale) }
      }
      let keptFraction = Double(kept) / Double(n)
      #expect(abs(keptFraction - 0.8) < 0.02, "kept \(keptFraction)")
    }
  }
}
