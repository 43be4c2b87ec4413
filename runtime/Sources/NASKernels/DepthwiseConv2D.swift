// Depthwise 2-D convolution (groups == Cin == Cout: one kh×kw filter per channel), direct kernels for any
// stride, padding and dilation: forward and input gradient, side by side.
//
// Both are a stride-1 correlation over a zero-bordered scratch copy of one (n, c) plane, vectorised along the
// output width with SIMD8 and blocked over 4 output rows (4 independent FMA chains hide the FMA latency):
//   out[r][c] (+)= Σ_t w[t] · src[r·rowStep + tapOffset[t] + c].
// Forward: src is the padded input split by column phase for stride s > 1 (phase q holds padded columns
// q, q + s, …), so tap (ki, kj) of output column ow reads phase (kj·d) mod s at column ow + ⌊kj·d / s⌋.
// Input gradient: src is dOut spread onto the stride-s grid with a (k − 1)·d border, correlated with the
// flipped filter. The scratch has slack columns past the last vector, so no bounds checks are needed.
// Planes are independent: a batch is split over plane ranges, so results are bit-identical for any `threads`.

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
  let layout = DepthwiseInputLayout(g)
  let offsets = layout.tapOffsets()
  let io = ConvPointers(out: out, x: UnsafeMutablePointer(mutating: x), weight: weight, bias: bias)
  let planes = g.batch * g.inChannels
  offsets.withUnsafeBufferPointer { tapOffsets in
    let tapOffsets = tapOffsets.baseAddress!
    concurrentRanges(planes, threads: threads) { range in
      let phases = allocateAligned(layout.count)
      let rowTail = allocateAligned(8)
      defer {
        releaseAligned(phases, layout.count)
        releaseAligned(rowTail, 8)
      }
      phases.update(repeating: 0, count: layout.count)
      for plane in range {
        let c = plane % g.inChannels
        layout.scatter(phases, UnsafePointer(io.x) + plane * g.height * g.width)
        depthwiseCorrelate(io.out + plane * g.outHeight * g.outWidth, rows: g.outHeight, width: g.outWidth,
                           phases, rowStep: layout.rowStep, tapOffsets, io.weight + c * layout.taps,
                           taps: layout.taps, bias: io.bias?[c] ?? 0, accumulate: false, rowTail: rowTail)
      }
    }
  }
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
