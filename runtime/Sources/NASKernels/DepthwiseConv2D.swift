// Depthwise 2-D convolution (groups == Cin == Cout: one kh×kw filter per channel), direct kernels for any
// stride, padding and dilation: forward and input gradient, side by side.
//
// Each (n, c) plane is copied once into a zero-bordered scratch, split by column phase for stride s > 1:
// phase q holds the padded columns q, q + s, q + 2s, … . Tap (ki, kj) of output column ow then reads phase
// (kj·d) mod s at column ow + ⌊kj·d / s⌋, so every stride vectorises along the output width with SIMD8 and no
// bounds checks (the scratch has slack columns past the last vector). Planes are independent: a batch is split
// over plane ranges, so results are bit-identical for any `threads`.

/// out[n, c] = Σ_{ki,kj} w[c, ki, kj] · x[n, c, oh·s − p + ki·d, ow·s − p + kj·d] + bias[c].
///
/// - Parameters:
///   - out: (N, C, OH, OW), overwritten
///   - x: (N, C, H, W)
///   - weight: (C, 1, kh, kw)
///   - bias: (C) or nil
public func depthwiseConv2dForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                   _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                   _ g: Conv2DGeometry, threads: Int = 1) {
  precondition(g.isDepthwise || (g.groups == 1 && g.inChannels == 1 && g.outChannels == 1),
               "depthwise conv needs groups == in == out channels: \(g)")
  let layout = PhaseLayout(g)
  let io = ConvPointers(out: out, x: UnsafeMutablePointer(mutating: x), weight: weight, bias: bias)
  let planes = g.batch * g.inChannels
  concurrentRanges(planes, threads: threads) { range in
    let phases = allocateAligned(layout.count)
    let rowTail = allocateAligned(layout.vectorWidth)
    defer {
      phases.deallocate()
      rowTail.deallocate()
    }
    phases.update(repeating: 0, count: layout.count)
    for plane in range {
      let c = plane % g.inChannels
      layout.scatter(phases, UnsafePointer(io.x) + plane * g.height * g.width, g)
      depthwisePlaneForward(io.out + plane * g.outHeight * g.outWidth, phases, io.weight + c * layout.taps,
                            io.bias?[c] ?? 0, layout, g, rowTail: rowTail)
    }
  }
}

/// dInput += d(loss)/d(x) of `depthwiseConv2dForward`, given dOut.
///
/// - Parameters:
///   - dInput: (N, C, H, W), accumulated into
///   - dOut: (N, C, OH, OW)
///   - weight: (C, 1, kh, kw)
public func depthwiseConv2dBackwardData(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                        _ weight: UnsafePointer<Float>, _ g: Conv2DGeometry, threads: Int = 1) {
  precondition(g.isDepthwise || (g.groups == 1 && g.inChannels == 1 && g.outChannels == 1),
               "depthwise conv needs groups == in == out channels: \(g)")
  let layout = PhaseLayout(g)
  let io = ConvPointers(out: dInput, x: UnsafeMutablePointer(mutating: dOut), weight: weight, bias: nil)
  let planes = g.batch * g.inChannels
  concurrentRanges(planes, threads: threads) { range in
    let phases = allocateAligned(layout.count)
    let paddedRow = allocateAligned(layout.vectorWidth)
    defer {
      phases.deallocate()
      paddedRow.deallocate()
    }
    for plane in range {
      let c = plane % g.inChannels
      phases.update(repeating: 0, count: layout.count)
      depthwisePlaneBackwardData(phases, UnsafePointer(io.x) + plane * g.outHeight * g.outWidth,
                                 io.weight + c * layout.taps, layout, g, paddedRow: paddedRow)
      layout.gatherAdd(io.out + plane * g.height * g.width, phases, g)
    }
  }
}

/// One plane of the forward pass.  out: (OH, OW); phases: the padded input plane (see `PhaseLayout`).
@inline(__always)
func depthwisePlaneForward(_ out: UnsafeMutablePointer<Float>, _ phases: UnsafePointer<Float>,
                           _ w: UnsafePointer<Float>, _ bias: Float, _ layout: PhaseLayout, _ g: Conv2DGeometry,
                           rowTail: UnsafeMutablePointer<Float>) {
  let kh = g.kernelHeight, kw = g.kernelWidth, s = g.stride, d = g.dilation
  let outWidth = g.outWidth, rowStride = layout.rowStride, phaseCount = layout.phaseCount
  for oh in 0..<g.outHeight {
    let outRow = out + oh * outWidth
    var ow = 0
    while ow < outWidth {
      var acc = SIMD8<Float>(repeating: bias)
      for ki in 0..<kh {
        let row = phases + (oh * s + ki * d) * rowStride + ow
        for kj in 0..<kw {
          let tap = kj * d
          let src = row + (tap % s) * phaseCount + tap / s
          acc.addProduct(SIMD8<Float>(repeating: w[ki * kw + kj]), UnsafeRawPointer(src).loadUnaligned(as: SIMD8<Float>.self))
        }
      }
      if ow + 8 <= outWidth {
        UnsafeMutableRawPointer(outRow + ow).storeBytes(of: acc, as: SIMD8<Float>.self)
      } else {
        UnsafeMutableRawPointer(rowTail).storeBytes(of: acc, as: SIMD8<Float>.self)
        for j in 0..<(outWidth - ow) { outRow[ow + j] = rowTail[j] }
      }
      ow += 8
    }
  }
}

