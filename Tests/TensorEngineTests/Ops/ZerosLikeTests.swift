import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct ZerosLikeTests {
    @Test func shapeUsesCeilingAndCarriesNoGradient() {
      let x = randomTensor([2, 3, 7, 8], seed: 97).requiringGrad()
      let z1 = Tensor.zerosLike(x)
      let z2 = Tensor.zerosLike(x, stride: 2)
      #expect(z1.shape == [2, 3, 7, 8] && z2.shape == [2, 3, 4, 4])
      #expect(z2.values.allSatisfy { $0 == 0 })
      #expect(!z1.requiresGrad && !z2.requiresGrad)
      // Its shape matches a stride-2 3×3 pool with padding 1 on even and odd sizes.
      #expect(x.maxPool2d(kernel: 3, stride: 2, padding: 1).shape == z2.shape)
    }
  }
}
