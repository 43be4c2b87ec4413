import Testing
import NASKernels

/// One convolution of the sweep: (batch, Cin, H, W) → Cout with a k×k kernel.
struct ConvCase: CustomStringConvertible, Sendable {
  var batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int
  var kernel: Int, kernelWidth: Int? = nil, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true
  var geometry: Conv2DGeometry {
    Conv2DGeometry(batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
                   kernelHeight: kernel, kernelWidth: kernelWidth ?? kernel, stride: stride, padding: padding,
                   dilation: dilation, groups: groups)
  }
  var description: String { geometry.description + (bias ? " +bias" : "") }
}

/// Kernel 1/3/5, stride 1/2, padding 0/1/2/4, dilation 1/2, groups 1/2/C, odd sizes, batch 1 and 3.
let convSweep: [ConvCase] = [
  ConvCase(batch: 3, inChannels: 5, height: 7, width: 9, outChannels: 6, kernel: 1),
  ConvCase(batch: 1, inChannels: 4, height: 9, width: 7, outChannels: 5, kernel: 1, stride: 2, bias: false),
  ConvCase(batch: 3, inChannels: 3, height: 13, width: 13, outChannels: 7, kernel: 3, padding: 1),
  ConvCase(batch: 1, inChannels: 2, height: 9, width: 11, outChannels: 3, kernel: 3, stride: 2, padding: 1),
  ConvCase(batch: 3, inChannels: 4, height: 7, width: 7, outChannels: 6, kernel: 3, padding: 2, dilation: 2, groups: 2),
  ConvCase(batch: 1, inChannels: 6, height: 9, width: 9, outChannels: 4, kernel: 5, stride: 2, padding: 4, dilation: 2,
           groups: 2, bias: false),
  ConvCase(batch: 3, inChannels: 3, height: 13, width: 7, outChannels: 4, kernel: 5, padding: 2),
  ConvCase(batch: 1, inChannels: 2, height: 7, width: 9, outChannels: 2, kernel: 3, padding: 4),
  ConvCase(batch: 3, inChannels: 5, height: 9, width: 13, outChannels: 5, kernel: 3, padding: 1, groups: 5),
  ConvCase(batch: 1, inChannels: 4, height: 13, width: 9, outChannels: 4, kernel: 5, stride: 2, padding: 4,
           dilation: 2, groups: 4),
  ConvCase(batch: 3, inChannels: 3, height: 7, width: 7, outChannels: 3, kernel: 3, stride: 2, padding: 0,
           dilation: 2, groups: 3, bias: false),
  ConvCase(batch: 1, inChannels: 3, height: 10, width: 12, outChannels: 48, kernel: 3, padding: 1),
  ConvCase(batch: 2, inChannels: 3, height: 8, width: 9, outChannels: 4, kernel: 1, kernelWidth: 3, padding: 1),
  ConvCase(batch: 2, inChannels: 70, height: 5, width: 5, outChannels: 20, kernel: 3, padding: 1),
  // 1×1 stride 1: the direct kernel (reduction ≤ 16, full 16-column tiles and tails, 1–4-row blocks) and GEMM.
  ConvCase(batch: 3, inChannels: 4, height: 28, width: 28, outChannels: 4, kernel: 1),
  ConvCase(batch: 1, inChannels: 16, height: 7, width: 7, outChannels: 16, kernel: 1, bias: false),
  ConvCase(batch: 2, inChannels: 3, height: 5, width: 9, outChannels: 7, kernel: 1),
  ConvCase(batch: 2, inChannels: 17, height: 4, width: 8, outChannels: 9, kernel: 1),
  ConvCase(batch: 1, inChannels: 9, height: 3, width: 11, outChannels: 33, kernel: 1),
  // Batch-1 shapes of a DARTS net on the direct kernel (1×1 and im2col'd k×k), with row and column tails.
  ConvCase(batch: 1, inChannels: 64, height: 7, width: 7, outChannels: 64, kernel: 1),
  ConvCase(batch: 1, inChannels: 32, height: 14, width: 14, outChannels: 36, kernel: 1),
  ConvCase(batch: 1, inChannels: 48, height: 28, width: 28, outChannels: 16, kernel: 1, bias: false),
  ConvCase(batch: 1, inChannels: 40, height: 13, width: 13, outChannels: 20, kernel: 1, stride: 2),
  ConvCase(batch: 2, inChannels: 5, height: 10, width: 11, outChannels: 6, kernel: 1, stride: 3),
  ConvCase(batch: 1, inChannels: 20, height: 9, width: 9, outChannels: 12, kernel: 3, padding: 1, groups: 2),
]

