import Testing
import TensorEngine
import EngineTestSupport

/// One conv2d configuration of the sweep.
struct ConvOpCase: CustomStringConvertible, Sendable {
  var batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int
  var kernel: Int, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true
  var xShape: [Int] { [batch, inChannels, height, width] }
  var weightShape: [Int] { [outChannels, inChannels / groups, kernel, kernel] }
  var description: String {
    "x \(xShape) w \(weightShape) s\(stride) p\(padding) d\(dilation) g\(groups)\(bias ? " +bias" : "")"
  }
}

/// Kernel 1/3/5, stride 1/2, padding 0/1/2/4, dilation 1/2, groups 1/2/C (depthwise), odd sizes, batch 1 and 3.
private let convOpCases: [ConvOpCase] = [
  ConvOpCase(batch: 3, inChannels: 4, height: 7, width: 9, outChannels: 5, kernel: 1),
  ConvOpCase(batch: 1, inChannels: 4, height: 9, width: 9, outChannels: 6, kernel: 1, stride: 2, bias: false),
  ConvOpCase(batch: 3, inChannels: 3, height: 7, width: 7, outChannels: 4, kernel: 3, padding: 1),
  ConvOpCase(batch: 1, inChannels: 2, height: 13, width: 9, outChannels: 3, kernel: 3, stride: 2, padding: 1),
  ConvOpCase(batch: 3, inChannels: 4, height: 9, width: 7, outChannels: 4, kernel: 3, padding: 2, dilation: 2, groups: 2),
  ConvOpCase(batch: 1, inChannels: 4, height: 9, width: 9, outChannels: 2, kernel: 5, stride: 2, padding: 4,
             dilation: 2, groups: 2, bias: false),
  ConvOpCase(batch: 1, inChannels: 2, height: 7, width: 7, outChannels: 3, kernel: 5, padding: 2),
  ConvOpCase(batch: 3, inChannels: 2, height: 7, width: 9, outChannels: 2, kernel: 3, padding: 4),
  ConvOpCase(batch: 3, inChannels: 3, height: 9, width: 13, outChannels: 3, kernel: 3, padding: 1, groups: 3),
  ConvOpCase(batch: 1, inChannels: 4, height: 13, width: 9, outChannels: 4, kernel: 5, padding: 2, groups: 4),
  ConvOpCase(batch: 3, inChannels: 3, height: 9, width: 9, outChannels: 3, kernel: 3, stride: 2, padding: 2,
             dilation: 2, groups: 3, bias: false),
  ConvOpCase(batch: 1, inChannels: 2, height: 13, width: 13, outChannels: 2, kernel: 5, stride: 2, padding: 4,
             dilation: 2, groups: 2),
  ConvOpCase(batch: 3, inChannels: 3, height: 8, width: 8, outChannels: 8, kernel: 3, padding: 1),
  // 1×1 beyond the direct small-channel kernels (GEMM paths for the input and weight gradients).
  ConvOpCase(batch: 2, inChannels: 20, height: 5, width: 5, outChannels: 18, kernel: 1),
  ConvOpCase(batch: 5, inChannels: 7, height: 6, width: 6, outChannels: 6, kernel: 1, bias: false),
]

/// Naive conv2d in Double, PyTorch semantics (zero padding, cross-correlation).
private func referenceConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: ConvOpCase) -> [Float] {
  let xv = x.values, wv = w.values, bv = b?.values
  let oh = (c.height + 2 * c.padding - c.dilation * (c.kernel - 1) - 1) / c.stride + 1
  let ow = (c.width + 2 * c.padding - c.dilation * (c.kernel - 1) - 1) / c.stride + 1
  let cinG = c.inChannels / c.groups, coutG = c.outChannels / c.groups
  var out: [Float] = []
  for n in 0..<c.batch {
    for co in 0..<c.outChannels {
      for i in 0..<oh {
        for j in 0..<ow {
          var sum = Double(bv?[co] ?? 0)
          for cig in 0..<cinG {
            let ci = co / coutG * cinG + cig
            for ki in 0..<c.kernel {
              for kj in 0..<c.kernel {
                let ih = i * c.stride - c.padding + ki * c.dilation, iw = j * c.stride - c.padding + kj * c.dilation
                if ih < 0 || ih >= c.height || iw < 0 || iw >= c.width { continue }
                sum += Double(xv[((n * c.inChannels + ci) * c.height + ih) * c.width + iw])
                  * Double(wv[((co * cinG + cig) * c.kernel + ki) * c.kernel + kj])
              }
            }
          }
          out.append(Float(sum))
        }
      }
    }
  }
  return out
}

