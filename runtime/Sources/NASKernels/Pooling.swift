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
}

// MARK: - Max pooling

/// out[p, oh, ow] = max over the real cells of the window (padded cells count as −∞, so they never win).
/// Ties go to the first maximum in row-major order; a NaN in the window wins (propagates), as in PyTorch.
/// x: (planes, H, W); out: (planes, outH, outW); argmax (optional): (planes, outH, outW), the winning cell's
/// index h·W + w inside its input plane, for `maxPool2dBackward`.
public func maxPool2dForward(_ out: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>?,
                             _ x: UnsafePointer<Float>, planes: Int, geometry g: PoolGeometry) {
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount, w = g.width
  for p in 0..<planes {
    let xp = x + p * inPlane
    let op = out + p * outPlane
    for oh in 0..<g.outHeight {
      let (h0, h1) = g.rows(oh)
      for ow in 0..<g.outWidth {
        let (w0, w1) = g.columns(ow)
        var best = -Float.infinity
        var bestIndex = h0 * w + w0
        for ih in h0..<h1 {
          let row = xp + ih * w
          for iw in w0..<w1 {
            let v = row[iw]
            if v > best || v.isNaN {
              best = v
              bestIndex = ih * w + iw
              if v.isNaN { break }
            }
          }
          if best.isNaN { break }
        }
        op[oh * g.outWidth + ow] = best
        argmax?[p * outPlane + oh * g.outWidth + ow] = Int32(truncatingIfNeeded: bestIndex)
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

/// out[p, oh, ow] = mean of the real cells of the window: padded cells are excluded from the divisor
/// (PyTorch count_include_pad=False). x: (planes, H, W); out: (planes, outH, outW).
public func avgPool2dForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                             planes: Int, geometry g: PoolGeometry) {
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount, w = g.width
  for p in 0..<planes {
    let xp = x + p * inPlane
    let op = out + p * outPlane
    for oh in 0..<g.outHeight {
      let (h0, h1) = g.rows(oh)
      for ow in 0..<g.outWidth {
        let (w0, w1) = g.columns(ow)
        var sum: Float = 0
        for ih in h0..<h1 {
          let row = xp + ih * w
          for iw in w0..<w1 { sum += row[iw] }
        }
        op[oh * g.outWidth + ow] = sum / Float((h1 - h0) * (w1 - w0))
      }
    }
  }
}

/// dInput[cell] += dOut[o] / (real cells of window o) for every window o covering the cell.
/// dOut: (planes, outH, outW); dInput: (planes, H, W), accumulated into.
public func avgPool2dBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                              planes: Int, geometry g: PoolGeometry) {
  let inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount, w = g.width
  for p in 0..<planes {
    let dx = dInput + p * inPlane
    let dy = dOut + p * outPlane
    for oh in 0..<g.outHeight {
      let (h0, h1) = g.rows(oh)
      for ow in 0..<g.outWidth {
        let (w0, w1) = g.columns(ow)
        let share = dy[oh * g.outWidth + ow] / Float((h1 - h0) * (w1 - w0))
        for ih in h0..<h1 {
          let row = dx + ih * w
          for iw in w0..<w1 { row[iw] += share }
        }
      }
    }
  }
}
