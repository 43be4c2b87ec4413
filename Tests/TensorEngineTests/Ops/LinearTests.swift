import Testing
import TensorEngine
import EngineTestSupport

/// (batch, in, out) sizes.
private let linearSizes: [[Int]] = [[1, 1, 1], [3, 7, 5], [5, 16, 10], [64, 33, 10]]

extension EngineOpTests {
  @Suite struct LinearOpTests {
    @Test(arguments: linearSizes)
    func forwardMatchesReference(_ size: [Int]) {
      let (batch, inFeatures, outFeatures) = (size[0], size[1], size[2])
      let x = randomTensor([batch, inFeatures], seed: 1)
      let w = randomTensor([outFeatures, inFeatures], seed: 2), b = randomTensor([outFeatures], seed: 3)
      let xv = x.values, wv = w.values, bv = b.values
      var expected: [Float] = []
      for i in 0..<batch {
        for j in 0..<outFeatures {
          var sum = Double(bv[j])
          for p in 0..<inFeatures { sum += Double(xv[i * inFeatures + p]) * Double(wv[j * inFeatures + p]) }
          expected.append(Float(sum))
        }
      }
      let y = x.linear(weight: w, bias: b)
      #expect(y.shape == [batch, outFeatures])
      #expect(mismatch(y.values, expected, rtol: 1e-5, atol: 2e-6 * Float(inFeatures + 1)) == nil, "\(size)")
      // Without bias it is the composition x · wᵀ.
      let composed = x.matmul(w.transposed()).values
      #expect(mismatch(x.linear(weight: w).values, composed, rtol: 1e-6, atol: 1e-6) == nil, "\(size)")
    }

    @Test(arguments: linearSizes)
    func gradientsMatchFiniteDifferences(_ size: [Int]) {
      let (batch, inFeatures, outFeatures) = (size[0], size[1], size[2])
      let inputs = [randomTensor([batch, inFeatures], seed: 4), randomTensor([outFeatures, inFeatures], seed: 5),
                    randomTensor([outFeatures], seed: 6)]
      let withBias = checkGradients(inputs, eps: 1e-2, rtol: 1e-3, atol: 1e-3) { t in
        t[0].linear(weight: t[1], bias: t[2])
      }
      #expect(withBias.passed, "\(size): \(withBias)")
      let withoutBias = checkGradients(Array(inputs.prefix(2)), eps: 1e-2, rtol: 1e-3, atol: 1e-3) { t in
        t[0].linear(weight: t[1])
      }
      #expect(withoutBias.passed, "\(size): \(withoutBias)")
    }

    @Test func oneAndTwoThreadsAgreeBitForBit() {
      let inputs = [randomTensor([64, 96], seed: 7), randomTensor([40, 96], seed: 8), randomTensor([40], seed: 9)]
      let f: ([Tensor]) -> Tensor = { t in t[0].linear(weight: t[1], bias: t[2]) }
      let one = withEngineThreads(1) { outputAndGradients(inputs, f) }
      let two = withEngineThreads(2) { outputAndGradients(inputs, f) }
      #expect(one == two)
    }
  }
}