private func inputs(_ c: ConvOpCase) -> [Tensor] {
  var result = [randomTensor(c.xShape, seed: 1), randomTensor(c.weightShape, seed: 2)]
  if c.bias { result.append(randomTensor([c.outChannels], seed: 3)) }
  return result
}

private func apply(_ t: [Tensor], _ c: ConvOpCase) -> Tensor {
  t[0].conv2d(weight: t[1], bias: c.bias ? t[2] : nil, stride: c.stride, padding: c.padding,
              dilation: c.dilation, groups: c.groups)
}

extension EngineOpTests {
  @Suite struct Conv2DOpTests {
    @Test(arguments: convOpCases)
    func forwardMatchesReference(_ c: ConvOpCase) {
      let t = inputs(c)
      let y = apply(t, c)
      let expected = referenceConv(t[0], t[1], c.bias ? t[2] : nil, c)
      let oh = (c.height + 2 * c.padding - c.dilation * (c.kernel - 1) - 1) / c.stride + 1
      let ow = (c.width + 2 * c.padding - c.dilation * (c.kernel - 1) - 1) / c.stride + 1
      #expect(y.shape == [c.batch, c.outChannels, oh, ow])
      let reduction = Float(c.inChannels / c.groups * c.kernel * c.kernel)
      #expect(mismatch(y.values, expected, rtol: 1e-5, atol: 2e-6 * reduction) == nil, "\(c)")
    }

    @Test(arguments: convOpCases)
    func gradientsMatchFiniteDifferences(_ c: ConvOpCase) {
      // conv2d is linear in each input, so a large step has no truncation error and little rounding noise.
      let report = checkGradients(inputs(c), eps: 1e-2, rtol: 1e-3, atol: 1e-3) { t in apply(t, c) }
      #expect(report.passed, "\(c): \(report)")
    }

    @Test(arguments: convOpCases)
    func oneAndTwoThreadsAgreeBitForBit(_ c: ConvOpCase) {
      let one = withEngineThreads(1) { outputAndGradients(inputs(c)) { t in apply(t, c) } }
      let two = withEngineThreads(2) { outputAndGradients(inputs(c)) { t in apply(t, c) } }
      #expect(one == two, "\(c)")
    }

    @Test func largerBatchIsDeterministicAcrossThreads() {
      // Enough images for several weight-gradient chunks and both threads busy; pointwise, dense and depthwise.
      let x = randomTensor([9, 8, 11, 11], seed: 4)
      for (weightShape, groups) in [([16, 8, 1, 1], 1), ([6, 8, 3, 3], 1), ([8, 1, 3, 3], 8)] {
        let w = randomTensor(weightShape, seed: 5), b = randomTensor([weightShape[0]], seed: 6)
        let f: ([Tensor]) -> Tensor = { t in t[0].conv2d(weight: t[1], bias: t[2], padding: 1, groups: groups) }
        let one = withEngineThreads(1) { outputAndGradients([x, w, b], f) }
        let two = withEngineThreads(2) { outputAndGradients([x, w, b], f) }
        #expect(one == two, "weight \(weightShape)")
      }
    }

    @Test func pointwiseConvEqualsMatmulComposition() {
      // A 1×1 conv of one image is W (Cout, Cin) · X (Cin, H·W).
      let x = randomTensor([1, 5, 7, 9], seed: 7), w = randomTensor([6, 5, 1, 1], seed: 8)
      let fused = x.conv2d(weight: w).values
      let composed = w.reshaped([6, 5]).matmul(x.reshaped([5, 63])).values
      #expect(mismatch(fused, composed, rtol: 1e-6, atol: 1e-6) == nil)
    }

    @Test func gradientsAccumulateAcrossConsumers() {
      // The same input feeding two convs gets the sum of both input gradients.
      let x = randomTensor([2, 2, 5, 5], seed: 9)
      let w1 = randomTensor([2, 1, 3, 3], seed: 10), w2 = randomTensor([3, 2, 1, 1], seed: 11)
      let report = checkGradients([x, w1, w2], eps: 1e-2, rtol: 1e-3, atol: 1e-3) { t in
        t[0].conv2d(weight: t[1], padding: 1, groups: 2).conv2d(weight: t[2])
          + t[0].conv2d(weight: t[2].reshaped([3, 2, 1, 1])).conv2d(weight: Tensor(zeros: [3, 3, 1, 1]))
          .reshaped([2, 3, 5, 5]).conv2d(weight: Tensor(shape: [3, 3, 1, 1], repeating: 0.5))
      }
      #expect(report.passed, "\(report)")
    }
  }
}
