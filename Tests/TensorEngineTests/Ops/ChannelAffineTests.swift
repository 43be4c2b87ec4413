import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct ChannelAffineTests {
    @Test(arguments: [[2, 3, 5, 7], [5, 4], [3, 5, 1, 9]])
    func scaleAndShiftMatchReferenceAndGradients(_ shape: [Int]) {
      let x = randomTensor(shape, seed: 60)
      let c = shape[1], s = x.count / (shape[0] * c)
      let scale = randomTensor([c], seed: 61), shift = randomTensor([c], seed: 62)
      let xv = x.values, sv = scale.values, bv = shift.values
      let channelOf = { (i: Int) in (i / s) % c }
      #expect(x.channelScaled(by: scale).values == xv.indices.map { xv[$0] * sv[channelOf($0)] })
      #expect(x.channelShifted(by: shift).values == xv.indices.map { xv[$0] * 1 + bv[channelOf($0)] })
      let report = checkGradients([x, scale, shift]) { t in t[0].channelScaled(by: t[1]).channelShifted(by: t[2]) }
      #expect(report.passed, "\(shape): \(report)")
    }

    @Test func oneAndTwoThreadsAgreeBitForBit() {
      let x = randomTensor([3, 7, 11, 11], seed: 63), scale = randomTensor([7], seed: 64)
      let shift = randomTensor([7], seed: 65)
      let f: ([Tensor]) -> Tensor = { t in t[0].channelScaled(by: t[1]).channelShifted(by: t[2]) }
      let one = withEngineThreads(1) { outputAndGradients([x, scale, shift], f) }
      let two = withEngineThreads(2) { outputAndGradients([x, scale, shift], f) }
      #expect(one == two)
    }
  }
}
