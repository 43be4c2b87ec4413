import Testing
import NASKernels

/// Depthwise sweep: kernel 1/3/5/7, stride 1/2/3, dilation 1/2/3, padding 0…4, widths around the SIMD8 and SIMD16
/// widths.
private let depthwiseSweep: [ConvCase] = [
  ConvCase(batch: 2, inChannels: 3, height: 7, width: 7, outChannels: 3, kernel: 3, padding: 1, groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 9, width: 17, outChannels: 2, kernel: 5, padding: 2, groups: 2),
  ConvCase(batch: 3, inChannels: 4, height: 13, width: 13, outChannels: 4, kernel: 3, padding: 2, dilation: 2,
           groups: 4, bias: false),
  ConvCase(batch: 1, inChannels: 3, height: 11, width: 8, outChannels: 3, kernel: 5, padding: 4, dilation: 2, groups: 3),
  ConvCase(batch: 2, inChannels: 2, height: 8, width: 8, outChannels: 2, kernel: 3, stride: 2, padding: 1, groups: 2),
  ConvCase(batch: 1, inChannels: 5, height: 9, width: 9, outChannels: 5, kernel: 5, stride: 2, padding: 4, dilation: 2,
           groups: 5),
  ConvCase(batch: 1, inChannels: 2, height: 10, width: 16, outChannels: 2, kernel: 7, stride: 3, padding: 3,
           dilation: 1, groups: 2),
  ConvCase(batch: 2, inChannels: 2, height: 5, width: 3, outChannels: 2, kernel: 3, padding: 4, dilation: 3, groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 6, width: 1, outChannels: 3, kernel: 1, stride: 2, groups: 3),
  ConvCase(batch: 2, inChannels: 2, height: 4, width: 25, outChannels: 2, kernel: 3, kernelWidth: 5,
           groups: 2),
  // Stride 2 on rows wide enough for the 16-column deinterleave, odd and even padding.
  ConvCase(batch: 1, inChannels: 3, height: 7, width: 37, outChannels: 3, kernel: 3, stride: 2, padding: 1,
           groups: 3),
  ConvCase(batch: 2, inChannels: 2, height: 9, width: 33, outChannels: 2, kernel: 5, stride: 2, padding: 4,
           dilation: 2, groups: 2),
  // The flat scheme: rows that straddle one and two FloatVectors (15/16/17, 31/33 columns), 7×7 planes of the
  // 64-channel cells, 1–3-column rows (scalar copies), stride 2 on odd and even sizes (phase planes, the 32-,
  // 16- and 8-column splits and their odd tails), padding 0 with stride 2, and more planes than threads.
  ConvCase(batch: 1, inChannels: 5, height: 7, width: 7, outChannels: 5, kernel: 3, padding: 1, groups: 5),
  ConvCase(batch: 2, inChannels: 3, height: 7, width: 7, outChannels: 3, kernel: 5, padding: 2, groups: 3),
  ConvCase(batch: 1, inChannels: 3, height: 7, width: 7, outChannels: 3, kernel: 3, padding: 2, dilation: 2,
           groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 5, width: 15, outChannels: 2, kernel: 3, padding: 1, groups: 2),
  ConvCase(batch: 1, inChannels: 2, height: 6, width: 16, outChannels: 2, kernel: 5, padding: 2, groups: 2),
  ConvCase(batch: 2, inChannels: 2, height: 5, width: 17, outChannels: 2, kernel: 3, padding: 2, dilation: 2,
           groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 4, width: 31, outChannels: 3, kernel: 5, padding: 2, groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 3, width: 33, outChannels: 2, kernel: 3, padding: 1, groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 5, width: 2, outChannels: 3, kernel: 3, padding: 1, groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 3, width: 3, outChannels: 2, kernel: 3, padding: 0, groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 15, width: 15, outChannels: 3, kernel: 3, stride: 2, padding: 1,
           groups: 3),
  ConvCase(batch: 2, inChannels: 2, height: 14, width: 13, outChannels: 2, kernel: 5, stride: 2, padding: 2,
           groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 29, width: 41, outChannels: 3, kernel: 3, stride: 2, padding: 1,
           groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 11, width: 28, outChannels: 2, kernel: 3, stride: 2, padding: 2,
           dilation: 2, groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 9, width: 10, outChannels: 3, kernel: 3, stride: 2, padding: 0,
           groups: 3, bias: false),
  ConvCase(batch: 1, inChannels: 2, height: 4, width: 3, outChannels: 2, kernel: 3, stride: 2, padding: 1,
           groups: 2),
  ConvCase(batch: 3, inChannels: 7, height: 9, width: 9, outChannels: 7, kernel: 3, padding: 1, groups: 7),
  // Rows that round up to whole vectors (the aligned-row blocks, then the generic remainder): W + p of 15/16
  // (one 16-float row), 29–31 (two), 3×3, 5×5, dilation 2; 7 + 1 = 8 is one SIMD8 row.
  ConvCase(batch: 1, inChannels: 3, height: 14, width: 14, outChannels: 3, kernel: 3, padding: 1, groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 14, width: 14, outChannels: 2, kernel: 5, padding: 2, groups: 2),
  ConvCase(batch: 1, inChannels: 2, height: 13, width: 14, outChannels: 2, kernel: 3, padding: 2, dilation: 2,
           groups: 2),
  ConvCase(batch: 2, inChannels: 2, height: 28, width: 28, outChannels: 2, kernel: 3, padding: 1, groups: 2),
  ConvCase(batch: 1, inChannels: 2, height: 12, width: 28, outChannels: 2, kernel: 5, padding: 2, groups: 2,
           bias: false),
  ConvCase(batch: 1, inChannels: 2, height: 9, width: 29, outChannels: 2, kernel: 3, padding: 2, dilation: 2,
           groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 11, width: 15, outChannels: 3, kernel: 3, padding: 1, groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 10, width: 13, outChannels: 2, kernel: 5, padding: 2, dilation: 2,
           groups: 2),
  // Aligned rows written straight into the output (`directRows`): two-vector rows with 1–3 rows past the last
  // block of 4 (28, 29, 30 columns; 14 and 15 under SIMD8), one-vector rows with 0–7 rows past the last block
  // of 8 before the last row, a single row, and OW < W (no padding).
  ConvCase(batch: 2, inChannels: 3, height: 6, width: 28, outChannels: 3, kernel: 3, padding: 1, groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 7, width: 29, outChannels: 2, kernel: 5, padding: 2, groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 13, width: 30, outChannels: 3, kernel: 3, padding: 2, dilation: 2,
           groups: 3),
  ConvCase(batch: 2, inChannels: 2, height: 1, width: 14, outChannels: 2, kernel: 3, padding: 1, groups: 2),
  ConvCase(batch: 1, inChannels: 3, height: 10, width: 15, outChannels: 3, kernel: 3, padding: 2, dilation: 2,
           groups: 3),
  ConvCase(batch: 1, inChannels: 2, height: 5, width: 14, outChannels: 2, kernel: 5, padding: 2, groups: 2,
           bias: false),
  ConvCase(batch: 2, inChannels: 3, height: 9, width: 16, outChannels: 3, kernel: 3, padding: 0, groups: 3),
  ConvCase(batch: 1, inChannels: 3, height: 17, width: 14, outChannels: 3, kernel: 3, padding: 1, groups: 3),
]

