import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct SubtractTests {
    @Test(arguments: [[7], [3, 5], [2, 3, 5, 7]])
    func subtractAndNegateMatchReferenceAndGradients(_ shape: [Int]) {
      let a = randomTensor(shape, seed: 1), b = randomTensor(shape, seed: 2)
      #expect((a - b).values == zip(a.values, b.values).map { $0 - $1 })
      #expect(a.negated().values == a.values.map { -$0 })
      let report = checkGradients([a, b]) { t in t[0] - t[1] }
      #expect(report.passed, "\(shape): \(report)")
      let negated = checkGradients([a]) { t in t[0].negated() }
      #expect(negated.passed, "\(shape): \(negated)")
    }

    @Test func selfDifferenceHasZeroGradient() {
      let x = randomTensor([5], seed: 3).requiringGrad()
      (x - x).backward(gradient: Tensor(shape: [5], repeating: 1))
      #expect(x.grad!.values == [0, 0, 0, 0, 0])
    }
  }
}
