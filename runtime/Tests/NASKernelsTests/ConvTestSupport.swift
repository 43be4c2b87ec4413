import NASKernels

// Shared helpers of the GEMM and convolution tests: seeded values and naive references that accumulate in
// Double, written for clarity rather than speed.

/// Seeded pseudo-random values uniform in [-1, 1) (64-bit LCG, top bits).
func convTestValues(_ count: Int, seed: UInt64) -> [Float] {
  var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x2545_F491_4F6C_DD1D
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Double(state >> 40) / Double(1 << 24) * 2 - 1)
  }
}

/// Largest |a − b| and the first mismatches beyond `tolerance(i)`.
func convTestCompare(_ actual: [Float], _ expected: [Float], tolerance: (Int) -> Float)
  -> (maxDiff: Float, mismatches: [String]) {
  precondition(actual.count == expected.count, "compare: \(actual.count) vs \(expected.count) elements")
  var maxDiff: Float = 0
  var mismatches: [String] = []
  for i in actual.indices {
    let d = abs(actual[i] - expected[i])
    if !(d <= tolerance(i)) && mismatches.count < 5 {
      mismatches.append("[\(i)] actual \(actual[i]) expected \(expected[i])")
    }
    if d > maxDiff || d.isNaN { maxDiff = d }
  }
  return (maxDiff, mismatches)
}

/// Input position (ih, iw) read by output (oh, ow) at tap (ki, kj), or nil inside the padding.
func convTestTap(_ g: Conv2DGeometry, _ oh: Int, _ ow: Int, _ ki: Int, _ kj: Int) -> (Int, Int)? {
  let ih = oh * g.stride - g.padding + ki * g.dilation
  let iw = ow * g.stride - g.padding + kj * g.dilation
  if ih < 0 || ih >= g.height || iw < 0 || iw >= g.width { return nil }
  return (ih, iw)
}

/// Naive grouped convolution. x: (N, Cin, H, W), weight: (Cout, Cin/groups, kh, kw) → (N, Cout, OH, OW).
func referenceConv2d(_ x: [Float], _ weight: [Float], _ bias: [Float]?, _ g: Conv2DGeometry) -> [Float] {
  let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
  var out = [Float](repeating: 0, count: g.outputCount)
  for n in 0..<g.batch {
    for co in 0..<g.outChannels {
      let group = co / coutG
      for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
          var sum = Double(bias?[co] ?? 0)
          for cig in 0..<cinG {
            let ci = group * cinG + cig
            for ki in 0..<g.kernelHeight {
              for kj in 0..<g.kernelWidth {
                guard let (ih, iw) = convTestTap(g, oh, ow, ki, kj) else { continue }
                let xv = x[((n * g.inChannels + ci) * g.height + ih) * g.width + iw]
                let wv = weight[((co * cinG + cig) * g.kernelHeight + ki) * g.kernelWidth + kj]
                sum += Double(xv) * Double(wv)
              }
            }
          }
          out[((n * g.outChannels + co) * g.outHeight + oh) * g.outWidth + ow] = Float(sum)
        }
      }
    }
  }
  return out
}

/// Naive input gradient of `referenceConv2d`: dx[n, ci, ih, iw] = Σ w · dOut over the outputs that read it.
func referenceConv2dBackwardData(_ dOut: [Float], _ weight: [Float], _ g: Conv2DGeometry) -> [Float] {
  let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
  var dx = [Double](repeating: 0, count: g.inputCount)
  for n in 0..<g.batch {
    for co in 0..<g.outChannels {
      let group = co / coutG
      for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
          let dv = Double(dOut[((n * g.outChannels + co) * g.outHeight + oh) * g.outWidth + ow])
          for cig in 0..<cinG {
            let ci = group * cinG + cig
            for ki in 0..<g.kernelHeight {
              for kj in 0..<g.kernelWidth {
                guard let (ih, iw) = convTestTap(g, oh, ow, ki, kj) else { continue }
                let wv = weight[((co * cinG + cig) * g.kernelHeight + ki) * g.kernelWidth + kj]
                dx[((n * g.inChannels + ci) * g.height + ih) * g.width + iw] += Double(wv) * dv
              }
            }
          }
        }
      }
    }
  }
  return dx.map { Float($0) }
}
