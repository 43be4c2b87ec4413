import Testing
import TensorEngine
import EngineTestSupport

/// Naive batch norm over axis 1 of (N, C, S) in Double: returns output, batch mean, biased variance.
private func referenceBatchNorm(_ x: Tensor, gamma: [Float]?, beta: [Float]?, eps: Double = 1e-5,
                                statistics: (mean: [Float], variance: [Float])? = nil)
  -> (out: [Float], mean: [Double], variance: [Double]) {
  let n = x.shape[0], c = x.shape[1], s = x.count / (n * c)
  let v = x.values
  var out = [Float](repeating: 0, count: x.count)
  var means: [Double] = [], variances: [Double] = []
  for ch in 0..<c {
    var indices: [Int] = []
    for b in 0..<n { for i in 0..<s { indices.append((b * c + ch) * s + i) } }
    let m = Double(indices.count)
    let mean = indices.reduce(0.0) { $0 + Double(v[$1]) } / m
    let variance = indices.reduce(0.0) { $0 + (Double(v[$1]) - mean) * (Double(v[$1]) - mean) } / m
    means.append(mean); variances.append(variance)
    let useMean = statistics.map { Double($0.mean[ch]) } ?? mean
    let useVariance = statistics.map { Double($0.variance[ch]) } ?? variance
    for i in indices {
      let normalised = (Double(v[i]) - useMean) / (useVariance + eps).squareRoot()
      out[i] = Float(normalised * Double(gamma?[ch] ?? 1) + Double(beta?[ch] ?? 0))
    }
  }
  return (out, means, variances)
}

extension EngineOpTests {
  @Suite struct BatchNormTests {
    @Test(arguments: [[4, 3, 5, 7], [2, 5, 3, 3], [3, 2, 4, 4]])
    func trainingForwardMatchesReference(_ shape: [Int]) {
      let x = randomTensor(shape, seed: 11, low: -2, high: 3)
      let gamma = randomTensor([shape[1]], seed: 12, low: 0.5, high: 1.5)
      let beta = randomTensor([shape[1]], seed: 13)
      let state = BatchNormState(channels: shape[1])
      let y = x.batchNorm2d(state: state, training: true, scale: gamma, shift: beta)
      let reference = referenceBatchNorm(x, gamma: gamma.values, beta: beta.values)
      if let problem = mismatch(y.values, reference.out, rtol: 1e-4, atol: 1e-4) { Issue.record("\(shape): \(problem)") }
      let plain = x.batchNorm2d(state: BatchNormState(channels: shape[1]), training: true)
      if let problem = mismatch(plain.values, referenceBatchNorm(x, gamma: nil, beta: nil).out, rtol: 1e-4, atol: 1e-4) {
        Issue.record("\(shape) non-affine: \(problem)")
      }
    }

