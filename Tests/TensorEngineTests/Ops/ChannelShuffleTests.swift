import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct ChannelShuffleTests {
    @Test func indexMappingMatchesPCDARTS() {
      // C = 8, K = 4 (C/K = 2): output channel c·K + g takes input channel g·(C/K) + c.
      // Input channel i is filled with the value i, so the output lists the source channels.
      let c = 8, k = 4, s = 3
      let x = Tensor(shape: [1, c, 1, s], values: (0..<c).flatMap { [Float](repeating: Float($0), count: s) })
      let y = x.channelShuffle(groups: k).values
      let sources = (0..<c).map { Int(y[$0 * s]) }
      #expect(sources == [0, 2, 4, 6, 1, 3, 5, 7])
      for g in 0..<k { for ch in 0..<(c / k) { #expect(sources[ch * k + g] == g * (c / k) + ch) } }
      // The first C/K channels (the processed slice) land on 0, K, 2K, ...
      #expect(sources[0] == 0 && sources[k] == 1)
    }

    @Test(arguments: [(2, [2, 8, 3, 5]), (4, [3, 12, 2, 3]), (1, [1, 5, 3, 3]), (5, [2, 5, 1, 7])])
    func gradientIsTheInversePermutation(_ groups: Int, _ shape: [Int]) {
      let x = randomTensor(shape, seed: 90)
      let report = checkGradients([x]) { $0[0].channelShuffle(groups: groups) }
      #expect(report.passed, "\(shape) K=\(groups): \(report)")
      // Shuffling with K groups then C/K groups restores the order.
      let back = x.channelShuffle(groups: groups).channelShuffle(groups: shape[1] / groups)
      #expect(back.values == x.values)
    }
  }
}
