// 2-D max and average pooling over NCHW planes: forward and input-gradient kernels, side by side.
//
// Every kernel works on `planes` consecutive (H, W) planes (a plane = one (n, c) pair), so callers can split a
// batch over threads by plane ranges; planes never share memory, so any split gives bit-identical results.
// Output size follows PyTorch with ceil_mode=False: (H + 2·padding − kernel) / stride + 1.

/// The shape arithmetic of one k×k pooling window sweep over an H×W plane.
///
/// Padding may not exceed kernel / 2 (PyTorch's rule), which guarantees every window covers at least one real
/// cell: the max never comes from padding and the average never divides by zero.
public struct PoolGeometry: Equatable, CustomStringConvertible {
  public let height: Int, width: Int
  public let kernel: Int, stride: Int, padding: Int
  public let outHeight: Int, outWidth: Int

  /// Fails (precondition) when the window does not fit or padding exceeds kernel / 2; callers that take the
  /// sizes from a file validate them first with `PoolGeometry.validate`.
  public init(height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
    if let problem = PoolGeometry.validate(height: height, width: width, kernel: kernel, stride: stride, padding: padding) {
      preconditionFailure("pooling: \(problem)")
    }
    self.height = height; self.width = width
    self.kernel = kernel; self.stride = stride; self.padding = padding
    outHeight = (height + 2 * padding - kernel) / stride + 1
    outWidth = (width + 2 * padding - kernel) / stride + 1
  }

  /// Nil when the geometry is valid, else a one-line reason naming the sizes.
  public static func validate(height: Int, width: Int, kernel: Int, stride: Int, padding: Int) -> String? {
    if kernel < 1 || stride < 1 || padding < 0 {
      return "kernel \(kernel), stride \(stride), padding \(padding): kernel and stride must be ≥ 1, padding ≥ 0"
    }
    if 2 * padding > kernel { return "padding \(padding) exceeds half the kernel \(kernel)" }
    if height < 1 || width < 1 || height + 2 * padding < kernel || width + 2 * padding < kernel {
      return "kernel \(kernel) with padding \(padding) does not fit a \(height)×\(width) plane"
    }
    return nil
  }

  public var inputPlaneCount: Int { height * width }
  public var outputPlaneCount: Int { outHeight * outWidth }

  public var description: String {
    "\(height)×\(width) → \(outHeight)×\(outWidth) (kernel \(kernel), stride \(stride), padding \(padding))"
  }

  /// Real input rows [start, end) covered by output row `o` (padded rows clipped away).
  @inline(__always)
  func rows(_ o: Int) -> (start: Int, end: Int) {
    let s = o * stride - padding
    return (max(s, 0), min(s + kernel, height))
  }

  /// Real input columns [start, end) covered by output column `o`.
  @inline(__always)
  func columns(_ o: Int) -> (start: Int, end: Int) {
    let s = o * stride - padding
    return (max(s, 0), min(s + kernel, width))
  }

  /// Output columns whose window lies wholly inside the plane horizontally:
  /// ⌈padding / stride⌉ ... ⌊(W − k + padding) / stride⌋ (empty when the kernel is wider than the plane).
  /// The SIMD paths work on blocks of 8 of these.
  @inline(__always)
  public var interiorColumns: Range<Int> {
    let start = min((padding + stride - 1) / stride, outWidth)
    let last = width - kernel + padding
    let end = last < 0 ? start : max(start, min(last / stride + 1, outWidth))
    return start..<end
  }
}

/// Elements p[0], p[s], ..., p[7s] for s = 1 or 2 (reads p[0 ... 7s] only: the stride-2 form takes the even
/// lanes of p[0..<8] and the odd lanes of p[7..<15]).
@inline(__always)
private func loadLanes(_ p: UnsafePointer<Float>, stride s: Int) -> SIMD8<Float> {
  let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  if s == 1 { return a }
  let b = UnsafeRawPointer(p + 7).loadUnaligned(as: SIMD8<Float>.self)
  return SIMD8(lowHalf: a.evenHalf, highHalf: b.oddHalf)
}