    @Test func runningStatisticsFollowPyTorchByHand() {
      // One channel, values 1, 2, 3, 6 (N = 2, H·W = 2): mean 3, biased variance 3.5, unbiased 14/3.
      let x = Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 6])
      let state = BatchNormState(channels: 1)
      _ = x.batchNorm2d(state: state, training: true)
      #expect(abs(state.runningMean[0] - 0.3) < 1e-6)                        // 0.9·0 + 0.1·3
      #expect(abs(state.runningVariance[0] - (0.9 + 0.1 * 14 / 3)) < 1e-6)  // 0.9·1 + 0.1·14/3
      #expect(state.batchesTracked == 1)
      _ = x.batchNorm2d(state: state, training: true)
      #expect(abs(state.runningMean[0] - (0.9 * 0.3 + 0.3)) < 1e-6)
      #expect(abs(state.runningVariance[0] - (0.9 * (0.9 + 0.1 * 14 / 3) + 0.1 * 14 / 3)) < 1e-5)
      // Training output uses the biased variance: (1 − 3)/sqrt(3.5 + 1e-5).
      let y = x.batchNorm2d(state: BatchNormState(channels: 1), training: true)
      #expect(abs(y.values[0] - Float(-2 / (3.5 + 1e-5).squareRoot())) < 1e-6)
      // Evaluation mode leaves the statistics alone.
      let before = (state.runningMean, state.runningVariance)
      _ = x.batchNorm2d(state: state, training: false)
      #expect(state.runningMean == before.0 && state.runningVariance == before.1 && state.batchesTracked == 2)
    }

    @Test func evaluationUsesRunningStatistics() {
      let x = randomTensor([3, 4, 5, 5], seed: 31, low: -1, high: 2)
      let gamma = randomTensor([4], seed: 32, low: 0.5, high: 1.5), beta = randomTensor([4], seed: 33)
      let state = BatchNormState(channels: 4)
      state.runningMean = [0.1, -0.2, 0.3, 0.0]
      state.runningVariance = [0.5, 1.5, 2.0, 0.8]
      let y = x.batchNorm2d(state: state, training: false, scale: gamma, shift: beta)
      let reference = referenceBatchNorm(x, gamma: gamma.values, beta: beta.values,
                                         statistics: (state.runningMean, state.runningVariance))
      if let problem = mismatch(y.values, reference.out, rtol: 1e-5, atol: 1e-5) { Issue.record(Comment(rawValue: problem)) }
      // Train and eval differ on the same input (batch vs running statistics).
      let train = x.batchNorm2d(state: BatchNormState(channels: 4), training: true, scale: gamma, shift: beta)
      #expect(mismatch(train.values, y.values, rtol: 1e-3, atol: 1e-3) != nil)
    }

    @Test(arguments: [[3, 2, 3, 5], [2, 3, 4, 4], [5, 2, 1, 1]])
    func trainingGradients(_ shape: [Int]) {
      let x = randomTensor(shape, seed: 41)
      let gamma = randomTensor([shape[1]], seed: 42, low: 0.5, high: 1.5), beta = randomTensor([shape[1]], seed: 43)
      let report = checkGradients([x, gamma, beta]) { t in
        t[0].batchNorm2d(state: BatchNormState(channels: shape[1]), training: true, scale: t[1], shift: t[2])
      }
      #expect(report.passed, "\(shape) affine: \(report)")
      let plain = checkGradients([x]) { t in t[0].batchNorm2d(state: BatchNormState(channels: shape[1]), training: true) }
      #expect(plain.passed, "\(shape) non-affine: \(plain)")
    }

    @Test func scaleOnlyAndShiftOnly() {
      let x = randomTensor([3, 2, 3, 3], seed: 45)
      let gamma = randomTensor([2], seed: 46, low: 0.5, high: 1.5), beta = randomTensor([2], seed: 47)
      let scaleOnly = checkGradients([x, gamma]) { t in
        t[0].batchNorm2d(state: BatchNormState(channels: 2), training: true, scale: t[1])
      }
      #expect(scaleOnly.passed, "\(scaleOnly)")
      let shiftOnly = checkGradients([x, beta]) { t in
        t[0].batchNorm2d(state: BatchNormState(channels: 2), training: true, shift: t[1])
      }
      #expect(shiftOnly.passed, "\(shiftOnly)")
    }

    @Test func evaluationGradients() {
      let x = randomTensor([3, 3, 3, 5], seed: 51)
      let gamma = randomTensor([3], seed: 52, low: 0.5, high: 1.5), beta = randomTensor([3], seed: 53)
      let state = BatchNormState(channels: 3)
      state.runningMean = [0.2, -0.1, 0.05]
      state.runningVariance = [0.7, 1.3, 0.9]
      let report = checkGradients([x, gamma, beta]) { t in
        t[0].batchNorm2d(state: state, training: false, scale: t[1], shift: t[2])
      }
      #expect(report.passed, "\(report)")
    }

    @Test func batchNorm1dMatchesReferenceAndGradients() {
      let x = randomTensor([7, 5], seed: 61, low: -3, high: 2)
      let gamma = randomTensor([5], seed: 62, low: 0.5, high: 1.5), beta = randomTensor([5], seed: 63)
      let state = BatchNormState(channels: 5)
      let y = x.batchNorm1d(state: state, training: true, scale: gamma, shift: beta)
      let reference = referenceBatchNorm(x, gamma: gamma.values, beta: beta.values)
      if let problem = mismatch(y.values, reference.out, rtol: 1e-4, atol: 1e-4) { Issue.record(Comment(rawValue: problem)) }
      for ch in 0..<5 {
        #expect(abs(Double(state.runningMean[ch]) - 0.1 * reference.mean[ch]) < 1e-5)
        #expect(abs(Double(state.runningVariance[ch]) - (0.9 + 0.1 * reference.variance[ch] * 7 / 6)) < 1e-5)
      }
      let report = checkGradients([x, gamma, beta]) { t in
        t[0].batchNorm1d(state: BatchNormState(channels: 5), training: true, scale: t[1], shift: t[2])
      }
      #expect(report.passed, "\(report)")
    }

    @Test func batchNormalizedHasZeroMeanUnitVarianceAndGradients() {
      let x = randomTensor([9, 4], seed: 71, low: -2, high: 5)
      let y = x.batchNormalized()
      if let problem = mismatch(y.values, referenceBatchNorm(x, gamma: nil, beta: nil).out, rtol: 1e-4, atol: 1e-4) {
        Issue.record(Comment(rawValue: problem))
      }
      let report = checkGradients([x]) { $0[0].batchNormalized() }
      #expect(report.passed, "\(report)")
    }

    @Test func oneAndTwoThreadsAgreeBitForBit() {
      let x = randomTensor([4, 6, 9, 9], seed: 81)
      let gamma = randomTensor([6], seed: 82, low: 0.5, high: 1.5), beta = randomTensor([6], seed: 83)
      let f: ([Tensor]) -> Tensor = { t in
        t[0].batchNorm2d(state: BatchNormState(channels: 6), training: true, scale: t[1], shift: t[2])
      }
      let one = withEngineThreads(1) { outputAndGradients([x, gamma, beta], f) }
      let two = withEngineThreads(2) { outputAndGradients([x, gamma, beta], f) }
      #expect(one == two)
    }
  }
}