@Suite struct DepthwiseConv2DTests {
  @Test(arguments: depthwiseSweep)
  func forwardMatchesReference(_ t: ConvCase) {
    let g = t.geometry
    #expect(g.isDepthwise)
    let x = convTestValues(g.inputCount, seed: 41)
    let w = convTestValues(g.weightCount, seed: 42)
    let b = t.bias ? convTestValues(g.outChannels, seed: 43) : nil
    let expected = referenceConv2d(x, w, b, g)
    var outputs: [[Float]] = []
    for threads in [1, 2] {
      var out = [Float](repeating: .nan, count: g.outputCount)
      out.withUnsafeMutableBufferPointer { o in
        if let b {
          depthwiseConv2dForward(o.baseAddress!, x, w, b, g, threads: threads)
        } else {
          depthwiseConv2dForward(o.baseAddress!, x, w, nil, g, threads: threads)
        }
      }
      let result = convTestCompare(out, expected) { _ in convTolerance(g) }
      #expect(result.mismatches.isEmpty, "\(t) threads \(threads): max diff \(result.maxDiff) \(result.mismatches)")
      outputs.append(out)
    }
    #expect(outputs[0] == outputs[1], "\(t): 1 and 2 threads differ")
  }

  /// Nothing is written past the output: a sentinel tail after the last plane stays as it was.
  @Test(arguments: depthwiseSweep)
  func forwardWritesOnlyTheOutput(_ t: ConvCase) {
    let g = t.geometry
    let x = convTestValues(g.inputCount, seed: 47)
    let w = convTestValues(g.weightCount, seed: 48)
    for threads in [1, 2] {
      var out = [Float](repeating: 7, count: g.outputCount + 64)
      out.withUnsafeMutableBufferPointer { o in
        depthwiseConv2dForward(o.baseAddress!, x, w, nil, g, threads: threads)
      }
      #expect(out[g.outputCount...].allSatisfy { $0 == 7 }, "\(t) threads \(threads): wrote past the output")
    }
  }

