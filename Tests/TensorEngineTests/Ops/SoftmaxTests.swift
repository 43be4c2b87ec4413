import Glibc
import Testing
import TensorEngine
import EngineTestSupport

/// Naive softmax / log-softmax along `axis` in Double.
private func referenceSoftmax(_ x: Tensor, axis: Int, logarithm: Bool) -> [Float] {
  let shape = x.shape
  let a = axis < 0 ? axis + shape.count : axis
  let outer = shape[..<a].reduce(1, *), length = shape[a], inner = shape[(a + 1)...].reduce(1, *)
  let v = x.values
  var out = [Float](repeating: 0, count: v.count)
  for o in 0..<outer {
    for i in 0..<inner {
      let indices = (0..<length).map { (o * length + $0) * inner + i }
      let m = indices.map { Double(v[$0]) }.max()!
      let total = indices.reduce(0.0) { $0 + Glibc.exp(Double(v[$1]) - m) }
      for j in indices {
        out[j] = Float(logarithm ? Double(v[j]) - m - Glibc.log(total) : Glibc.exp(Double(v[j]) - m) / total)
      }
    }
  }
  return out
}

extension EngineOpTests {
  @Suite struct SoftmaxTests {
    @Test(arguments: [([14, 8], -1), ([3, 5, 7], 1), ([4, 9], 0), ([5], 0)] as [([Int], Int)])
    func matchesReferenceAndGradients(_ shape: [Int], _ axis: Int) {
      let x = randomTensor(shape, seed: 110, low: -3, high: 3)
      if let p = mismatch(x.softmax(axis: axis).values, referenceSoftmax(x, axis: axis, logarithm: false), rtol: 1e-5, atol: 1e-7) {
        Issue.record("softmax \(shape) axis \(axis): \(p)")
      }
      if let p = mismatch(x.logSoftmax(axis: axis).values, referenceSoftmax(x, axis: axis, logarithm: true), rtol: 1e-5, atol: 1e-6) {
        Issue.record("logSoftmax \(shape) axis \(axis): \(p)")
      }
      let report = checkGradients([x]) { $0[0].softmax(axis: axis) }
      #expect(report.passed, "softmax \(shape): \(report)")
      let logReport = checkGradients([x]) { $0[0].logSoftmax(axis: axis) }
      #expect(logReport.passed, "logSoftmax \(shape): \(logReport)")
    }

    @Test func rowsSumToOneAndLargeLogitsStayFinite() {
      let x = Tensor(shape: [2, 3], values: [1000, 1001, 999, -1000, -1000, -1000])
      let y = x.softmax().values
      #expect(y.allSatisfy { $0.isFinite })
      #expect(abs(y[0] + y[1] + y[2] - 1) < 1e-6)
      #expect(abs(y[3] - 1.0 / 3) < 1e-6)
      #expect(x.logSoftmax().values.allSatisfy { $0.isFinite })
    }
  }
}
