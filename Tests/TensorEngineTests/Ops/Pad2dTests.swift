import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct Pad2dTests {
    @Test func padsWithZerosAndGradientIsTheInterior() {
      let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
      let y = x.padded2d(top: 1, bottom: 0, left: 0, right: 2)
      #expect(y.shape == [1, 1, 3, 4])
      #expect(y.values == [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0])
      let z = randomTensor([2, 3, 5, 4], seed: 96)
      let report = checkGradients([z]) { $0[0].padded2d(top: 2, bottom: 1, left: 1, right: 3) }
      #expect(report.passed, "\(report)")
      // Padding then cropping back is the identity.
      #expect(z.padded2d(top: 2, bottom: 1, left: 1, right: 3).spatialSlice(rowStart: 2, colStart: 1, rows: 5, columns: 4).values == z.values)
    }
  }
}