  /// A fused input ReLU: the reference on max(x, 0), and bit for bit the conv of an explicitly ReLU'd input.
  @Test(arguments: depthwiseSweep)
  func inputReLUMatchesReferenceOnReLUdInput(_ t: ConvCase) {
    let g = t.geometry
    let x = convTestValues(g.inputCount, seed: 44)
    let relued = x.map { max($0, 0) }
    #expect(x.contains { $0 < 0 } && x.contains { $0 > 0 })
    let w = convTestValues(g.weightCount, seed: 45)
    let b = t.bias ? convTestValues(g.outChannels, seed: 46) : nil
    let expected = referenceConv2d(relued, w, b, g)
    func run(_ input: [Float], inputReLU: Bool, threads: Int) -> [Float] {
      var out = [Float](repeating: .nan, count: g.outputCount)
      out.withUnsafeMutableBufferPointer { o in
        if let b {
          depthwiseConv2dForward(o.baseAddress!, input, w, b, g, inputReLU: inputReLU, threads: threads)
        } else {
          depthwiseConv2dForward(o.baseAddress!, input, w, nil, g, inputReLU: inputReLU, threads: threads)
        }
      }
      return out
    }
    let explicit = run(relued, inputReLU: false, threads: 1)
    for threads in [1, 2] {
      let fused = run(x, inputReLU: true, threads: threads)
      let result = convTestCompare(fused, expected) { _ in convTolerance(g) }
      #expect(result.mismatches.isEmpty, "\(t) threads \(threads): max diff \(result.maxDiff) \(result.mismatches)")
      #expect(fused == explicit, "\(t) threads \(threads): fused ReLU differs from ReLU then conv")
    }
  }

  /// A NaN input stays NaN through the fused ReLU (as through `relu`), and reaches exactly the outputs whose
  /// window covers it.
  @Test func inputReLUKeepsNaN() {
    let g = Conv2DGeometry(batch: 1, inChannels: 2, height: 7, width: 7, outChannels: 2, kernelHeight: 3,
                           kernelWidth: 3, padding: 1, groups: 2)
    var x = [Float](repeating: -1, count: g.inputCount)
    x[49 + 3 * 7 + 4] = .nan  // plane 1, row 3, column 4
    let w = [Float](repeating: 0.5, count: g.weightCount)
    var out = [Float](repeating: 7, count: g.outputCount)
    depthwiseConv2dForward(&out, x, w, nil, g, inputReLU: true)
    for plane in 0..<2 {
      for oh in 0..<7 {
        for ow in 0..<7 {
          let v = out[plane * 49 + oh * 7 + ow]
          let covered = plane == 1 && abs(oh - 3) <= 1 && abs(ow - 4) <= 1
          #expect(v.isNaN == covered && (covered || v == 0), "plane \(plane) (\(oh), \(ow)): \(v)")
        }
      }
    }
  }

  @Test(arguments: depthwiseSweep)
  func backwardDataMatchesReferenceAndAccumulates(_ t: ConvCase) {
    let g = t.geometry
    let dOut = convTestValues(g.outputCount, seed: 51)
    let w = convTestValues(g.weightCount, seed: 52)
    let initial = convTestValues(g.inputCount, seed: 53)
    let reference = referenceConv2dBackwardData(dOut, w, g)
    let expected = zip(initial, reference).map { $0 + $1 }
    var results: [[Float]] = []
    for threads in [1, 2] {
      var dx = initial
      dx.withUnsafeMutableBufferPointer { d in
        depthwiseConv2dBackwardData(d.baseAddress!, dOut, w, g, threads: threads)
      }
      let result = convTestCompare(dx, expected) { _ in convTolerance(g) + 2e-6 }
      #expect(result.mismatches.isEmpty, "\(t) threads \(threads): max diff \(result.maxDiff) \(result.mismatches)")
      results.append(dx)
    }
    #expect(results[0] == results[1], "\(t): 1 and 2 threads differ")
  }
}
