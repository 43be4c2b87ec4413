import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct ReductionTests {
    @Test func sumAndMeanOfAllElements() {
      let x = randomTensor([3, 5, 7], seed: 70)
      let total = x.values.reduce(0.0) { $0 + Double($1) }
      #expect(x.sum().shape == [])
      #expect(abs(Double(x.sum().scalarValue) - total) < 1e-5)
      #expect(abs(Double(x.mean().scalarValue) - total / 105) < 1e-6)
      #expect(checkGradients([x]) { $0[0].sum() }.passed)
      #expect(checkGradients([x]) { $0[0].mean() }.passed)
    }

    @Test(arguments: [0, 1, 2, -1])
    func sumAndMeanAlongAxis(_ axis: Int) {
      let shape = [3, 5, 7]
      let x = randomTensor(shape, seed: 71)
      let a = axis < 0 ? axis + 3 : axis
      var outShape = shape
      outShape.remove(at: a)
      var expected = [Double](repeating: 0, count: 105 / shape[a])
      let v = x.values
      for i in 0..<3 { for j in 0..<5 { for k in 0..<7 {
        let index = [i, j, k]
        var kept = index
        kept.remove(at: a)
        let flat = outShape.count == 2 ? kept[0] * outShape[1] + kept[1] : kept[0]
        expected[flat] += Double(v[(i * 5 + j) * 7 + k])
      } } }
      let s = x.sum(axis: axis), m = x.mean(axis: axis)
      #expect(s.shape == outShape && m.shape == outShape)
      if let p = mismatch(s.values, expected.map { Float($0) }, rtol: 1e-5, atol: 1e-6) { Issue.record("sum(\(axis)): \(p)") }
      if let p = mismatch(m.values, expected.map { Float($0 / Double(shape[a])) }, rtol: 1e-5, atol: 1e-6) {
        Issue.record("mean(\(axis)): \(p)")
      }
      #expect(checkGradients([x]) { $0[0].sum(axis: axis) }.passed)
      #expect(checkGradients([x]) { $0[0].mean(axis: axis) }.passed)
    }
  }
}
