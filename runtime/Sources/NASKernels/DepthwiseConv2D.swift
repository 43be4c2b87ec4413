// Depthwise 2-D convolution (groups == Cin == Cout: one kh×kw filter per channel), direct kernels for any
// stride, padding and dilation: forward and input gradient, side by side.
//
// Forward, strides 1 and 2: each (n, c) plane is copied into a zero-bordered scratch whose rows are W + p floats
// apart, so the right padding of one row doubles as the left padding of the next. Output (oh, ow) then sits at
// flat position f = oh·(W + p) + ow of the scratch and reads src[f + (ki·d)·(W + p) + kj·d]: one correlation
// over the flat plane, vectorised with FloatVector across row boundaries (the few positions past OW in each
// row are computed and dropped), blocked over up to 8 vectors so that 8 independent FMA chains hide the FMA
// latency. A 7×7 plane is 4 vectors instead of 7 half-empty rows. Stride 1 with rows padded to 1 or 2 whole
// vectors (14×14, 28×28) skips the flat output: `DepthwiseRows` stores each row's vectors straight into out.
// Stride 2 first splits the padded plane into four phase planes by row and column parity, which turns it into
// the same flat correlation (`FlatWindowPlan`). Strides > 2: the row-blocked correlation below over a scratch
// split by column phase (`DepthwiseInputLayout`): tap (ki, kj) of output column ow reads phase (kj·d) mod s
// at column ow + ⌊kj·d / s⌋.
// Input gradient: src is dOut spread onto the stride-s grid with a (k − 1)·d border, correlated with the
// flipped filter. The scratch has slack columns past the last vector, so no bounds checks are needed.
// Planes are independent: a batch is split over plane ranges, so results are bit-identical for any `threads`.

/// out[n, c] = Σ_{ki,kj} w[c, ki, kj] · x[n, c, oh·s − p + ki·d, ow·s − p + kj·d] + bias[c]; with `inputReLU`
/// the conv reads max(x, 0) instead of x (a ReLU whose only readers are depthwise convs, fused into the input
/// copy; NaN stays NaN as in `relu`).
///
/// - Parameters:
///   - out: (N, C, OH, OW), overwritten
///   - x: (N, C, H, W)
///   - weight: (C, 1, kh, kw)
///   - bias: (C) or nil
public func depthwiseConv2dForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                   _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                   _ g: Conv2DGeometry, inputReLU: Bool = false, threads: Int = 1) {
  precondition(g.isDepthwise || (g.groups == 1 && g.inChannels == 1 && g.outChannels == 1),
               "depthwise conv needs groups == in == out channels: \(g)")
  if g.batch == 0 { return }
  if g.stride <= 2 {
    depthwiseConv2dForwardFlat(out, x, weight, bias, g, inputReLU: inputReLU, threads: threads)
    return
  }
  let layout = DepthwiseInputLayout(g)
  let offsets = layout.tapOffsets()
  let io = ConvPointers(out: out, x: UnsafeMutablePointer(mutating: x), weight: weight, bias: bias)
  let planes = g.batch * g.inChannels
  offsets.withUnsafeBufferPointer { tapOffsets in
    let tapOffsets = tapOffsets.baseAddress!
    concurrentRanges(planes, threads: threads) { range in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: layout.count + 8) { buffer in
        let phases = buffer.baseAddress!, rowTail = phases + layout.count
        phases.update(repeating: 0, count: layout.count)
        for plane in range {
          let c = plane % g.inChannels
          layout.scatter(phases, UnsafePointer(io.x) + plane * g.height * g.width)
          if inputReLU { depthwiseReLUInPlace(phases, count: layout.count) }
          depthwiseCorrelate(io.out + plane * g.outHeight * g.outWidth, rows: g.outHeight, width: g.outWidth,
                             phases, rowStep: layout.rowStep, tapOffsets, io.weight + c * layout.taps,
                             taps: layout.taps, bias: io.bias?[c] ?? 0, accumulate: false, rowTail: rowTail)
        }
      }
    }
  }
}

/// Stride-1 and stride-2 forward over the flat zero-bordered plane (see the file comment).
func depthwiseConv2dForwardFlat(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                _ g: Conv2DGeometry, inputReLU: Bool, threads: Int) {
  let plan = FlatWindowPlan(g)
  let io = ConvPointers(out: out, x: UnsafeMutablePointer(mutating: x), weight: weight, bias: bias)
  concurrentRanges(g.batch * g.inChannels, threads: threads) { range in
    // Two padded input planes and two flat outputs, used alternately: plane k + 1 is copied in and plane
    // k − 1 copied out around the correlation of plane k, so the wide loads never wait on the narrow stores
    // that were just made to the same lines (store forwarding fails there).
    let padCount = plan.paddedCount, flatCount = plan.flatCount
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * (padCount + flatCount)) { buffer in
      withUnsafeTemporaryAllocation(of: Int.self, capacity: plan.taps) { offsetBuffer in
        let padded = buffer.baseAddress!, flat = padded + 2 * padCount
        let offsets = offsetBuffer.baseAddress!
        plan.writeTapOffsets(offsets)
        padded.update(repeating: 0, count: 2 * padCount)
        let xBase = UnsafePointer(io.x)
        plan.copyIn(padded, xBase + range.lowerBound * plan.inputPlane, relu: inputReLU)
        for plane in range {
          let slot = (plane - range.lowerBound) & 1
          if plane + 1 < range.upperBound {
            plan.copyIn(padded + (1 - slot) * padCount, xBase + (plane + 1) * plan.inputPlane, relu: inputReLU)
          }
          let c = plane % g.inChannels
          let w = io.weight + c * plan.taps, b = io.bias?[c] ?? 0
          let src = UnsafePointer(padded + slot * padCount), dst = flat + slot * flatCount
          if plan.directRows {
            depthwiseAlignedRows(io.out + plane * plan.outputPlane, src, w, plan, bias: b, scratch: dst)
          } else if plan.rowVectors > 0 {
            depthwiseAlignedCorrelate(dst, src, offsets, w, plan, bias: b)
          } else {
            switch plan.taps {
            case 9: depthwiseFlatCorrelate(dst, src, offsets, w, taps: 9, bias: b, vectors: plan.vectors)
            case 25: depthwiseFlatCorrelate(dst, src, offsets, w, taps: 25, bias: b, vectors: plan.vectors)
            default: depthwiseFlatCorrelate(dst, src, offsets, w, taps: plan.taps, bias: b, vectors: plan.vectors)
            }
          }
          if plane > range.lowerBound && !plan.directRows {
            plan.copyOut(io.out + (plane - 1) * plan.outputPlane, flat + (1 - slot) * flatCount)
          }
        }
        if !plan.directRows {
          let last = range.upperBound - 1
          plan.copyOut(io.out + last * plan.outputPlane, flat + ((last - range.lowerBound) & 1) * flatCount)
        }
      }
    }
  }
}