// MARK: - Padded-plane forward (inference)
//
// Max pooling without argmax and average pooling, strides 1 and 2, run on the depthwise conv's flat scheme
// (`FlatWindowPlan`): each plane is copied into a scratch bordered with the padding value (−∞ for max, 0 for
// average), split into phase planes for stride 2, and output (oh, ow) at flat position f = oh·pitch + ow
// reduces src[f + offset[t]] over the taps, FloatVector-wide across row boundaries. Taps go in row-major order
// with the same operations as the window path (a strict `>` for max; adds from 0, padded zeros adding exactly
// nothing, then one division by the real-cell count for average), so both give the same values. Max falls
// back to the window path for a plane holding a NaN (which it must propagate).

/// Calls with fewer planes take the window path: the padded path's per-call setup (scratch, border fill, divisors)
/// only pays off over several planes (the training engine pools one plane per call).
let poolPaddedMinimumPlanes = 4

/// The padded-plane forward of max (`maximum`) or average pooling; see the section comment.
func poolForwardPadded(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, planes: Int,
                       geometry g: PoolGeometry, maximum: Bool) {
  let plan = FlatWindowPlan(Conv2DGeometry(batch: 1, inChannels: 1, height: g.height, width: g.width, outChannels: 1,
                                           kernelHeight: g.kernel, kernelWidth: g.kernel, stride: g.stride,
                                           padding: g.padding))
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount
  let paddedCount = plan.paddedCount, flatCount = plan.flatCount, taps = plan.taps
  // Two padded planes and two outputs, used alternately as in depthwiseConv2dForwardFlat (plane p + 1 is
  // copied in and plane p − 1 out around the reduction of plane p, so wide loads never wait on narrow stores);
  // then, for average, the real-cell count of every flat output position (1 where no output sits).
  let scratch = 2 * paddedCount + 2 * flatCount + (maximum ? 0 : flatCount)
  withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { buffer in
    withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { offsetBuffer in
      let padded = buffer.baseAddress!, flat = padded + 2 * paddedCount, divisors = flat + 2 * flatCount
      let offsets = offsetBuffer.baseAddress!
      plan.writeTapOffsets(offsets)
      padded.update(repeating: maximum ? -.infinity : 0, count: 2 * paddedCount)
      if !maximum {
        divisors.update(repeating: 1, count: flatCount)
        for oh in 0..<g.outHeight {
          let (h0, h1) = g.rows(oh)
          for ow in 0..<g.outWidth {
            let (w0, w1) = g.columns(ow)
            divisors[oh * plan.pitch + ow] = Float((h1 - h0) * (w1 - w0))
          }
        }
      }
      /// Copies plane p into padded slot s; true when the plane holds a NaN (max only checks).
      func load(_ p: Int, _ s: Int) -> Bool {
        let xp = x + p * inPlane
        plan.copyIn(padded + s * paddedCount, xp, relu: false)
        return maximum && poolPlaneHasNaN(xp, count: inPlane)
      }
      /// Writes plane p's output from slot s (the window path for a plane with a NaN).
      func finish(_ p: Int, _ s: Int, nan: Bool) {
        if nan {
          maxPool2dForwardWindows(out + p * outPlane, nil, x + p * inPlane, planes: 1, geometry: g)
        } else {
          plan.copyOut(out + p * outPlane, flat + s * flatCount)
        }
      }
      var nanCurrent = load(0, 0), nanPrevious = false
      for p in 0..<planes {
        let s = p & 1
        let nanNext = p + 1 < planes ? load(p + 1, 1 - s) : false
        let src = UnsafePointer(padded + s * paddedCount), dst = flat + s * flatCount
        switch (maximum, taps) {
        case (true, 9): poolFlatReduce(dst, src, offsets, taps: 9, vectors: plan.vectors, maximum: true, divisors)
        case (false, 9): poolFlatReduce(dst, src, offsets, taps: 9, vectors: plan.vectors, maximum: false, divisors)
        case (true, _): poolFlatReduce(dst, src, offsets, taps: taps, vectors: plan.vectors, maximum: true, divisors)
        case (false, _): poolFlatReduce(dst, src, offsets, taps: taps, vectors: plan.vectors, maximum: false, divisors)
        }
        if p > 0 { finish(p - 1, 1 - s, nan: nanPrevious) }
        nanPrevious = nanCurrent
        nanCurrent = nanNext
      }
      finish(planes - 1, (planes - 1) & 1, nan: nanPrevious)
    }
  }
}