/// Tolerance for a conv output: float rounding grows with the reduction length Cin/groups·kh·kw.
func convTolerance(_ g: Conv2DGeometry) -> Float {
  2e-6 * Float(g.inChannels / g.groups * g.kernelHeight * g.kernelWidth) + 2e-6
}

@Suite struct Conv2DKernelTests {
  @Test(arguments: convSweep)
  func forwardMatchesReference(_ t: ConvCase) {
    let g = t.geometry
    let x = convTestValues(g.inputCount, seed: 11)
    let w = convTestValues(g.weightCount, seed: 12)
    let b = t.bias ? convTestValues(g.outChannels, seed: 13) : nil
    let expected = referenceConv2d(x, w, b, g)
    var outputs: [[Float]] = []
    for threads in [1, 2] {
      var out = [Float](repeating: .nan, count: g.outputCount)
      out.withUnsafeMutableBufferPointer { o in
        if let b {
          conv2dForward(o.baseAddress!, x, w, b, g, threads: threads)
        } else {
          conv2dForward(o.baseAddress!, x, w, nil, g, threads: threads)
        }
      }
      let result = convTestCompare(out, expected) { _ in convTolerance(g) }
      #expect(result.mismatches.isEmpty, "\(t) threads \(threads): max diff \(result.maxDiff) \(result.mismatches)")
      outputs.append(out)
    }
    #expect(outputs[0] == outputs[1], "\(t): 1 and 2 threads differ")
  }