/// The sizes of the flat scheme for one geometry (stride 1 or 2); the padded-plane pools use it too.
///
/// Stride 1: one padded plane, rows `pitch` = W + p apart (the right border of a row is the left border of
/// the next). Stride 2: the padded plane split into four phase planes by (row, column) parity, phase (a, b)
/// holding padded cells (2i + a, 2j + b) at i·pitch + j, pitch = ⌈(W + 2p) / 2⌉; tap (ki, kj) of output
/// (oh, ow) is then cell (oh + ⌊ki·d / 2⌋, ow + ⌊kj·d / 2⌋) of phase (ki·d mod 2, kj·d mod 2), so both strides
/// are one flat correlation: output (oh, ow) at f = oh·pitch + ow reads f + offset[t].
struct FlatWindowPlan {
  let height: Int, width: Int, padding: Int, outHeight: Int, outWidth: Int
  let kernelHeight: Int, kernelWidth: Int, dilation: Int, stride: Int
  let pitch: Int
  /// Stride 1 with a square 3×3 or 5×5 kernel, dilation ≤ 2, and rows that round up to 1 or 2 whole vectors
  /// for at most 1/8 more positions: pitch = rowVectors · V, so that a tap row ki shifts the flat plane by whole
  /// vectors and the loads of different taps coincide (`depthwiseAlignedBlock`). 0 otherwise.
  let rowVectors: Int
  /// rowVectors = 1 with OW ≤ V, or rowVectors = 2 with V ≤ OW ≤ 2V: `depthwiseAlignedRows` writes the output
  /// rows directly (no flat output and copy-out).
  let directRows: Bool
  /// Floats per phase plane (stride 2).
  let phaseSize: Int
  /// FloatVectors covering flat output positions 0 ..< (OH − 1)·pitch + OW.
  let vectors: Int
  /// Floats of the padded input scratch (up to the last read of the last vector).
  let paddedCount: Int
  var flatCount: Int { vectors * FloatVector.scalarCount }
  var taps: Int { kernelHeight * kernelWidth }
  var inputPlane: Int { height * width }
  var outputPlane: Int { outHeight * outWidth }

  init(_ g: Conv2DGeometry) {
    assert(g.stride == 1 || g.stride == 2)
    height = g.height; width = g.width; padding = g.padding
    outHeight = g.outHeight; outWidth = g.outWidth
    kernelHeight = g.kernelHeight; kernelWidth = g.kernelWidth; dilation = g.dilation; stride = g.stride
    let v = FloatVector.scalarCount
    if stride == 1 {
      // The widest read reaches padded column (OW − 1) + (kw − 1)·d ≤ W + 2p − 1: past the row's own W + p
      // floats it lands in the next row's first p (zero) floats.
      let natural = max(width + padding, 1), aligned = (natural + v - 1) / v * v
      if kernelHeight == kernelWidth && (kernelHeight == 3 || kernelHeight == 5) && dilation <= 2
          && aligned <= 2 * v && (aligned - natural) * 8 <= natural {
        pitch = aligned
        rowVectors = aligned / v
      } else {
        pitch = natural
        rowVectors = 0
      }
      directRows = (rowVectors == 1 && outWidth <= v) || (rowVectors == 2 && outWidth >= v && outWidth <= 2 * v)
      phaseSize = 0
      vectors = ((outHeight - 1) * pitch + outWidth + v - 1) / v
      paddedCount = max(vectors * v + (kernelHeight - 1) * dilation * pitch + (kernelWidth - 1) * dilation,
                        (padding + height) * pitch + padding)
    } else {
      // Valid reads stay inside their phase row: column (OW − 1) + ⌊(kw − 1)·d / 2⌋ ≤ pitch − 1.
      pitch = (width + 2 * padding + 1) / 2
      rowVectors = 0
      directRows = false
      phaseSize = (height + 2 * padding + 1) / 2 * pitch
      vectors = ((outHeight - 1) * pitch + outWidth + v - 1) / v
      paddedCount = 3 * phaseSize + max(phaseSize, vectors * v + (kernelHeight - 1) * dilation / 2 * pitch
                                                    + (kernelWidth - 1) * dilation / 2)
    }
  }

  /// offsets[ki·kw + kj]: ki·d·pitch + kj·d (stride 1), or the phase plane and cell of the tap (stride 2).
  func writeTapOffsets(_ offsets: UnsafeMutablePointer<Int>) {
    for ki in 0..<kernelHeight {
      for kj in 0..<kernelWidth {
        let r = ki * dilation, c = kj * dilation
        offsets[ki * kernelWidth + kj] = stride == 1 ? r * pitch + c
          : ((r % 2) * 2 + c % 2) * phaseSize + (r / 2) * pitch + c / 2
      }
    }
  }

  /// Copies plane x (H, W) into the padded scratch (ReLU'd with `relu`): rows p ..< p + H, columns
  /// p ..< p + W of the padded plane, or their phase-plane cells for stride 2. Border floats are never
  /// written, so they stay zero.
  @inline(__always)
  func copyIn(_ padded: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, relu: Bool) {
    if stride == 1 {
      if relu {
        depthwiseCopyRows(padded + padding * pitch + padding, pitch: pitch, x, pitch: width, rows: height,
                          count: width, relu: true)
      } else {
        depthwiseCopyRows(padded + padding * pitch + padding, pitch: pitch, x, pitch: width, rows: height,
                          count: width, relu: false)
      }
      return
    }
    // Input column 2m + e is padded column 2m + e + p: phase (e + p) mod 2, phase column m + ⌊(e + p) / 2⌋.
    for ih in 0..<height {
      let r = ih + padding
      let row = padded + (r % 2) * 2 * phaseSize + (r / 2) * pitch
      depthwiseSplitRow(row + (padding % 2) * phaseSize + padding / 2,
                        row + ((padding + 1) % 2) * phaseSize + (padding + 1) / 2, x + ih * width, count: width,
                        relu: relu)
    }
  }