/// dst[f] = the max, or the sum divided by divisors[f], of src[f + offsets[t]] over t < taps, for f < vectors·V.
/// Four vectors at a time (independent chains), then one at a time.
@inline(__always)
func poolFlatReduce(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ offsets: UnsafePointer<Int>,
                    taps: Int, vectors: Int, maximum: Bool, _ divisors: UnsafePointer<Float>) {
  let v = FloatVector.scalarCount
  @inline(__always)
  func combine(_ acc: inout FloatVector, _ p: UnsafePointer<Float>) {
    let value = UnsafeRawPointer(p).loadUnaligned(as: FloatVector.self)
    if maximum {
      acc.replace(with: value, where: value .> acc)
    } else {
      acc += value
    }
  }
  @inline(__always)
  func finish(_ acc: FloatVector, _ f: Int) {
    var result = acc
    if !maximum { result /= UnsafeRawPointer(divisors + f).loadUnaligned(as: FloatVector.self) }
    UnsafeMutableRawPointer(dst + f).storeBytes(of: result, as: FloatVector.self)
  }
  let start = FloatVector(repeating: maximum ? -.infinity : 0)
  var j = 0
  while j + 4 <= vectors {
    let f = j * v
    var a0 = start, a1 = start, a2 = start, a3 = start
    for t in 0..<taps {
      let p = src + f + offsets[t]
      combine(&a0, p)
      combine(&a1, p + v)
      combine(&a2, p + 2 * v)
      combine(&a3, p + 3 * v)
    }
    finish(a0, f)
    finish(a1, f + v)
    finish(a2, f + 2 * v)
    finish(a3, f + 3 * v)
    j += 4
  }
  while j < vectors {
    let f = j * v
    var a0 = start
    for t in 0..<taps { combine(&a0, src + f + offsets[t]) }
    finish(a0, f)
    j += 1
  }
}

/// True when x[0 ..< count] holds a NaN.
@inline(__always)
func poolPlaneHasNaN(_ x: UnsafePointer<Float>, count: Int) -> Bool {
  let v = FloatVector.scalarCount
  var nan = SIMDMask<FloatVector.MaskStorage>(repeating: false)
  var i = 0
  while i + v <= count {
    let value = UnsafeRawPointer(x + i).loadUnaligned(as: FloatVector.self)
    nan .|= value .!= value
    i += v
  }
  if any(nan) { return true }
  while i < count {
    if x[i].isNaN { return true }
    i += 1
  }
  return false
}

// MARK: - Max pooling
//
// Strides 1 and 2 (every pool of the search space) take a SIMD path over 8 adjacent outputs whose windows
// are horizontally inside the plane; the border columns, other strides and any 8-block containing a NaN use
// the scalar window. Both visit the window in the same row-major order with a strict `>`, so they agree bit for
// bit, ties included.

/// Max and first argmax (index in the plane) of the real cells of window (oh, ow); a NaN wins (first NaN).
/// Branch-free selects in the scan (random data would mispredict a branch on every other cell).
@inline(__always)
private func maxWindow(_ xp: UnsafePointer<Float>, _ g: PoolGeometry, _ oh: Int, _ ow: Int) -> (Float, Int) {
  let (h0, h1) = g.rows(oh), (w0, w1) = g.columns(ow), w = g.width
  var best = -Float.infinity
  var bestIndex = h0 * w + w0
  var nanSeen: UInt8 = 0
  for ih in h0..<h1 {
    let row = xp + ih * w
    for iw in w0..<w1 {
      let v = row[iw]
      let wins = v > best
      best = wins ? v : best
      bestIndex = wins ? ih * w + iw : bestIndex
      nanSeen |= v.isNaN ? 1 : 0
    }
  }
  if nanSeen != 0 {  // Rare: find the first NaN, which PyTorch's max returns.
    for ih in h0..<h1 {
      for iw in w0..<w1 where xp[ih * w + iw].isNaN { return (.nan, ih * w + iw) }
    }
  }
  return (best, bestIndex)
}