  /// out = residual + conv: against the reference plus the residual, on the direct path (no GEMM imposed) and
  /// through an imposed GEMM; on the direct path bit for bit the conv then one Float add, also with the residual
  /// being out itself.
  @Test(arguments: convSweep.filter { !$0.geometry.isDepthwise })
  func forwardWithResidualIsConvPlusResidual(_ t: ConvCase) {
    let g = t.geometry
    let x = convTestValues(g.inputCount, seed: 14)
    let w = convTestValues(g.weightCount, seed: 15)
    let b = t.bias ? convTestValues(g.outChannels, seed: 16) : nil
    let residual = convTestValues(g.outputCount, seed: 17)
    let expected = zip(referenceConv2d(x, w, b, g), residual).map { $0 + $1 }
    var plain = [Float](repeating: .nan, count: g.outputCount)
    plain.withUnsafeMutableBufferPointer { conv2dForward($0.baseAddress!, x, w, b, g) }
    let separate = zip(residual, plain).map { $0 + $1 }
    let imposed: GemmFunction = { $0.runSwift() }
    for (gemm, inPlace, threads) in [(false, false, 1), (false, false, 2), (false, true, 1), (true, false, 1),
                                     (true, true, 2)] {
      var out = inPlace ? residual : [Float](repeating: .nan, count: g.outputCount)
      out.withUnsafeMutableBufferPointer { o in
        residual.withUnsafeBufferPointer { r in
          conv2dForward(o.baseAddress!, x, w, b, g, residual: inPlace ? UnsafePointer(o.baseAddress!) : r.baseAddress!,
                        threads: threads, gemm: gemm ? imposed : nil)
        }
      }
      let label = "\(t) gemm \(gemm) in place \(inPlace) threads \(threads)"
      let result = convTestCompare(out, expected) { _ in convTolerance(g) + 1e-6 }
      #expect(result.mismatches.isEmpty, "\(label): max diff \(result.maxDiff) \(result.mismatches)")
      if !gemm && g.forwardUsesDirectProduct { #expect(out == separate, "\(label): differs from conv then add") }
    }
  }

  /// A 1×1 unpadded strided conv reading a window of larger planes (`inputPlane`, a fused crop) equals the
  /// conv of the cropped copy bit for bit, and the reference; batch 1 and 3, strides 2 and 3, groups 1 and 2,
  /// with and without an imposed GEMM.
  @Test func forwardReadsAWindowOfLargerPlanes() {
    let cases = [ConvCase(batch: 1, inChannels: 16, height: 13, width: 13, outChannels: 8, kernel: 1, stride: 2),
                 ConvCase(batch: 3, inChannels: 5, height: 8, width: 11, outChannels: 7, kernel: 1, stride: 3,
                          bias: false),
                 ConvCase(batch: 2, inChannels: 6, height: 9, width: 7, outChannels: 4, kernel: 1, stride: 2,
                          groups: 2)]
    let imposed: GemmFunction = { $0.runSwift() }
    for t in cases {
      let g = t.geometry
      #expect(g.acceptsInputPlane)
      let planeHeight = g.height + 3, planeWidth = g.width + 2, top = 2, left = 1
      let big = convTestValues(g.batch * g.inChannels * planeHeight * planeWidth, seed: 18)
      var cropped = [Float](repeating: 0, count: g.inputCount)
      for p in 0..<(g.batch * g.inChannels) {
        for y in 0..<g.height {
          for x in 0..<g.width {
            cropped[(p * g.height + y) * g.width + x] = big[(p * planeHeight + y + top) * planeWidth + x + left]
          }
        }
      }
      let w = convTestValues(g.weightCount, seed: 19)
      let b = t.bias ? convTestValues(g.outChannels, seed: 20) : nil
      let expected = referenceConv2d(cropped, w, b, g)
      for gemm in [false, true] {
        var plain = [Float](repeating: .nan, count: g.outputCount)
        plain.withUnsafeMutableBufferPointer {
          conv2dForward($0.baseAddress!, cropped, w, b, g, gemm: gemm ? imposed : nil)
        }
        for threads in [1, 2] {
          var out = [Float](repeating: .nan, count: g.outputCount)
          out.withUnsafeMutableBufferPointer { o in
            big.withUnsafeBufferPointer { x in
              conv2dForward(o.baseAddress!, x.baseAddress! + top * planeWidth + left, w, b, g,
                            inputPlane: (planeHeight, planeWidth), threads: threads, gemm: gemm ? imposed : nil)
            }
          }
          let result = convTestCompare(out, expected) { _ in convTolerance(g) }
          #expect(result.mismatches.isEmpty, "\(t) gemm \(gemm) threads \(threads): max diff \(result.maxDiff)")
          #expect(out == plain, "\(t) gemm \(gemm) threads \(threads): differs from the cropped copy's conv")
        }
      }
    }
    #expect(!ConvCase(batch: 1, inChannels: 4, height: 5, width: 5, outChannels: 4, kernel: 1)
      .geometry.acceptsInputPlane)
    #expect(!ConvCase(batch: 1, inChannels: 4, height: 5, width: 5, outChannels: 4, kernel: 3, stride: 2)
      .geometry.acceptsInputPlane)
  }

  /// relu: max(·, 0) of the conv (with and without a residual), against the reference and bit for bit the conv
  /// then a ReLU; direct path and imposed GEMM, 1 and 2 threads.
  @Test(arguments: convSweep.filter { !$0.geometry.isDepthwise })
  func forwardWithReLUIsReLUOfConv(_ t: ConvCase) {
    let g = t.geometry
    let x = convTestValues(g.inputCount, seed: 24)
    let w = convTestValues(g.weightCount, seed: 25)
    let b = t.bias ? convTestValues(g.outChannels, seed: 26) : nil
    let residual = convTestValues(g.outputCount, seed: 27)
    let imposed: GemmFunction = { $0.runSwift() }
    for withResidual in [false, true] {
      let reference = referenceConv2d(x, w, b, g)
      let expected = zip(reference, residual).map { max(withResidual ? $0 + $1 : $0, 0) }
      for (gemm, threads) in [(false, 1), (false, 2), (true, 1)] {
        var plain = [Float](repeating: .nan, count: g.outputCount)
        plain.withUnsafeMutableBufferPointer { o in
          residual.withUnsafeBufferPointer { r in
            conv2dForward(o.baseAddress!, x, w, b, g, residual: withResidual ? r.baseAddress! : nil,
                          gemm: gemm ? imposed : nil)
          }
        }
        var out = [Float](repeating: .nan, count: g.outputCount)
        out.withUnsafeMutableBufferPointer { o in
          residual.withUnsafeBufferPointer { r in
            conv2dForward(o.baseAddress!, x, w, b, g, residual: withResidual ? r.baseAddress! : nil, relu: true,
                          threads: threads, gemm: gemm ? imposed : nil)
          }
        }
        let label = "\(t) residual \(withResidual) gemm \(gemm) threads \(threads)"
        let result = convTestCompare(out, expected) { _ in convTolerance(g) + 1e-6 }
        #expect(result.mismatches.isEmpty, "\(label): max diff \(result.maxDiff) \(result.mismatches)")
        #expect(out == plain.map { $0 < 0 ? 0 : $0 }, "\(label): differs from the conv then a ReLU")
        #expect(out.contains(0) && !out.contains { $0 < 0 }, "\(label)")
      }
    }
  }

  @Test(arguments: convSweep)
  func backwardDataMatchesReferenceAndAccumulates(_ t: ConvCase) {
    let g = t.geometry
    let dOut = convTestValues(g.outputCount, seed: 21)
    let w = convTestValues(g.weightCount, seed: 22)
    let initial = convTestValues(g.inputCount, seed: 23)
    let reference = referenceConv2dBackwardData(dOut, w, g)
    let expected = zip(initial, reference).map { $0 + $1 }
    let tolerance = 2e-6 * Float(g.outChannels / g.groups * g.kernelHeight * g.kernelWidth) + 4e-6
    var results: [[Float]] = []
    for threads in [1, 2] {
      var dx = initial
      dx.withUnsafeMutableBufferPointer { d in conv2dBackwardData(d.baseAddress!, dOut, w, g, threads: threads) }
      let result = convTestCompare(dx, expected) { _ in tolerance }
      #expect(result.mismatches.isEmpty, "\(t) threads \(threads): max diff \(result.maxDiff) \(result.mismatches)")
      results.append(dx)
    }
    #expect(results[0] == results[1], "\(t): 1 and 2 threads differ")
  }

  @Test func geometryFollowsPyTorch() {
    let g = Conv2DGeometry(batch: 2, inChannels: 4, height: 28, width: 27, outChannels: 8, kernelHeight: 5,
                           kernelWidth: 5, stride: 2, padding: 4, dilation: 2)
    #expect(g.outHeight == 14 && g.outWidth == 14)
    #expect(Conv2DGeometry.validate(batch: 1, inChannels: 4, height: 5, width: 5, outChannels: 6, kernelHeight: 3,
                                    kernelWidth: 3, stride: 1, padding: 0, dilation: 1, groups: 4) != nil)
    #expect(Conv2DGeometry.validate(batch: 1, inChannels: 4, height: 2, width: 5, outChannels: 4, kernelHeight: 3,
                                    kernelWidth: 3, stride: 1, padding: 0, dilation: 1, groups: 1) != nil)
    #expect(Conv2DGeometry.validate(batch: 1, inChannels: 4, height: 3, width: 3, outChannels: 4, kernelHeight: 3,
                                    kernelWidth: 3, stride: 1, padding: 0, dilation: 1, groups: 2) == nil)
  }

  @Test func im2colRoundTripIsAdjoint() {
    // <im2col(x), c> == <x, col2im(c)> for any x, c.
    let g = Conv2DGeometry(batch: 1, inChannels: 3, height: 9, width: 7, outChannels: 1, kernelHeight: 3,
                           kernelWidth: 5, stride: 2, padding: 2, dilation: 2)
    let rows = 3 * 3 * 5, plane = g.outHeight * g.outWidth
    let x = convTestValues(g.inputCount, seed: 31), c = convTestValues(rows * plane, seed: 32)
    var col = [Float](repeating: 0, count: rows * plane)
    var dx = [Float](repeating: 0, count: g.inputCount)
    col.withUnsafeMutableBufferPointer { p in
      im2col(p.baseAddress!, x, channels: 3, height: 9, width: 7, kernelHeight: 3, kernelWidth: 5, stride: 2,
             padding: 2, dilation: 2, outHeight: g.outHeight, outWidth: g.outWidth)
    }
    dx.withUnsafeMutableBufferPointer { p in
      col2imAdd(p.baseAddress!, c, channels: 3, height: 9, width: 7, kernelHeight: 3, kernelWidth: 5, stride: 2,
                padding: 2, dilation: 2, outHeight: g.outHeight, outWidth: g.outWidth)
    }
    let left = zip(col, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let right = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(abs(left - right) < 1e-4, "\(left) vs \(right)")
  }
}
