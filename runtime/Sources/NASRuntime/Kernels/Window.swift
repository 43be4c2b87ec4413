/// A sliding window over an H×W plane with independent sizes per axis and asymmetric padding (floor mode),
/// as the format allows. The general conv and pooling kernels use it when the NASKernels fast paths (square,
/// symmetric) do not apply.
struct Window: Equatable {
  var height: Int, width: Int
  var kernelHeight: Int, kernelWidth: Int
  var strideHeight: Int, strideWidth: Int
  var padTop: Int, padLeft: Int
  var dilationHeight: Int, dilationWidth: Int
  var outHeight: Int, outWidth: Int

  var inputPlane: Int { height * width }
  var outputPlane: Int { outHeight * outWidth }
}

// MARK: - Convolution

/// out[n, co, oh, ow] = bias[co] + Σ_{ci in group, ki, kj} w[co, ci, ki, kj] · x[n, g·cig + ci, ih, iw]
/// with ih = oh·sh − padTop + ki·dh (zero outside the plane).  Direct loops; the fallback for geometries the
/// im2col / depthwise kernels do not take (asymmetric padding, per-axis stride or dilation).
///
/// - out: (N, Cout, OH, OW), overwritten; x: (N, Cin, H, W); weight: (Cout, Cin/groups, kh, kw); bias: (Cout) or nil
func directConv2dForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                         _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                         batch: Int, inChannels: Int, outChannels: Int, groups: Int, _ g: Window) {
  let cig = inChannels / groups, cog = outChannels / groups
  let taps = g.kernelHeight * g.kernelWidth
  for n in 0..<batch {
    for co in 0..<outChannels {
      let group = co / cog
      let op = out + (n * outChannels + co) * g.outputPlane
      let wp = weight + co * cig * taps
      let b = bias?[co] ?? 0
      for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
          var sum: Float = b
          for ci in 0..<cig {
            let xp = x + (n * inChannels + group * cig + ci) * g.inputPlane
            let wc = wp + ci * taps
            for ki in 0..<g.kernelHeight {
              let ih = oh * g.strideHeight - g.padTop + ki * g.dilationHeight
              if ih < 0 || ih >= g.height { continue }
              for kj in 0..<g.kernelWidth {
                let iw = ow * g.strideWidth - g.padLeft + kj * g.dilationWidth
                if iw < 0 || iw >= g.width { continue }
                sum += wc[ki * g.kernelWidth + kj] * xp[ih * g.width + iw]
              }
            }
          }
          op[oh * g.outWidth + ow] = sum
        }
      }
    }
  }
}

/// dInput += d(loss)/d(x) of `directConv2dForward` given dOut: every output's gradient is scattered back to
/// the input cells its window read.  dInput: (N, Cin, H, W), accumulated into; dOut: (N, Cout, OH, OW).
func directConv2dBackwardData(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                              _ weight: UnsafePointer<Float>,
                              batch: Int, inChannels: Int, outChannels: Int, groups: Int, _ g: Window) {
  let cig = inChannels / groups, cog = outChannels / groups
  let taps = g.kernelHeight * g.kernelWidth
  for n in 0..<batch {
    for co in 0..<outChannels {
      let group = co / cog
      let dy = dOut + (n * outChannels + co) * g.outputPlane
      let wp = weight + co * cig * taps
      for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
          let d = dy[oh * g.outWidth + ow]
          if d == 0 { continue }
          for ci in 0..<cig {
            let dx = dInput + (n * inChannels + group * cig + ci) * g.inputPlane
            let wc = wp + ci * taps
            for ki in 0..<g.kernelHeight {
              let ih = oh * g.strideHeight - g.padTop + ki * g.dilationHeight
              if ih < 0 || ih >= g.height { continue }
              for kj in 0..<g.kernelWidth {
                let iw = ow * g.strideWidth - g.padLeft + kj * g.dilationWidth
                if iw < 0 || iw >= g.width { continue }
                dx[ih * g.width + iw] += wc[ki * g.kernelWidth + kj] * d
              }
            }
          }
        }
      }
    }
  }
}

// MARK: - Pooling