  /// out[oh, ow] = flat[oh·pitch + ow].
  @inline(__always)
  func copyOut(_ out: UnsafeMutablePointer<Float>, _ flat: UnsafePointer<Float>) {
    depthwiseCopyRows(out, pitch: outWidth, flat, pitch: pitch, rows: outHeight, count: outWidth, relu: false)
  }
}

/// dst[r·dstPitch + j] = src[r·srcPitch + j] (max(·, 0) with `relu`; NaN kept) for r < rows, j < count,
/// touching nothing outside those rows: whole vectors, then one vector (or SIMD8, SIMD4 for short rows) ending
/// exactly at `count`, overlapping the previous one (it rewrites the same values). The width class (and
/// `relu`, when the caller passes a constant) is decided once, outside the row loop.
@inline(__always)
func depthwiseCopyRows(_ dst: UnsafeMutablePointer<Float>, pitch dstPitch: Int, _ src: UnsafePointer<Float>,
                       pitch srcPitch: Int, rows: Int, count: Int, relu: Bool) {
  // Concrete vector types throughout: the generic SIMD `.<` and `replace` compile to lane-by-lane loops.
  // Wrapping offsets: every address stays inside the caller's buffers, so the products cannot overflow.
  let v = FloatVector.scalarCount
  if count >= v {
    let last = count &- v
    for r in 0..<rows {
      let d = dst + r &* dstPitch, s = src + r &* srcPitch
      var j = 0
      while j < last {
        copyVector(d + j, s + j, relu: relu)
        j &+= v
      }
      copyVector(d + last, s + last, relu: relu)
    }
  } else if v > 8 && count >= 8 {
    for r in 0..<rows {
      let d = dst + r &* dstPitch, s = src + r &* srcPitch
      copyVector8(d, s, relu: relu)
      copyVector8(d + (count &- 8), s + (count &- 8), relu: relu)
    }
  } else if count >= 4 {
    for r in 0..<rows {
      let d = dst + r &* dstPitch, s = src + r &* srcPitch
      copyVector4(d, s, relu: relu)
      copyVector4(d + (count &- 4), s + (count &- 4), relu: relu)
    }
  } else {
    for r in 0..<rows {
      let d = dst + r &* dstPitch, s = src + r &* srcPitch
      for j in 0..<count {
        let value = s[j]
        d[j] = relu && value < 0 ? 0 : value
      }
    }
  }
}

@inline(__always)
private func copyVector(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, relu: Bool) {
  var value = UnsafeRawPointer(src).loadUnaligned(as: FloatVector.self)
  if relu { value.replace(with: 0, where: value .< 0) }
  UnsafeMutableRawPointer(dst).storeBytes(of: value, as: FloatVector.self)
}

@inline(__always)
private func copyVector8(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, relu: Bool) {
  var value = UnsafeRawPointer(src).loadUnaligned(as: SIMD8<Float>.self)
  if relu { value.replace(with: 0, where: value .< 0) }
  UnsafeMutableRawPointer(dst).storeBytes(of: value, as: SIMD8<Float>.self)
}

@inline(__always)
private func copyVector4(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, relu: Bool) {
  var value = UnsafeRawPointer(src).loadUnaligned(as: SIMD4<Float>.self)
  if relu { value.replace(with: 0, where: value .< 0) }
  UnsafeMutableRawPointer(dst).storeBytes(of: value, as: SIMD4<Float>.self)
}

/// even[m] = src[2m], odd[m] = src[2m + 1] for 2m (+ 1) < count (ReLU'd with `relu`), touching nothing else.
@inline(__always)
func depthwiseSplitRow(_ even: UnsafeMutablePointer<Float>, _ odd: UnsafeMutablePointer<Float>,
                       _ src: UnsafePointer<Float>, count: Int, relu: Bool) {
  // SIMD16 at most: SIMD32's comparisons and half extraction compile to lane-by-lane loops.
  var j = 0
  while j + 16 <= count {
    var value = UnsafeRawPointer(src + j).loadUnaligned(as: SIMD16<Float>.self)
    if relu { value.replace(with: 0, where: value .< 0) }
    UnsafeMutableRawPointer(even + j / 2).storeBytes(of: value.evenHalf, as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(odd + j / 2).storeBytes(of: value.oddHalf, as: SIMD8<Float>.self)
    j += 16
  }
  @inline(__always)
  func split8(at j: Int) {
    var value = UnsafeRawPointer(src + j).loadUnaligned(as: SIMD8<Float>.self)
    if relu { value.replace(with: 0, where: value .< 0) }
    UnsafeMutableRawPointer(even + j / 2).storeBytes(of: value.evenHalf, as: SIMD4<Float>.self)
    UnsafeMutableRawPointer(odd + j / 2).storeBytes(of: value.oddHalf, as: SIMD4<Float>.self)
  }
  while j + 8 <= count {
    split8(at: j)
    j += 8
  }
  if j < count && count >= 8 {
    // One more 8-column split at the last even start that fits, overlapping the previous one (same values);
    // an odd count leaves its last (even) column.
    split8(at: (count - 8) & ~1)
    j = count - count % 2
  }
  while j < count {
    let value = relu && src[j] < 0 ? 0 : src[j]
    if j % 2 == 0 { even[j / 2] = value } else { odd[j / 2] = value }
    j += 1
  }
}

/// flat[f] = bias + Σ_t w[t] · src[f + offsets[t]] for f < vectors·V (V = FloatVector.scalarCount).
/// Blocks of 8 vectors (8 independent FMA chains), then one block of the 1–7 left.
@inline(__always)
func depthwiseFlatCorrelate(_ flat: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                            _ offsets: UnsafePointer<Int>, _ w: UnsafePointer<Float>, taps: Int, bias: Float,
                            vectors: Int) {
  var start = 0
  while start + 8 <= vectors {
    depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 8)
    start += 8
  }
  depthwiseFlatRemainder(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: vectors - start)
}