/// One plane of the input gradient, into the phase-split padded scratch (zeroed by the caller):
/// dPhases[tap of (oh, ow, ki, kj)] += w[ki, kj] · dOut[oh, ow].  paddedRow: scratch of `vectorWidth` floats.
@inline(__always)
func depthwisePlaneBackwardData(_ dPhases: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                _ w: UnsafePointer<Float>, _ layout: PhaseLayout, _ g: Conv2DGeometry,
                                paddedRow: UnsafeMutablePointer<Float>) {
  let kh = g.kernelHeight, kw = g.kernelWidth, s = g.stride, d = g.dilation
  let outWidth = g.outWidth, rowStride = layout.rowStride, phaseCount = layout.phaseCount
  let width = layout.vectorWidth
  // Lanes past OW are zero, so the slack columns they touch only receive zeros.
  (paddedRow + outWidth).update(repeating: 0, count: width - outWidth)
  for oh in 0..<g.outHeight {
    paddedRow.update(from: dOut + oh * outWidth, count: outWidth)
    for ki in 0..<kh {
      let row = dPhases + (oh * s + ki * d) * rowStride
      for kj in 0..<kw {
        let tap = kj * d
        let dst = row + (tap % s) * phaseCount + tap / s
        let wv = SIMD8<Float>(repeating: w[ki * kw + kj])
        var ow = 0
        while ow < width {
          let raw = UnsafeMutableRawPointer(dst + ow)
          let v = raw.loadUnaligned(as: SIMD8<Float>.self)
            .addingProduct(wv, UnsafeRawPointer(paddedRow + ow).load(as: SIMD8<Float>.self))
          raw.storeBytes(of: v, as: SIMD8<Float>.self)
          ow += 8
        }
      }
    }
  }
}

/// Where a padded input plane lives in the scratch: padded row r (input row r − p) has, for each column
/// phase q < s, `phaseCount` floats holding padded columns q, q + s, q + 2s, …  (row r, phase q, column j at
/// r·rowStride + q·phaseCount + j). Columns past the padded width stay zero.
struct PhaseLayout {
  let phaseCount: Int
  let rowStride: Int
  let rows: Int
  let vectorWidth: Int
  let taps: Int
  var count: Int { rows * rowStride }

  init(_ g: Conv2DGeometry) {
    let s = g.stride
    vectorWidth = roundUp(g.outWidth, 8)
    // Reads reach column (vectorWidth − 1) + ⌊(kw − 1)·d / s⌋ of a phase; the real data ⌈(W + 2p) / s⌉.
    phaseCount = max((g.width + 2 * g.padding + s - 1) / s, vectorWidth + (g.kernelWidth - 1) * g.dilation / s)
    rowStride = s * phaseCount
    rows = g.height + 2 * g.padding
    taps = g.kernelHeight * g.kernelWidth
  }

  /// Copies one input plane x (H, W) into its padded, phase-split position (borders untouched, i.e. zero).
  @inline(__always)
  func scatter(_ phases: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: Conv2DGeometry) {
    let s = g.stride, p = g.padding, width = g.width
    for ih in 0..<g.height {
      let dst = phases + (ih + p) * rowStride
      let src = x + ih * width
      if s == 1 {
        (dst + p).update(from: src, count: width)
      } else {
        for iw in 0..<width {
          let column = iw + p
          dst[(column % s) * phaseCount + column / s] = src[iw]
        }
      }
    }
  }

  /// dx (H, W) += the real (unpadded) part of a phase-split padded plane.
  @inline(__always)
  func gatherAdd(_ dx: UnsafeMutablePointer<Float>, _ phases: UnsafePointer<Float>, _ g: Conv2DGeometry) {
    let s = g.stride, p = g.padding, width = g.width
    for ih in 0..<g.height {
      let src = phases + (ih + p) * rowStride
      let dst = dx + ih * width
      if s == 1 {
        let row = src + p
        for iw in 0..<width { dst[iw] += row[iw] }
      } else {
        for iw in 0..<width {
          let column = iw + p
          dst[iw] += src[(column % s) * phaseCount + column / s]
        }
      }
    }
  }
}