/// out[p, oh, ow] = max over the real cells of the window (padded cells count as −∞, so they never win).
/// Ties go to the first maximum in row-major order; a NaN in the window wins (propagates), as in PyTorch.
/// x: (planes, H, W); out: (planes, outH, outW); argmax (optional): (planes, outH, outW), the winning cell's
/// index h·W + w inside its input plane, for `maxPool2dBackward`.
public func maxPool2dForward(_ out: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>?,
                             _ x: UnsafePointer<Float>, planes: Int, geometry g: PoolGeometry) {
  if argmax == nil && g.stride <= 2 && planes >= poolPaddedMinimumPlanes {
    poolForwardPadded(out, x, planes: planes, geometry: g, maximum: true)
    return
  }
  maxPool2dForwardWindows(out, argmax, x, planes: planes, geometry: g)
}

/// `maxPool2dForward` window by window (8 interior outputs at a time for strides 1 and 2): the path that
/// records argmax, and the fallback of the padded path for planes holding a NaN.
func maxPool2dForwardWindows(_ out: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>?,
                             _ x: UnsafePointer<Float>, planes: Int, geometry g: PoolGeometry) {
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount, w = g.width, ow = g.outWidth
  let st = g.stride
  let interior = st <= 2 ? g.interiorColumns : 0..<0
  // Lane l of a block reads column base + l·stride.
  let laneOffsets = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &* Int32(truncatingIfNeeded: st)
  for p in 0..<planes {
    let xp = x + p * inPlane
    let op = out + p * outPlane
    let ap = argmax.map { $0 + p * outPlane }
    for oh in 0..<g.outHeight {
      let (h0, h1) = g.rows(oh)
      var oc = 0
      while oc < ow {
        if interior.contains(oc) && interior.count >= 8 {
          // 8 outputs oc..<oc+8; window column kw of lane l reads input column (oc + l)·stride − padding + kw.
          // The last block is pulled back to end at the interior's end: it recomputes a few outputs
          // (same values) instead of leaving a scalar tail.
          oc = min(oc, interior.upperBound - 8)
          var best = SIMD8<Float>(repeating: -.infinity)
          var bestIndex = SIMD8<Int32>(repeating: 0)
          var nan = SIMDMask<SIMD8<Int32>>(repeating: false)
          for ih in h0..<h1 {
            for kw in 0..<g.kernel {
              let column = oc * st - g.padding + kw
              let v = loadLanes(xp + ih * w + column, stride: st)
              let wins = v .> best
              best.replace(with: v, where: wins)
              bestIndex.replace(with: SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: ih * w + column)) &+ laneOffsets,
                                where: wins)
              nan .|= v .!= v
            }
          }
          if any(nan) {
            for l in 0..<8 {
              let (v, index) = maxWindow(xp, g, oh, oc + l)
              best[l] = v; bestIndex[l] = Int32(truncatingIfNeeded: index)
            }
          }
          UnsafeMutableRawPointer(op + oh * ow + oc).storeBytes(of: best, as: SIMD8<Float>.self)
          if let ap { UnsafeMutableRawPointer(ap + oh * ow + oc).storeBytes(of: bestIndex, as: SIMD8<Int32>.self) }
          oc += 8
        } else {
          let (v, index) = maxWindow(xp, g, oh, oc)
          op[oh * ow + oc] = v
          ap?[oh * ow + oc] = Int32(truncatingIfNeeded: index)
          oc += 1
        }
      }
    }
  }
}

/// dInput[p, argmax[p, o]] += dOut[p, o]: each output's gradient goes to the cell that won its window.
/// Uses the argmax indices saved by the forward pass, so ties resolve exactly as in forward and the input
/// need not be kept. dOut, argmax: (planes, outH, outW); dInput: (planes, H, W), accumulated into.
public func maxPool2dBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                              _ argmax: UnsafePointer<Int32>, planes: Int, geometry g: PoolGeometry) {
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount
  for p in 0..<planes {
    let dx = dInput + p * inPlane
    let dy = dOut + p * outPlane
    let am = argmax + p * outPlane
    for o in 0..<outPlane {
      let index = Int(am[o])
      assert(index >= 0 && index < inPlane, "maxPool2dBackward: argmax \(index) outside a \(g.height)×\(g.width) plane")
      dx[index] += dy[o]
    }
  }
}

// MARK: - Average pooling
//
// Forward: strides 1 and 2 again have a SIMD path over 8 outputs with horizontally interior windows (the
// divisor is then (rows in the window)·k for all 8); everything else uses the scalar window. Forward sums run in the same
// order (row by row, column by column) on both paths.

