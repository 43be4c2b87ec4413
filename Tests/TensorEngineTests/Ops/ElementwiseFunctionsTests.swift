import Glibc
import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct ElementwiseFunctionsTests {
    @Test(arguments: [[7], [3, 5, 9]])
    func expLogSigmoidMatchReferenceAndGradients(_ shape: [Int]) {
      let x = randomTensor(shape, seed: 7, low: -3, high: 3)
      let positive = randomTensor(shape, seed: 8, low: 0.2, high: 4)
      let v = x.values
      if let p = mismatch(x.exp().values, v.map { Float(Glibc.exp(Double($0))) }, rtol: 1e-6, atol: 0) {
        Issue.record("exp: \(p)")
      }
      if let p = mismatch(positive.log().values, positive.values.map { Float(Glibc.log(Double($0))) }, rtol: 0, atol: 1e-6) {
        Issue.record("log: \(p)")
      }
      if let p = mismatch(x.sigmoid().values, v.map { Float(1 / (1 + Glibc.exp(-Double($0)))) }, rtol: 1e-6, atol: 1e-7) {
        Issue.record("sigmoid: \(p)")
      }
      #expect(checkGradients([x]) { $0[0].exp() }.passed)
      #expect(checkGradients([positive]) { $0[0].log() }.passed)
      let report = checkGradients([x]) { $0[0].sigmoid() }
      #expect(report.passed, "sigmoid: \(report)")
    }

    @Test func sigmoidSaturatesWithoutOverflow() {
      let y = Tensor(shape: [4], values: [-200, -90, 90, 200]).sigmoid().values
      #expect(y[0] == 0 && y[3] == 1)
      #expect(y.allSatisfy { $0.isFinite })
    }
  }
}
