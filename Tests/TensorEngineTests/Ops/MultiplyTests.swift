import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct MultiplyTests {
    @Test(arguments: [[7], [3, 5], [2, 3, 5, 7]])
    func productMatchesReferenceAndGradients(_ shape: [Int]) {
      let a = randomTensor(shape, seed: 4), b = randomTensor(shape, seed: 5)
      #expect(a.multiplied(by: b).values == zip(a.values, b.values).map { $0 * $1 })
      let report = checkGradients([a, b]) { t in t[0].multiplied(by: t[1]) }
      #expect(report.passed, "\(shape): \(report)")
      let square = checkGradients([a]) { t in t[0].multiplied(by: t[0]) }
      #expect(square.passed, "\(shape) x·x: \(square)")
    }

    @Test(arguments: [[9], [2, 3, 5, 7]])
    func scaledByConstant(_ shape: [Int]) {
      let x = randomTensor(shape, seed: 6)
      #expect(x.scaled(by: 2.5).values == x.values.map { 2.5 * $0 })
      let report = checkGradients([x]) { t in t[0].scaled(by: -1.75) }
      #expect(report.passed, "\(shape): \(report)")
    }
  }
}