/// out[p, oh, ow] = mean of the real cells of the window: padded cells are excluded from the divisor
/// (PyTorch count_include_pad=False). x: (planes, H, W); out: (planes, outH, outW).
public func avgPool2dForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                             planes: Int, geometry g: PoolGeometry) {
  if g.stride <= 2 && planes >= poolPaddedMinimumPlanes {
    poolForwardPadded(out, x, planes: planes, geometry: g, maximum: false)
    return
  }
  avgPool2dForwardWindows(out, x, planes: planes, geometry: g)
}

/// `avgPool2dForward` window by window (8 interior outputs at a time for strides 1 and 2).
func avgPool2dForwardWindows(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                             planes: Int, geometry g: PoolGeometry) {
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount, w = g.width, ow = g.outWidth
  let st = g.stride
  let interior = st <= 2 ? g.interiorColumns : 0..<0
  for p in 0..<planes {
    let xp = x + p * inPlane
    let op = out + p * outPlane
    for oh in 0..<g.outHeight {
      let (h0, h1) = g.rows(oh)
      var oc = 0
      while oc < ow {
        if interior.contains(oc) && interior.count >= 8 {
          oc = min(oc, interior.upperBound - 8)  // last block overlaps the previous one (same values)
          var sum = SIMD8<Float>.zero
          for ih in h0..<h1 {
            for kw in 0..<g.kernel {
              sum += loadLanes(xp + ih * w + oc * st - g.padding + kw, stride: st)
            }
          }
          let divisor = SIMD8<Float>(repeating: Float((h1 - h0) * g.kernel))
          UnsafeMutableRawPointer(op + oh * ow + oc).storeBytes(of: sum / divisor, as: SIMD8<Float>.self)
          oc += 8
        } else {
          let (w0, w1) = g.columns(oc)
          var sum: Float = 0
          for ih in h0..<h1 {
            let row = xp + ih * w
            for iw in w0..<w1 { sum += row[iw] }
          }
          op[oh * ow + oc] = sum / Float((h1 - h0) * (w1 - w0))
          oc += 1
        }
      }
    }
  }
}

/// dInput[cell] += dOut[o] / (real cells of window o) for every window o covering the cell.
/// dOut: (planes, outH, outW); dInput: (planes, H, W), accumulated into.
///
/// Stride 1 gathers instead of scattering (overlapping unaligned vector read-modify-writes stall on store
/// forwarding): per output row, the shares are spread horizontally into one input-width row, which is then
/// added to each input row the windows cover. Other strides scatter each share over its window.
public func avgPool2dBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                              planes: Int, geometry g: PoolGeometry) {
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount, w = g.width, ow = g.outWidth
  if g.stride == 1 {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: ow + w) { buffer in
      let shares = buffer.baseAddress!, spread = shares + ow  // (outW,), (W,)
      let k = g.kernel, pad = g.padding
      for p in 0..<planes {
        let dx = dInput + p * inPlane
        let dy = dOut + p * outPlane
        for oh in 0..<g.outHeight {
          let (h0, h1) = g.rows(oh)
          for oc in 0..<ow {
            let (w0, w1) = g.columns(oc)
            shares[oc] = dy[oh * ow + oc] / Float((h1 - h0) * (w1 - w0))
          }
          // Input column iw is covered by outputs iw + pad − k + 1 ... iw + pad.
          for iw in 0..<w {
            let lo = max(iw + pad - k + 1, 0), hi = min(iw + pad, ow - 1)
            var sum: Float = 0
            var o = lo
            while o <= hi { sum += shares[o]; o += 1 }
            spread[iw] = sum
          }
          for ih in h0..<h1 {
            let row = dx + ih * w
            for iw in 0..<w { row[iw] += spread[iw] }
          }
        }
      }
    }
    return
  }
  for p in 0..<planes {
    let dx = dInput + p * inPlane
    let dy = dOut + p * outPlane
    for oh in 0..<g.outHeight {
      let (h0, h1) = g.rows(oh)
      for oc in 0..<ow {
        let (w0, w1) = g.columns(oc)
        let share = dy[oh * ow + oc] / Float((h1 - h0) * (w1 - w0))
        for ih in h0..<h1 {
          let row = dx + ih * w
          for iw in w0..<w1 { row[iw] += share }
        }
      }
    }
  }
}
