import Testing
import TensorEngine
import EngineTestSupport

@Suite struct ReLUTests {
  /// Values in ±1 with none closer than 0.05 to the kink at 0.
  func awayFromZero(_ count: Int, seed: UInt64) -> Tensor {
    var values = randomTensor([count], seed: seed).values
    for i in values.indices where abs(values[i]) < 0.05 { values[i] = i % 2 == 0 ? 0.3 : -0.3 }
    return Tensor(shape: [count], values: values)
  }

  /// Sizes around the 8-lane SIMD width, so that every tail length is exercised.
  @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 61])
  func forwardMatchesNaiveReference(count: Int) {
    let x = awayFromZero(count, seed: UInt64(count))
    #expect(x.relu().values == x.values.map { max($0, 0) })
  }

  @Test(arguments: [3, 8, 13, 29])
  func gradientMatchesFiniteDifferences(count: Int) {
    let report = checkGradients([awayFromZero(count, seed: 40 + UInt64(count))]) { t in t[0].relu() }
    #expect(report.passed, "\(report)")
  }

  @Test func backwardAccumulatesAndZeroIsNotPassed() {
    let x = Tensor(shape: [10], values: [-1, 0, 2, 3, -4, 5, 0, 7, 8, -9]).requiringGrad()
    let y = x.relu()
    (y + y).backward(gradient: Tensor(shape: [10], repeating: 1))
    #expect(x.grad?.values == [0, 0, 2, 2, 0, 2, 0, 2, 2, 0])
  }
}