/// Vectors first ..< first + count (count < 8) of `depthwiseFlatCorrelate` as one block.
@inline(__always)
func depthwiseFlatRemainder(_ flat: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                            _ offsets: UnsafePointer<Int>, _ w: UnsafePointer<Float>, taps: Int, bias: Float,
                            first start: Int, count: Int) {
  // A constant count per call, so each block keeps only the accumulators it uses.
  switch count {
  case 1: depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 1)
  case 2: depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 2)
  case 3: depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 3)
  case 4: depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 4)
  case 5: depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 5)
  case 6: depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 6)
  case 7: depthwiseFlatBlock(flat, src, offsets, w, taps: taps, bias: bias, first: start, count: 7)
  default: break
  }
}

/// `depthwiseFlatCorrelate` for a plan with `rowVectors` > 0: blocks of 8 vectors by `depthwiseAlignedBlock`
/// (constant kernel, dilation and row width per call), the 1–7 left by the generic block.
func depthwiseAlignedCorrelate(_ flat: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                               _ offsets: UnsafePointer<Int>, _ w: UnsafePointer<Float>, _ plan: FlatWindowPlan,
                               bias: Float) {
  let vectors = plan.vectors
  var start = 0
  while start + 8 <= vectors {
    switch (plan.kernelHeight, plan.dilation, plan.rowVectors) {
    case (3, 1, 1): depthwiseAlignedBlock(flat, src, w, kernel: 3, dilation: 1, rowVectors: 1, bias: bias, first: start)
    case (3, 1, 2): depthwiseAlignedBlock(flat, src, w, kernel: 3, dilation: 1, rowVectors: 2, bias: bias, first: start)
    case (3, 2, 1): depthwiseAlignedBlock(flat, src, w, kernel: 3, dilation: 2, rowVectors: 1, bias: bias, first: start)
    case (3, 2, 2): depthwiseAlignedBlock(flat, src, w, kernel: 3, dilation: 2, rowVectors: 2, bias: bias, first: start)
    case (5, 1, 1): depthwiseAlignedBlock(flat, src, w, kernel: 5, dilation: 1, rowVectors: 1, bias: bias, first: start)
    case (5, 1, 2): depthwiseAlignedBlock(flat, src, w, kernel: 5, dilation: 1, rowVectors: 2, bias: bias, first: start)
    case (5, 2, 1): depthwiseAlignedBlock(flat, src, w, kernel: 5, dilation: 2, rowVectors: 1, bias: bias, first: start)
    case (5, 2, 2): depthwiseAlignedBlock(flat, src, w, kernel: 5, dilation: 2, rowVectors: 2, bias: bias, first: start)
    default: preconditionFailure("depthwiseAlignedCorrelate: unplanned geometry")
    }
    start += 8
  }
  depthwiseFlatRemainder(flat, src, offsets, w, taps: plan.taps, bias: bias, first: start,
                         count: vectors - start)
}

/// The aligned correlation of one plane (`plan.directRows`) written straight into the output rows, in
/// blocks of 8 vectors: rowVectors = 2 computes each row as the vectors at columns 0 and OW − V (overlapping,
/// same values), 4 rows per block; rowVectors = 1 one vector per row, 8 rows per block, each store spilling
/// V − OW floats into the next row that its own store then overwrites, except the last row, which goes through
/// `scratch` (V floats) so nothing past the plane is written. Every lane sums the taps in the same order as
/// `depthwiseAlignedBlock`, so the loads of one kj coincide across ki as there.
func depthwiseAlignedRows(_ out: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                          _ plan: FlatWindowPlan, bias: Float, scratch: UnsafeMutablePointer<Float>) {
  let oh = plan.outHeight, ow = plan.outWidth
  switch (plan.kernelHeight, plan.dilation, plan.rowVectors) {
  case (3, 1, 1): DepthwiseRows<3, 1, 1>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  case (3, 1, 2): DepthwiseRows<3, 1, 2>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  case (3, 2, 1): DepthwiseRows<3, 2, 1>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  case (3, 2, 2): DepthwiseRows<3, 2, 2>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  case (5, 1, 1): DepthwiseRows<5, 1, 1>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  case (5, 1, 2): DepthwiseRows<5, 1, 2>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  case (5, 2, 1): DepthwiseRows<5, 2, 1>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  case (5, 2, 2): DepthwiseRows<5, 2, 2>.plane(out, src, w, rows: oh, outWidth: ow, bias: bias, scratch)
  default: preconditionFailure("depthwiseAlignedRows: unplanned geometry")
  }
}

/// `depthwiseAlignedRows` for kernel k×k, dilation d and rowVectors m as compile-time constants.
enum DepthwiseRows<let k: Int, let d: Int, let m: Int> {
  @inline(never)
  static func plane(_ out: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    rows oh: Int, outWidth ow: Int, bias: Float, _ scratch: UnsafeMutablePointer<Float>) {
    if m == 2 {
      var row = 0
      while row + 4 <= oh {
        block(out, src, w, rows: 4, outWidth: ow, bias: bias, first: row)
        row += 4
      }
      switch oh - row {
      case 1: block(out, src, w, rows: 1, outWidth: ow, bias: bias, first: row)
      case 2: block(out, src, w, rows: 2, outWidth: ow, bias: bias, first: row)
      case 3: block(out, src, w, rows: 3, outWidth: ow, bias: bias, first: row)
      default: break
      }
      return
    }
    // Rows 0 ..< OH − 1 straight into out, then the last one through scratch.
    let body = oh - 1
    var row = 0
    while row + 8 <= body {
      block(out, src, w, rows: 8, outWidth: ow, bias: bias, first: row)
      row += 8
    }
    switch body - row {
    case 1: block(out, src, w, rows: 1, outWidth: ow, bias: bias, first: row)
    case 2: block(out, src, w, rows: 2, outWidth: ow, bias: bias, first: row)
    case 3: block(out, src, w, rows: 3, outWidth: ow, bias: bias, first: row)
    case 4: block(out, src, w, rows: 4, outWidth: ow, bias: bias, first: row)
    case 5: block(out, src, w, rows: 5, outWidth: ow, bias: bias, first: row)
    case 6: block(out, src, w, rows: 6, outWidth: ow, bias: bias, first: row)
    case 7: block(out, src, w, rows: 7, outWidth: ow, bias: bias, first: row)
    default: break
    }
    // The last row: its output at scratch[0 ..< V] (scratch − body·OW stands for out), then OW floats copied.
    block(scratch - body * ow, src, w, rows: 1, outWidth: ow, bias: bias, first: body)
    depthwiseCopyRows(out + body * ow, pitch: ow, scratch, pitch: FloatVector.scalarCount, rows: 1, count: ow,
                      relu: false)
  }