/// Max over the real cells of each window (padding never wins), first maximum in row-major order; records the
/// winner's index in its plane for the backward pass.  x: (planes, H, W); out, argmax: (planes, OH, OW).
func windowMaxPoolForward(_ out: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>,
                          _ x: UnsafePointer<Float>, planes: Int, _ g: Window) {
  for p in 0..<planes {
    let xp = x + p * g.inputPlane, op = out + p * g.outputPlane, ap = argmax + p * g.outputPlane
    for oh in 0..<g.outHeight {
      let h0 = max(oh * g.strideHeight - g.padTop, 0), h1 = min(oh * g.strideHeight - g.padTop + g.kernelHeight, g.height)
      for ow in 0..<g.outWidth {
        let w0 = max(ow * g.strideWidth - g.padLeft, 0), w1 = min(ow * g.strideWidth - g.padLeft + g.kernelWidth, g.width)
        var best = -Float.infinity, bestIndex = h0 * g.width + w0
        for ih in h0..<h1 {
          for iw in w0..<w1 where xp[ih * g.width + iw] > best {
            best = xp[ih * g.width + iw]
            bestIndex = ih * g.width + iw
          }
        }
        op[oh * g.outWidth + ow] = best
        ap[oh * g.outWidth + ow] = Int32(bestIndex)
      }
    }
  }
}

/// dInput[p, argmax[p, o]] += dOut[p, o].
func windowMaxPoolBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                           _ argmax: UnsafePointer<Int32>, planes: Int, _ g: Window) {
  for p in 0..<planes {
    let dx = dInput + p * g.inputPlane, dy = dOut + p * g.outputPlane, ap = argmax + p * g.outputPlane
    for o in 0..<g.outputPlane { dx[Int(ap[o])] += dy[o] }
  }
}

/// The divisor of window (oh, ow): its real cells, or the whole kernel when `countIncludePad`
/// (PyTorch clips the counted window to the padded input; windows never reach past it in floor mode).
@inline(__always)
private func windowRanges(_ g: Window, _ oh: Int, _ ow: Int, countIncludePad: Bool)
  -> (h0: Int, h1: Int, w0: Int, w1: Int, divisor: Float) {
  let hs = oh * g.strideHeight - g.padTop, ws = ow * g.strideWidth - g.padLeft
  let h0 = max(hs, 0), h1 = min(hs + g.kernelHeight, g.height)
  let w0 = max(ws, 0), w1 = min(ws + g.kernelWidth, g.width)
  let divisor = countIncludePad ? Float(g.kernelHeight * g.kernelWidth) : Float((h1 - h0) * (w1 - w0))
  return (h0, h1, w0, w1, divisor)
}

/// Mean over each window: divided by the real cells (countIncludePad false) or by kh·kw (true).
func windowAvgPoolForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, planes: Int,
                          _ g: Window, countIncludePad: Bool) {
  for p in 0..<planes {
    let xp = x + p * g.inputPlane, op = out + p * g.outputPlane
    for oh in 0..<g.outHeight {
      for ow in 0..<g.outWidth {
        let r = windowRanges(g, oh, ow, countIncludePad: countIncludePad)
        var sum: Float = 0
        for ih in r.h0..<r.h1 { for iw in r.w0..<r.w1 { sum += xp[ih * g.width + iw] } }
        op[oh * g.outWidth + ow] = sum / r.divisor
      }
    }
  }
}

/// dInput[cell] += dOut[o] / divisor(o) for every window o covering the cell.
func windowAvgPoolBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, planes: Int,
                           _ g: Window, countIncludePad: Bool) {
  for p in 0..<planes {
    let dx = dInput + p * g.inputPlane, dy = dOut + p * g.outputPlane
    for oh in 0..<g.outHeight {
      for ow in 0..<g.outWidth {
        let r = windowRanges(g, oh, ow, countIncludePad: countIncludePad)
        let share = dy[oh * g.outWidth + ow] / r.divisor
        for ih in r.h0..<r.h1 { for iw in r.w0..<r.w1 { dx[ih * g.width + iw] += share } }
      }
    }
  }
}
