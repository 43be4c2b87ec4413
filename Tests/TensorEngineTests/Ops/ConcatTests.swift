import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct ConcatTests {
    @Test func concatChannelsIsExactAndDifferentiable() {
      let a = randomTensor([2, 3, 5, 7], seed: 80), b = randomTensor([2, 1, 5, 7], seed: 81)
      let c = randomTensor([2, 4, 5, 7], seed: 82)
      let y = Tensor.concatChannels([a, b, c])
      #expect(y.shape == [2, 8, 5, 7])
      // Naive reference: channel ch of sample n comes from the input holding it.
      var expected: [Float] = []
      for n in 0..<2 {
        for (t, channels) in [(a, 3), (b, 1), (c, 4)] {
          expected += Array(t.values[(n * channels * 35)..<((n + 1) * channels * 35)])
        }
      }
      #expect(y.values == expected)
      let report = checkGradients([a, b, c]) { t in Tensor.concatChannels(t) }
      #expect(report.passed, "\(report)")
    }

    @Test(arguments: [0, 1, -1])
    func catOf2DAlongAnyAxis(_ axis: Int) {
      let a = randomTensor([3, 4], seed: 83)
      let b = axis == 0 ? randomTensor([2, 4], seed: 84) : randomTensor([3, 5], seed: 84)
      let y = Tensor.cat([a, b], axis: axis)
      if axis == 0 {
        #expect(y.shape == [5, 4] && y.values == a.values + b.values)
      } else {
        #expect(y.shape == [3, 9])
        let av = a.values, bv = b.values
        var expected: [Float] = []
        for r in 0..<3 {
          expected += av[(r * 4)..<(r * 4 + 4)]
          expected += bv[(r * 5)..<(r * 5 + 5)]
        }
        #expect(y.values == expected)
      }
      #expect(checkGradients([a, b]) { t in Tensor.cat(t, axis: axis) }.passed)
    }

    @Test func sliceChannelsAndSlicedAreExactAndDifferentiable() {
      let x = randomTensor([2, 6, 3, 5], seed: 85)
      let y = x.sliceChannels(1..<4)
      #expect(y.shape == [2, 3, 3, 5])
      var expected: [Float] = []
      for n in 0..<2 { expected += Array(x.values[((n * 6 + 1) * 15)..<((n * 6 + 4) * 15)]) }
      #expect(y.values == expected)
      #expect(checkGradients([x]) { $0[0].sliceChannels(1..<4) }.passed)
      let m = randomTensor([4, 7], seed: 86)
      let mv = m.values
      var columns: [Float] = []
      for r in 0..<4 { columns += mv[(r * 7 + 2)..<(r * 7 + 5)] }
      #expect(m.sliced(axis: -1, 2..<5).values == columns)
      #expect(checkGradients([m]) { $0[0].sliced(axis: 0, 1..<3) }.passed)
    }

    @Test func sliceThenConcatRoundTrips() {
      let x = randomTensor([3, 8, 4, 4], seed: 87)
      let y = Tensor.concatChannels([x.sliceChannels(0..<2), x.sliceChannels(2..<8)])
      #expect(y.values == x.values)
    }
  }
}