  /// Output rows first ..< first + rows (a constant after inlining; rows·m ≤ 8): row r's vector j (j < m)
  /// starts at column c_j (0, and OW − V for the second) and reads src[r·pitch + c_j + (ki·d)·pitch + kj·d],
  /// pitch = m·V. Accumulator i is row i / m, vector i % m.
  @inline(__always)
  static func block(_ out: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    rows: Int, outWidth ow: Int, bias: Float, first: Int) {
    let v = FloatVector.scalarCount
    let pitch = m * v
    let n = rows * m
    // Float offsets of accumulator i in src (row pitch) and in out (row OW).
    let right = m == 2 ? ow - v : 0
    let s1 = m == 2 ? right : pitch, s2 = 2 / m * pitch, s3 = s2 + s1, s4 = 4 / m * pitch, s5 = s4 + s1
    let s6 = 6 / m * pitch, s7 = s6 + s1
    let o1 = m == 2 ? right : ow, o2 = 2 / m * ow, o3 = o2 + o1, o4 = 4 / m * ow, o5 = o4 + o1
    let o6 = 6 / m * ow, o7 = o6 + o1
    let base = src + first * pitch
    var a0 = FloatVector(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
    for kj in 0..<k {
      for ki in 0..<k {
        let wv = FloatVector(repeating: w[ki * k + kj])
        let p = base + ki * d * pitch + kj * d
        a0.addProduct(wv, UnsafeRawPointer(p).loadUnaligned(as: FloatVector.self))
        if n > 1 { a1.addProduct(wv, UnsafeRawPointer(p + s1).loadUnaligned(as: FloatVector.self)) }
        if n > 2 { a2.addProduct(wv, UnsafeRawPointer(p + s2).loadUnaligned(as: FloatVector.self)) }
        if n > 3 { a3.addProduct(wv, UnsafeRawPointer(p + s3).loadUnaligned(as: FloatVector.self)) }
        if n > 4 { a4.addProduct(wv, UnsafeRawPointer(p + s4).loadUnaligned(as: FloatVector.self)) }
        if n > 5 { a5.addProduct(wv, UnsafeRawPointer(p + s5).loadUnaligned(as: FloatVector.self)) }
        if n > 6 { a6.addProduct(wv, UnsafeRawPointer(p + s6).loadUnaligned(as: FloatVector.self)) }
        if n > 7 { a7.addProduct(wv, UnsafeRawPointer(p + s7).loadUnaligned(as: FloatVector.self)) }
      }
    }
    // In ascending address order, so a row's spill (m == 1) is overwritten by the next row's store.
    let o = out + first * ow
    UnsafeMutableRawPointer(o).storeBytes(of: a0, as: FloatVector.self)
    if n > 1 { UnsafeMutableRawPointer(o + o1).storeBytes(of: a1, as: FloatVector.self) }
    if n > 2 { UnsafeMutableRawPointer(o + o2).storeBytes(of: a2, as: FloatVector.self) }
    if n > 3 { UnsafeMutableRawPointer(o + o3).storeBytes(of: a3, as: FloatVector.self) }
    if n > 4 { UnsafeMutableRawPointer(o + o4).storeBytes(of: a4, as: FloatVector.self) }
    if n > 5 { UnsafeMutableRawPointer(o + o5).storeBytes(of: a5, as: FloatVector.self) }
    if n > 6 { UnsafeMutableRawPointer(o + o6).storeBytes(of: a6, as: FloatVector.self) }
    if n > 7 { UnsafeMutableRawPointer(o + o7).storeBytes(of: a7, as: FloatVector.self) }
  }
}

/// Vectors first ..< first + 8 of the flat correlation with pitch = rowVectors · V: tap (ki, kj) reads
/// src[f + (ki·d·rowVectors)·V + kj·d], so for one kj the k tap rows read only 8 + (k − 1)·d·rowVectors
/// distinct vectors (not 8k): with k, d and rowVectors constants the compiler loads each once.
@inline(__always)
func depthwiseAlignedBlock(_ flat: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                           kernel k: Int, dilation d: Int, rowVectors m: Int, bias: Float, first: Int) {
  let v = FloatVector.scalarCount
  let step = v * MemoryLayout<Float>.stride
  let base = src + first * v
  var a0 = FloatVector(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
  for kj in 0..<k {
    for ki in 0..<k {
      let wv = FloatVector(repeating: w[ki * k + kj])
      let p = UnsafeRawPointer(base + ki * d * m * v + kj * d)
      a0.addProduct(wv, p.loadUnaligned(as: FloatVector.self))
      a1.addProduct(wv, p.loadUnaligned(fromByteOffset: step, as: FloatVector.self))
      a2.addProduct(wv, p.loadUnaligned(fromByteOffset: 2 * step, as: FloatVector.self))
      a3.addProduct(wv, p.loadUnaligned(fromByteOffset: 3 * step, as: FloatVector.self))
      a4.addProduct(wv, p.loadUnaligned(fromByteOffset: 4 * step, as: FloatVector.self))
      a5.addProduct(wv, p.loadUnaligned(fromByteOffset: 5 * step, as: FloatVector.self))
      a6.addProduct(wv, p.loadUnaligned(fromByteOffset: 6 * step, as: FloatVector.self))
      a7.addProduct(wv, p.loadUnaligned(fromByteOffset: 7 * step, as: FloatVector.self))
    }
  }
  let out = UnsafeMutableRawPointer(flat + first * v)
  out.storeBytes(of: a0, as: FloatVector.self)
  out.storeBytes(of: a1, toByteOffset: step, as: FloatVector.self)
  out.storeBytes(of: a2, toByteOffset: 2 * step, as: FloatVector.self)
  out.storeBytes(of: a3, toByteOffset: 3 * step, as: FloatVector.self)
  out.storeBytes(of: a4, toByteOffset: 4 * step, as: FloatVector.self)
  out.storeBytes(of: a5, toByteOffset: 5 * step, as: FloatVector.self)
  out.storeBytes(of: a6, toByteOffset: 6 * step, as: FloatVector.self)
  out.storeBytes(of: a7, toByteOffset: 7 * step, as: FloatVector.self)
}

/// Vectors first ..< first + count (1 ≤ count ≤ 8, a constant after inlining) of `depthwiseFlatCorrelate`.
@inline(__always)
func depthwiseFlatBlock(_ flat: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                        _ offsets: UnsafePointer<Int>, _ w: UnsafePointer<Float>, taps: Int, bias: Float,
                        first: Int, count: Int) {
  let v = FloatVector.scalarCount
  let step = v * MemoryLayout<Float>.stride
  let base = src + first * v
  var a0 = FloatVector(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
  for t in 0..<taps {
    let wv = FloatVector(repeating: w[t])
    let p = UnsafeRawPointer(base + offsets[t])
    a0.addProduct(wv, p.loadUnaligned(as: FloatVector.self))
    if count > 1 { a1.addProduct(wv, p.loadUnaligned(fromByteOffset: step, as: FloatVector.self)) }
    if count > 2 { a2.addProduct(wv, p.loadUnaligned(fromByteOffset: 2 * step, as: FloatVector.self)) }
    if count > 3 { a3.addProduct(wv, p.loadUnaligned(fromByteOffset: 3 * step, as: FloatVector.self)) }
    if count > 4 { a4.addProduct(wv, p.loadUnaligned(fromByteOffset: 4 * step, as: FloatVector.self)) }
    if count > 5 { a5.addProduct(wv, p.loadUnaligned(fromByteOffset: 5 * step, as: FloatVector.self)) }
    if count > 6 { a6.addProduct(wv, p.loadUnaligned(fromByteOffset: 6 * step, as: FloatVector.self)) }
    if count > 7 { a7.addProduct(wv, p.loadUnaligned(fromByteOffset: 7 * step, as: FloatVector.self)) }
  }
  let out = UnsafeMutableRawPointer(flat + first * v)
  out.storeBytes(of: a0, as: FloatVector.self)
  if count > 1 { out.storeBytes(of: a1, toByteOffset: step, as: FloatVector.self) }
  if count > 2 { out.storeBytes(of: a2, toByteOffset: 2 * step, as: FloatVector.self) }
  if count > 3 { out.storeBytes(of: a3, toByteOffset: 3 * step, as: FloatVector.self) }
  if count > 4 { out.storeBytes(of: a4, toByteOffset: 4 * step, as: FloatVector.self) }
  if count > 5 { out.storeBytes(of: a5, toByteOffset: 5 * step, as: FloatVector.self) }
  if count > 6 { out.storeBytes(of: a6, toByteOffset: 6 * step, as: FloatVector.self) }
  if count > 7 { out.storeBytes(of: a7, toByteOffset: 7 * step, as: FloatVector.self) }
}

/// x[i] = max(x[i], 0) in place (NaN kept).
func depthwiseReLUInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
  for i in 0..<count where x[i] < 0 { x[i] = 0 }
}

/// dInput += d(loss)/d(x) of `depthwiseConv2dForward`, given dOut:
/// dx[ih, iw] += Σ_{ki,kj} w[ki, kj] · dOut[(ih + p − ki·d) / s, (iw + p − kj·d) / s] over the exact quotients.
///
/// - Parameters:
///   - dInput: (N, C, H, W), accumulated into
///   - dOut: (N, C, OH, OW)
///   - weight: (C, 1, kh, kw)
public func depthwiseConv2dBackwardData(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                        _ weight: UnsafePointer<Float>, _ g: Conv2DGeometry, threads: Int = 1) {
  precondition(g.isDepthwise || (g.groups == 1 && g.inChannels == 1 && g.outChannels == 1),
               "depthwise conv needs groups == in == out channels: \(g)")
  if g.stride > 1 {
    depthwiseConv2dBackwardDataStrided(dInput, dOut, weight, g, threads: threads)
    return
  }
  let kh = g.kernelHeight, kw = g.kernelWidth, d = g.dilation, p = g.padding, s = g.stride
  let top = (kh - 1) * d, left = (kw - 1) * d
  let vectorWidth = roundUp(g.width, 8)
  // Spread dOut: row top + oh·s, column left + ow·s. Reads reach row (H − 1) + p + top and column
  // (vectorWidth − 1) + p + left.
  let columns = max(vectorWidth + p + left, left + (g.outWidth - 1) * s + 1)
  let rows = max(g.height + p + top, top + (g.outHeight - 1) * s + 1)
  // Tap (ki, kj) pairs with the flipped position: dx[ih][iw] reads spread[ih + p + top − ki·d][iw + p + left − kj·d].
  var offsets: [Int] = []
  for ki in 0..<kh {
    for kj in 0..<kw { offsets.append((p + top - ki * d) * columns + p + left - kj * d) }
  }
  let io = ConvPointers(out: dInput, x: UnsafeMutablePointer(mutating: dOut), weight: weight, bias: nil)
  let planes = g.batch * g.inChannels
  offsets.withUnsafeBufferPointer { tapOffsets in
    let tapOffsets = tapOffsets.baseAddress!
    concurrentRanges(planes, threads: threads) { range in
      let spread = allocateAligned(rows * columns)
      let rowTail = allocateAligned(8)
      defer {
        releaseAligned(spread, rows * columns)
        releaseAligned(rowTail, 8)
      }
      spread.update(repeating: 0, count: rows * columns)
      for plane in range {
        let c = plane % g.inChannels
        let dOutPlane = UnsafePointer(io.x) + plane * g.outHeight * g.outWidth
        for oh in 0..<g.outHeight {
          let src = dOutPlane + oh * g.outWidth
          let dst = spread + (top + oh * s) * columns + left
          if s == 1 {
            dst.update(from: src, count: g.outWidth)
          } else {
            for ow in 0..<g.outWidth { dst[ow * s] = src[ow] }
          }
        }
        depthwiseCorrelate(io.out + plane * g.height * g.width, rows: g.height, width: g.width, spread,
                           rowStep: columns, tapOffsets, io.weight + c * kh * kw, taps: kh * kw, bias: 0,
                           accumulate: true, rowTail: rowTail)
      }
    }
  }
}

/// Stride > 1 input gradient: the exact transpose of the forward pass. Each tap adds w[t] · dOut into the
/// forward's padded, phase-split layout (contiguous along the output width in every phase, so SIMD8 axpys),
/// one tap at a time over the whole plane (no store-to-load stalls between overlapping taps); the image part is
/// then added into dInput. Avoids the s² zero taps of correlating a zero-spread dOut.
func depthwiseConv2dBackwardDataStrided(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                        _ weight: UnsafePointer<Float>, _ g: Conv2DGeometry, threads: Int) {
  let layout = DepthwiseInputLayout(g)
  let offsets = layout.tapOffsets()
  let io = ConvPointers(out: dInput, x: UnsafeMutablePointer(mutating: dOut), weight: weight, bias: nil)
  let outHeight = g.outHeight, outWidth = g.outWidth, vectorWidth = layout.vectorWidth
  let rowStep = layout.rowStep, taps = layout.taps
  offsets.withUnsafeBufferPointer { tapOffsets in
    let tapOffsets = tapOffsets.baseAddress!
    concurrentRanges(g.batch * g.inChannels, threads: threads) { range in
      let phases = allocateAligned(layout.count)
      let dRows = allocateAligned(outHeight * vectorWidth)
      defer {
        releaseAligned(phases, layout.count)
        releaseAligned(dRows, outHeight * vectorWidth)
      }
      // Lanes past OW stay zero, so the slack columns they reach only receive zeros.
      dRows.update(repeating: 0, count: outHeight * vectorWidth)
      for plane in range {
        let w = io.weight + (plane % g.inChannels) * taps
        let dOutPlane = UnsafePointer(io.x) + plane * outHeight * outWidth
        for oh in 0..<outHeight { (dRows + oh * vectorWidth).update(from: dOutPlane + oh * outWidth, count: outWidth) }
        phases.update(repeating: 0, count: layout.count)
        for t in 0..<taps {
          let wv = SIMD8<Float>(repeating: w[t])
          let base = phases + tapOffsets[t]
          for oh in 0..<outHeight {
            let dst = base + oh * rowStep, src = dRows + oh * vectorWidth
            var v = 0
            while v < vectorWidth {
              let raw = UnsafeMutableRawPointer(dst + v)
              raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self)
                .addingProduct(wv, UnsafeRawPointer(src + v).load(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
              v += 8
            }
          }
        }
        layout.gatherAdd(io.out + plane * g.height * g.width, phases)
      }
    }
  }
}

/// out[r][c] = bias + Σ_t w[t] · src[r·rowStep + tapOffset[t] + c] for r < rows, c < width; with `accumulate`
/// the sum is added to out instead. Reads src up to column roundUp(width, 8) − 1 past each offset.
///
/// - Parameters:
///   - out: (rows, width)
///   - w: (taps), tapOffsets: (taps)
///   - rowTail: scratch of 8 floats for the partial last vector of a row
@inline(__always)
func depthwiseCorrelate(_ out: UnsafeMutablePointer<Float>, rows: Int, width: Int, _ src: UnsafePointer<Float>,
                        rowStep: Int, _ tapOffsets: UnsafePointer<Int>, _ w: UnsafePointer<Float>, taps: Int,
                        bias: Float, accumulate: Bool, rowTail: UnsafeMutablePointer<Float>) {
  var r = 0
  while r < rows {
    let block = min(4, rows - r)
    var c = 0
    while c < width {
      let base = src + r * rowStep + c
      var a0 = SIMD8<Float>(repeating: bias), a1 = a0, a2 = a0, a3 = a0
      if block == 4 {
        for t in 0..<taps {
          let wv = SIMD8<Float>(repeating: w[t])
          let p = UnsafeRawPointer(base + tapOffsets[t])
          let step = rowStep * MemoryLayout<Float>.stride
          a0.addProduct(wv, p.loadUnaligned(as: SIMD8<Float>.self))
          a1.addProduct(wv, p.loadUnaligned(fromByteOffset: step, as: SIMD8<Float>.self))
          a2.addProduct(wv, p.loadUnaligned(fromByteOffset: 2 * step, as: SIMD8<Float>.self))
          a3.addProduct(wv, p.loadUnaligned(fromByteOffset: 3 * step, as: SIMD8<Float>.self))
        }
      } else {
        for t in 0..<taps {
          let wv = SIMD8<Float>(repeating: w[t])
          let p = base + tapOffsets[t]
          a0.addProduct(wv, UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self))
          if block > 1 { a1.addProduct(wv, UnsafeRawPointer(p + rowStep).loadUnaligned(as: SIMD8<Float>.self)) }
          if block > 2 { a2.addProduct(wv, UnsafeRawPointer(p + 2 * rowStep).loadUnaligned(as: SIMD8<Float>.self)) }
        }
      }
      let lanes = min(8, width - c)
      depthwiseStoreRow(out + r * width + c, a0, lanes: lanes, accumulate: accumulate, rowTail)
      if block > 1 { depthwiseStoreRow(out + (r + 1) * width + c, a1, lanes: lanes, accumulate: accumulate, rowTail) }
      if block > 2 { depthwiseStoreRow(out + (r + 2) * width + c, a2, lanes: lanes, accumulate: accumulate, rowTail) }
      if block > 3 { depthwiseStoreRow(out + (r + 3) * width + c, a3, lanes: lanes, accumulate: accumulate, rowTail) }
      c += 8
    }
    r += block
  }
}

/// Stores (or adds) the first `lanes` lanes of v at out.
@inline(__always)
func depthwiseStoreRow(_ out: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>, lanes: Int, accumulate: Bool,
                       _ rowTail: UnsafeMutablePointer<Float>) {
  let raw = UnsafeMutableRawPointer(out)
  if lanes == 8 {
    raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: SIMD8<Float>.self) + v : v, as: SIMD8<Float>.self)
    return
  }
  UnsafeMutableRawPointer(rowTail).storeBytes(of: v, as: SIMD8<Float>.self)
  if accumulate {
    for j in 0..<lanes { out[j] += rowTail[j] }
  } else {
    for j in 0..<lanes { out[j] = rowTail[j] }
  }
}

