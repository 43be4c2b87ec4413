import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct SpatialSliceTests {
    @Test func shiftedCropDropsFirstRowAndColumn() {
      let x = Tensor(shape: [1, 1, 3, 3], values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
      let y = x.spatialSlice(rowStart: 1, colStart: 1)
      #expect(y.shape == [1, 1, 2, 2] && y.values == [5, 6, 8, 9])
    }

    @Test(arguments: [([2, 3, 8, 8], 1, 1, nil, nil), ([1, 2, 7, 9], 2, 3, 4, 5), ([3, 1, 5, 5], 0, 0, 5, 5)]
            as [([Int], Int, Int, Int?, Int?)])
    func matchesReferenceAndGradients(_ shape: [Int], _ r0: Int, _ c0: Int, _ rows: Int?, _ cols: Int?) {
      let x = randomTensor(shape, seed: 95)
      let y = x.spatialSlice(rowStart: r0, colStart: c0, rows: rows, columns: cols)
      let h = shape[2], w = shape[3], rh = rows ?? h - r0, cw = cols ?? w - c0
      #expect(y.shape == [shape[0], shape[1], rh, cw])
      var expected: [Float] = []
      for p in 0..<(shape[0] * shape[1]) {
        for r in 0..<rh { for q in 0..<cw { expected.append(x.values[(p * h + r0 + r) * w + c0 + q]) } }
      }
      #expect(y.values == expected)
      let report = checkGradients([x]) { $0[0].spatialSlice(rowStart: r0, colStart: c0, rows: rows, columns: cols) }
      #expect(report.passed, "\(report)")
    }
  }
}
