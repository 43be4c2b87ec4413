import Testing
import TensorEngine
import EngineTestSupport

/// A pooling configuration: input shape, kernel, stride, padding.
struct PoolCase: CustomStringConvertible, Sendable {
  var shape: [Int], kernel: Int, stride: Int, padding: Int
  var description: String { "\(shape) k\(kernel) s\(stride) p\(padding)" }
}

private let poolCases: [PoolCase] = [
  PoolCase(shape: [2, 3, 7, 9], kernel: 3, stride: 1, padding: 1),
  PoolCase(shape: [2, 2, 8, 8], kernel: 3, stride: 2, padding: 1),
  PoolCase(shape: [1, 3, 9, 7], kernel: 3, stride: 2, padding: 1),
  PoolCase(shape: [3, 2, 6, 8], kernel: 2, stride: 2, padding: 0),
  PoolCase(shape: [1, 2, 8, 8], kernel: 5, stride: 3, padding: 0),
  PoolCase(shape: [2, 2, 5, 19], kernel: 3, stride: 1, padding: 1),  // wide: the kernels' SIMD path
]

/// Naive pooling in Double over the padded window, real cells only.
private func referencePool(_ x: Tensor, _ c: PoolCase, max isMax: Bool) -> [Float] {
  let (n, ch, h, w) = x.nchw()
  let v = x.values
  let oh = (h + 2 * c.padding - c.kernel) / c.stride + 1, ow = (w + 2 * c.padding - c.kernel) / c.stride + 1
  var out: [Float] = []
  for plane in 0..<(n * ch) {
    for i in 0..<oh {
      for j in 0..<ow {
        var best = -Double.infinity, sum = 0.0, cells = 0
        for ki in 0..<c.kernel {
          for kj in 0..<c.kernel {
            let r = i * c.stride - c.padding + ki, q = j * c.stride - c.padding + kj
            guard r >= 0, r < h, q >= 0, q < w else { continue }
            let value = Double(v[(plane * h + r) * w + q])
            best = max(best, value); sum += value; cells += 1
          }
        }
        out.append(Float(isMax ? best : sum / Double(cells)))
      }
    }
  }
  return out
}

extension EngineOpTests {
  @Suite struct PoolingOpTests {
    @Test(arguments: poolCases)
    func maxPoolForwardAndGradient(_ c: PoolCase) {
      let x = distinctTensor(c.shape, seed: UInt64(c.shape.reduce(0, +) + c.kernel))
      let y = x.maxPool2d(kernel: c.kernel, stride: c.stride, padding: c.padding)
      #expect(y.values == referencePool(x, c, max: true), "\(c)")
      let report = checkGradients([x]) { $0[0].maxPool2d(kernel: c.kernel, stride: c.stride, padding: c.padding) }
      #expect(report.passed, "\(c): \(report)")
    }

    @Test(arguments: poolCases)
    func avgPoolForwardAndGradient(_ c: PoolCase) {
      let x = randomTensor(c.shape, seed: UInt64(c.kernel * 13 + c.stride))
      let y = x.avgPool2d(kernel: c.kernel, stride: c.stride, padding: c.padding)
      if let problem = mismatch(y.values, referencePool(x, c, max: false), rtol: 1e-5, atol: 1e-6) {
        Issue.record("\(c): \(problem)")
      }
      let report = checkGradients([x]) { $0[0].avgPool2d(kernel: c.kernel, stride: c.stride, padding: c.padding) }
      #expect(report.passed, "\(c): \(report)")
    }

    @Test func defaultStrideIsTheKernel() {
      let x = distinctTensor([1, 1, 6, 6], seed: 4)
      #expect(x.maxPool2d(kernel: 2).shape == [1, 1, 3, 3])
      #expect(x.avgPool2d(kernel: 3).values == x.avgPool2d(kernel: 3, stride: 3, padding: 0).values)
    }

    @Test func maxPoolWithoutGradientMatchesRecordedForward() {
      let x = distinctTensor([2, 3, 7, 7], seed: 8)
      let recorded = x.requiringGrad().maxPool2d(kernel: 3, stride: 2, padding: 1)
      let plain = noGrad { x.maxPool2d(kernel: 3, stride: 2, padding: 1) }
      #expect(recorded.values == plain.values)
      #expect(!plain.requiresGrad)
    }

    @Test(arguments: [[2, 3, 5, 7], [1, 4, 8, 8], [3, 1, 1, 1]])
    func globalAvgPoolForwardAndGradient(_ shape: [Int]) {
      let x = randomTensor(shape, seed: 21)
      let y = x.globalAvgPool()
      #expect(y.shape == [shape[0], shape[1]])
      #expect(x.globalAvgPool(keepingDimensions: true).shape == [shape[0], shape[1], 1, 1])
      let s = shape[2] * shape[3]
      let v = x.values
      let expected = (0..<(shape[0] * shape[1])).map { p in
        Float(v[(p * s)..<((p + 1) * s)].reduce(0.0) { $0 + Double($1) } / Double(s))
      }
      if let problem = mismatch(y.values, expected, rtol: 1e-5, atol: 1e-6) { Issue.record("\(shape): \(problem)") }
      let report = checkGradients([x]) { $0[0].globalAvgPool() }
      #expect(report.passed, "\(shape): \(report)")
      let report4 = checkGradients([x]) { $0[0].globalAvgPool(keepingDimensions: true) }
      #expect(report4.passed, "\(shape) keepdims: \(report4)")
    }

    @Test func oneAndTwoThreadsAgreeBitForBit() {
      let x = distinctTensor([4, 6, 9, 9], seed: 5)
      let f: ([Tensor]) -> Tensor = { t in
        t[0].maxPool2d(kernel: 3, stride: 1, padding: 1) + t[0].avgPool2d(kernel: 3, stride: 1, padding: 1)
      }
      let one = withEngineThreads(1) { outputAndGradients([x], f) }
      let two = withEngineThreads(2) { outputAndGradients([x], f) }
      #expect(one == two)
    }
  }
}