/// Where the forward pass keeps one padded input plane: padded row r (input row r − p) holds, for each column
/// phase q < s, `phaseCount` floats with padded columns q, q + s, q + 2s, …  (row r, phase q, column j at
/// r·rowStride + q·phaseCount + j). Positions outside the image stay zero. Public so that the engine's
/// depthwise weight gradient can walk the same layout as the forward pass.
public struct DepthwiseInputLayout {
  public let geometry: Conv2DGeometry
  /// Floats per phase of one padded row.
  public let phaseCount: Int
  /// Floats per padded row (all phases).
  public let rowStride: Int
  /// Padded rows.
  public let rows: Int
  /// The output width rounded up to whole SIMD8 vectors.
  public let vectorWidth: Int
  public let taps: Int
  /// Floats of scratch for one plane.
  public var count: Int { rows * rowStride }
  /// Distance between the first input element of two consecutive output rows (s padded rows).
  public var rowStep: Int { geometry.stride * rowStride }

  public init(_ g: Conv2DGeometry) {
    geometry = g
    let s = g.stride
    vectorWidth = roundUp(g.outWidth, 8)
    // Reads reach column (vectorWidth − 1) + ⌊(kw − 1)·d / s⌋ of a phase; the real data ⌈(W + 2p) / s⌉.
    phaseCount = max((g.width + 2 * g.padding + s - 1) / s, vectorWidth + (g.kernelWidth - 1) * g.dilation / s)
    rowStride = s * phaseCount
    rows = g.height + 2 * g.padding
    taps = g.kernelHeight * g.kernelWidth
  }

  /// For tap t = ki·kw + kj: where output (0, 0) reads its input, relative to the scratch start.
  public func tapOffsets() -> [Int] {
    let g = geometry
    var offsets: [Int] = []
    for ki in 0..<g.kernelHeight {
      for kj in 0..<g.kernelWidth {
        let column = kj * g.dilation
        offsets.append(ki * g.dilation * rowStride + (column % g.stride) * phaseCount + column / g.stride)
      }
    }
    return offsets
  }

  /// Copies one input plane x (H, W) into its padded, phase-split position; other positions are left as they
  /// are (zero when the scratch was zeroed once, since every plane writes the same positions).
  public func scatter(_ phases: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>) {
    let g = geometry
    let s = g.stride, p = g.padding, width = g.width
    // Columns [0, vectorDone) go sixteen at a time (stride 2 only); the rest one by one, tracking the phase q
    // and phase column j of padded column iw + p incrementally (no division per element or per row).
    let vectorDone = s == 2 ? width / 16 * 16 : 0
    let q0 = (vectorDone + p) % s, j0 = (vectorDone + p) / s
    for ih in 0..<g.height {
      let dst = phases + (ih + p) * rowStride
      let src = x + ih * width
      if s == 1 {
        (dst + p).update(from: src, count: width)
        continue
      }
      if s == 2 {
        // Even input columns go to phase p mod 2 at iw/2 + ⌊p/2⌋, odd ones to phase (p + 1) mod 2 at
        // (iw − 1)/2 + ⌊(p + 1)/2⌋: split sixteen loaded columns by lane parity.
        let evenPhase = dst + (p % 2) * phaseCount + p / 2
        let oddPhase = dst + ((p + 1) % 2) * phaseCount + (p + 1) / 2
        var done = 0
        while done < vectorDone {
          let v = UnsafeRawPointer(src + done).loadUnaligned(as: SIMD16<Float>.self)
          UnsafeMutableRawPointer(evenPhase + done / 2).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
          UnsafeMutableRawPointer(oddPhase + done / 2).storeBytes(of: v.oddHalf, as: SIMD8<Float>.self)
          done += 16
        }
      }
      if s == 2 {
        // Remaining columns in (even, odd) pairs, then a last even one.
        let evenPhase = dst + (p % 2) * phaseCount + p / 2
        let oddPhase = dst + ((p + 1) % 2) * phaseCount + (p + 1) / 2
        var iw = vectorDone
        while iw + 2 <= width {
          evenPhase[iw / 2] = src[iw]
          oddPhase[iw / 2] = src[iw + 1]
          iw += 2
        }
        if iw < width { evenPhase[iw / 2] = src[iw] }
        continue
      }
      var q = q0, column = j0
      for iw in vectorDone..<width {
        dst[q * phaseCount + column] = src[iw]
        q += 1
        if q == s {
          q = 0
          column += 1
        }
      }
    }
  }

  /// dx (H, W) += the image part of a padded, phase-split plane (the adjoint of `scatter`).
  public func gatherAdd(_ dx: UnsafeMutablePointer<Float>, _ phases: UnsafePointer<Float>) {
    let g = geometry
    let s = g.stride, p = g.padding, width = g.width
    let q0 = p % s, j0 = p / s
    for ih in 0..<g.height {
      let src = phases + (ih + p) * rowStride
      let dst = dx + ih * width
      if s == 1 {
        let row = src + p
        for iw in 0..<width { dst[iw] += row[iw] }
        continue
      }
      if s == 2 {
        // Even input columns come from phase p mod 2 at iw/2 + ⌊p/2⌋, odd ones from the other phase.
        let evenPhase = src + (p % 2) * phaseCount + p / 2
        let oddPhase = src + ((p + 1) % 2) * phaseCount + (p + 1) / 2
        var iw = 0
        while iw + 2 <= width {
          dst[iw] += evenPhase[iw / 2]
          dst[iw + 1] += oddPhase[iw / 2]
          iw += 2
        }
        if iw < width { dst[iw] += evenPhase[iw / 2] }
        continue
      }
      var q = q0, column = j0
      for iw in 0..<width {
        dst[iw] += src[q * phaseCount + column]
        q += 1
        if q == s {
          q = 0
          column += 1
        }
      }
    }
  }
}
