// 2-D convolution (grouped, strided, padded, dilated) over NCHW: forward and input-gradient (backward-data)
// drivers. Dense groups are a (Cout, K)·(K, OH·OW) product per image and group, over im2col columns (a 1×1
// stride-1 unpadded conv needs no im2col: the image itself is the right-hand operand). The product runs on the
// direct kernel of PointwiseConv2D.swift (no packing; the batch-1 sizes of a DARTS net) unless the caller
// imposes a GEMM (`gemm`, the training engine's OpenBLAS route), which still leaves 1×1 convs with a
// reduction of at most 16 channels on the direct kernel. Depthwise convs (groups == Cin == Cout) go to the
// direct kernels in DepthwiseConv2D.swift. The weight gradient is not here: the runtime only needs forward
// and d(input).
//
// Threads: images are independent, so a batch of at least `threads` images is split over images (each worker
// with its own scratch); a smaller batch runs image by image with the threads inside the GEMM. Either way every
// output element is computed by the same operations, so results are bit-identical for any `threads`.

/// The shape arithmetic of one convolution: x (N, Cin, H, W) ⊛ weight (Cout, Cin/groups, kh, kw) → (N, Cout, OH, OW)
/// with OH = ⌊(H + 2p − d(kh − 1) − 1) / s⌋ + 1 (PyTorch), likewise OW.
public struct Conv2DGeometry: Equatable, Sendable, CustomStringConvertible {
  public let batch: Int, inChannels: Int, height: Int, width: Int
  public let outChannels: Int, kernelHeight: Int, kernelWidth: Int
  public let stride: Int, padding: Int, dilation: Int, groups: Int
  public let outHeight: Int, outWidth: Int

  /// Fails (precondition) on an invalid geometry; callers that take sizes from a file or a user check them
  /// first with `Conv2DGeometry.validate`.
  public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
              kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
              groups: Int = 1) {
    if let problem = Conv2DGeometry.validate(
      batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
      kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
      dilation: dilation, groups: groups) {
      preconditionFailure("conv2d: \(problem)")
    }
    self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
    self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
    self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    outHeight = (height + 2 * padding - dilation * (kernelHeight - 1) - 1) / stride + 1
    outWidth = (width + 2 * padding - dilation * (kernelWidth - 1) - 1) / stride + 1
  }

  /// Nil when the geometry is valid, else a one-line reason naming the sizes.
  public static func validate(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                              kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int, dilation: Int,
                              groups: Int) -> String? {
    if batch < 0 || inChannels < 1 || outChannels < 1 || height < 1 || width < 1 {
      return "input (\(batch), \(inChannels), \(height), \(width)) and \(outChannels) output channels must be positive"
    }
    if kernelHeight < 1 || kernelWidth < 1 || stride < 1 || dilation < 1 || padding < 0 {
      return "kernel \(kernelHeight)×\(kernelWidth), stride \(stride), dilation \(dilation), padding \(padding): "
        + "kernel, stride and dilation must be ≥ 1, padding ≥ 0"
    }
    if groups < 1 || inChannels % groups != 0 || outChannels % groups != 0 {
      return "groups \(groups) must divide in channels \(inChannels) and out channels \(outChannels)"
    }
    if height + 2 * padding < dilation * (kernelHeight - 1) + 1 || width + 2 * padding < dilation * (kernelWidth - 1) + 1 {
      return "kernel \(kernelHeight)×\(kernelWidth) (dilation \(dilation), padding \(padding)) does not fit a "
        + "\(height)×\(width) input"
    }
    return nil
  }

  /// True when groups == Cin == Cout: one k×k filter per channel (handled by the direct kernels).
  public var isDepthwise: Bool { groups == inChannels && outChannels == inChannels && groups > 1 }
  /// True for a 1×1, stride-1, unpadded, ungrouped conv: a plain (Cout, Cin)·(Cin, H·W) GEMM per image.
  public var isPointwise: Bool {
    kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 && groups == 1
  }

  public var inputCount: Int { batch * inChannels * height * width }
  public var outputCount: Int { batch * outChannels * outHeight * outWidth }
  public var weightCount: Int { outChannels * (inChannels / groups) * kernelHeight * kernelWidth }
  /// Multiply-adds × 2 of the forward pass (padding taps included, as usually counted).
  public var flops: Double {
    2 * Double(outputCount) * Double(inChannels / groups * kernelHeight * kernelWidth)
  }

  /// GEMM sizes of one group of one image: M = Cout/groups, K = Cin/groups·kh·kw, N = OH·OW.
  var gemmM: Int { outChannels / groups }
  var gemmK: Int { inChannels / groups * kernelHeight * kernelWidth }
  var gemmN: Int { outHeight * outWidth }

  public var description: String {
    "(\(batch), \(inChannels), \(height), \(width)) → (\(batch), \(outChannels), \(outHeight), \(outWidth)), "
      + "kernel \(kernelHeight)×\(kernelWidth), stride \(stride), padding \(padding), dilation \(dilation), "
      + "groups \(groups)"
  }
}

/// out = conv2d(x, weight) + bias, or with `residual` out = residual + (conv2d(x, weight) + bias): a conv and the
/// add that follows it, in one pass over out. On the direct product path (`forwardUsesDirectProduct`) each element
/// is the residual plus exactly the conv's value, so the fused pair rounds like the two ops apart.
///
/// `gemm` replaces the Swift `sgemm` for the dense (non-depthwise) products when given; it must be
/// deterministic and thread-count independent, as `sgemm` is.
///
/// - Parameters:
///   - out: (N, Cout, OH, OW), overwritten
///   - x: (N, Cin, H, W)
///   - weight: (Cout, Cin/groups, kh, kw)
///   - bias: (Cout) or nil
///   - residual: (N, Cout, OH, OW) or nil; it may be `out` itself. Not for depthwise convs.
///   - inputPlane: when given, x is (N, Cin, inputPlane.height, inputPlane.width) and the conv reads the
///     g.height × g.width window at the start of each plane (offset x to move the window: a crop before the
///     conv, fused). Only for a 1×1 unpadded conv with stride > 1, whose input is subsampled anyway.
///   - relu: out = max(·, 0) of the result (`v.replacing(with: 0, where: v .< 0)`, as the stores of the
///     direct product apply it). Not for depthwise convs.
public func conv2dForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                          _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                          _ g: Conv2DGeometry, residual: UnsafePointer<Float>? = nil,
                          inputPlane: (height: Int, width: Int)? = nil, relu: Bool = false, threads: Int = 1,
                          gemm: GemmFunction? = nil) {
  if g.batch == 0 { return }
  precondition((residual == nil && !relu) || !g.isDepthwise, "conv2dForward: no residual or ReLU for a depthwise conv")
  if let plane = inputPlane {
    precondition(g.acceptsInputPlane && plane.height >= g.height && plane.width >= g.width,
                 "conv2dForward: input plane \(plane) needs a 1×1 unpadded strided conv no larger: \(g)")
  }
  let planeHeight = inputPlane?.height ?? g.height, planeWidth = inputPlane?.width ?? g.width
  if g.isDepthwise {
    depthwiseConv2dForward(out, x, weight, bias, g, threads: threads)
    return
  }
  let perImageThreads = g.batch >= threads ? 1 : threads
  let scratchCount = g.isPointwise ? 0 : g.gemmK * g.gemmN
  let io = ConvPointers(out: out, x: UnsafeMutablePointer(mutating: x), weight: weight, bias: bias,
                        residual: residual)
  concurrentRanges(g.batch, threads: threads) { images in
    let col = scratchCount == 0 ? io.out : allocateAligned(scratchCount)
    defer { if scratchCount > 0 { releaseAligned(col, scratchCount) } }
    for n in images {
      let image = n * g.outChannels * g.gemmN
      conv2dForwardImage(io.out + image, UnsafePointer(io.x) + n * g.inChannels * planeHeight * planeWidth,
                         io.weight, io.bias, g, residual: io.residual.map { $0 + image }, planeHeight: planeHeight,
                         planeWidth: planeWidth, relu: relu, col: col, threads: perImageThreads, gemm: gemm)
    }
  }
}

/// dInput += d(loss)/d(x) of `conv2dForward`, given dOut = d(loss)/d(out). `gemm` as in `conv2dForward`.
///
/// - Parameters:
///   - dInput: (N, Cin, H, W), accumulated into
///   - dOut: (N, Cout, OH, OW)
///   - weight: (Cout, Cin/groups, kh, kw)
public func conv2dBackwardData(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                               _ weight: UnsafePointer<Float>, _ g: Conv2DGeometry, threads: Int = 1,
                               gemm: GemmFunction? = nil) {
  if g.batch == 0 { return }
  if g.isDepthwise {
    depthwiseConv2dBackwardData(dInput, dOut, weight, g, threads: threads)
    return
  }
  let perImageThreads = g.batch >= threads ? 1 : threads
  let scratchCount = g.isPointwise ? 0 : g.gemmK * g.gemmN
  let io = ConvPointers(out: dInput, x: UnsafeMutablePointer(mutating: dOut), weight: weight, bias: nil)
  concurrentRanges(g.batch, threads: threads) { images in
    let col = scratchCount == 0 ? io.out : allocateAligned(scratchCount)
    defer { if scratchCount > 0 { releaseAligned(col, scratchCount) } }
    for n in images {
      conv2dBackwardDataImage(io.out + n * g.inChannels * g.height * g.width,
                              UnsafePointer(io.x) + n * g.outChannels * g.gemmN, io.weight, g, col: col,
                              threads: perImageThreads, gemm: gemm)
    }
  }
}

/// One image of `conv2dForward`.  out: (Cout, OH, OW), x: (Cin, planeHeight, planeWidth) (g.height × g.width
/// unless `Conv2DGeometry.acceptsInputPlane`), residual: (Cout, OH, OW) or nil, col: (K, OH·OW) scratch.
func conv2dForwardImage(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                        _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                        _ g: Conv2DGeometry, residual: UnsafePointer<Float>? = nil, planeHeight: Int,
                        planeWidth: Int, relu: Bool = false, col: UnsafeMutablePointer<Float>, threads: Int,
                        gemm: GemmFunction?) {
  let m = g.gemmM, k = g.gemmK, n = g.gemmN
  let direct = usesDirectProduct(g, gemm: gemm, reduction: k, m: m, n: n, k: k)
  if g.isPointwise && direct {
    pointwiseProduct(out, ldo: n, weight, wRowStride: k, wColumnStride: 1, x, ldx: n, bias: bias, m: m, n: n,
                     k: k, accumulate: false, residual: residual, relu: relu, threads: threads)
    return
  }
  let inGroup = g.inChannels / g.groups * planeHeight * planeWidth
  if !direct {
    // The GEMM accumulates onto residual + bias (a different rounding order from the direct path's).
    if let residual, residual != UnsafePointer(out) { out.update(from: residual, count: g.outChannels * n) }
    if let bias {
      for co in 0..<g.outChannels {
        let row = out + co * n
        if residual != nil {
          for j in 0..<n { row[j] += bias[co] }
        } else {
          row.update(repeating: bias[co], count: n)
        }
      }
    }
  }
  let beta: Float = bias == nil && residual == nil ? 0 : 1
  for group in 0..<g.groups {
    let outGroup = out + group * m * n
    let weightGroup = weight + group * m * k
    // (Cout, Cin·kh·kw) · (Cin·kh·kw, OH·OW); a 1×1 stride-1 image is already the right-hand operand.
    var b = x
    if !g.isPointwise {
      // A 1×1 unpadded im2col is a subsample, which reads a window of larger planes as well.
      im2col(col, x + group * inGroup, channels: g.inChannels / g.groups, height: planeHeight, width: planeWidth,
             kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: g.stride, padding: g.padding,
             dilation: g.dilation, outHeight: g.outHeight, outWidth: g.outWidth)
      b = UnsafePointer(col)
    }
    if direct {
      pointwiseProduct(outGroup, ldo: n, weightGroup, wRowStride: k, wColumnStride: 1, b, ldx: n,
                       bias: bias.map { $0 + group * m }, m: m, n: n, k: k, accumulate: false,
                       residual: residual.map { $0 + group * m * n }, relu: relu, threads: threads)
    } else {
      runGemm(gemm, GemmCall(c: outGroup, ldc: n, a: weightGroup, lda: k, transposeA: false, b: b, ldb: n,
                             transposeB: false, m: m, n: n, k: k, alpha: 1, beta: beta, threads: threads))
      if relu {
        for i in 0..<(m * n) where outGroup[i] < 0 { outGroup[i] = 0 }
      }
    }
  }
}

extension Conv2DGeometry {
  /// True when `conv2dForward` can read this conv's input as a window of larger planes (`inputPlane`): a 1×1
  /// unpadded conv with stride > 1 (its im2col is a subsample), not depthwise.
  public var acceptsInputPlane: Bool {
    kernelHeight == 1 && kernelWidth == 1 && padding == 0 && stride > 1 && !isDepthwise
  }

  /// True when `conv2dForward` without an imposed GEMM runs this (non-depthwise) conv's products on the direct
  /// kernel, where a `residual` adds to exactly the conv's value.
  public var forwardUsesDirectProduct: Bool {
    !isDepthwise && usesDirectProduct(self, gemm: nil, reduction: gemmK, m: gemmM, n: gemmN, k: gemmK)
  }
}

/// True when the (m, n, k) products of a conv run on the direct kernel (`pointwiseProduct`) rather than a GEMM:
/// always for a 1×1 stride-1 conv with a reduction of at most `pointwiseDirectMaxReduction` channels; otherwise
/// when no GEMM is imposed (`gemm == nil`, the runtime) and the operands are small enough.
@inline(__always)
func usesDirectProduct(_ g: Conv2DGeometry, gemm: GemmFunction?, reduction: Int, m: Int, n: Int, k: Int) -> Bool {
  if g.isPointwise && reduction <= pointwiseDirectMaxReduction { return true }
  return gemm == nil && pointwiseProductFits(m: m, n: n, k: k)
}

/// One image of `conv2dBackwardData`.  dInput: (Cin, H, W) +=, dOut: (Cout, OH, OW), col: (K, OH·OW) scratch.
func conv2dBackwardDataImage(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                             _ weight: UnsafePointer<Float>, _ g: Conv2DGeometry,
                             col: UnsafeMutablePointer<Float>, threads: Int, gemm: GemmFunction?) {
  let m = g.gemmM, k = g.gemmK, n = g.gemmN
  // The products are Wᵀ (K, Cout/groups) · dOut (Cout/groups, OH·OW), reading W (Cout, K) transposed in place.
  let direct = usesDirectProduct(g, gemm: gemm, reduction: m, m: k, n: n, k: m)
  let inGroup = g.inChannels / g.groups * g.height * g.width
  for group in 0..<g.groups {
    let dOutGroup = dOut + group * m * n
    let weightGroup = weight + group * m * k
    if g.isPointwise {
      // dX (Cin, H·W) += Wᵀ (Cin, Cout) · dOut (Cout, H·W).
      if direct {
        pointwiseProduct(dInput, ldo: n, weightGroup, wRowStride: 1, wColumnStride: k, dOutGroup, ldx: n,
                         bias: nil, m: k, n: n, k: m, accumulate: true, threads: threads)
      } else {
        runGemm(gemm, GemmCall(c: dInput, ldc: n, a: weightGroup, lda: k, transposeA: true, b: dOutGroup, ldb: n,
                               transposeB: false, m: k, n: n, k: m, alpha: 1, beta: 1, threads: threads))
      }
    } else {
      // dCol (K, OH·OW) = W_gᵀ · dOut_g, then scatter-add back to the input positions.
      if direct {
        pointwiseProduct(col, ldo: n, weightGroup, wRowStride: 1, wColumnStride: k, dOutGroup, ldx: n, bias: nil,
                         m: k, n: n, k: m, accumulate: false, threads: threads)
      } else {
        runGemm(gemm, GemmCall(c: col, ldc: n, a: weightGroup, lda: k, transposeA: true, b: dOutGroup, ldb: n,
                               transposeB: false, m: k, n: n, k: m, alpha: 1, beta: 0, threads: threads))
      }
      col2imAdd(dInput + group * inGroup, col, channels: g.inChannels / g.groups, height: g.height,
                width: g.width, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: g.stride,
                padding: g.padding, dilation: g.dilation, outHeight: g.outHeight, outWidth: g.outWidth)
    }
  }
}

/// Runs `call` with `gemm`, or with the Swift kernel when nil.
@inline(__always)
func runGemm(_ gemm: GemmFunction?, _ call: GemmCall) {
  if let gemm { gemm(call) } else { call.runSwift() }
}

/// The buffers of one conv call, handed to worker threads (pointers only; the caller owns the memory).
struct ConvPointers: @unchecked Sendable {
  let out: UnsafeMutablePointer<Float>
  let x: UnsafeMutablePointer<Float>
  let weight: UnsafePointer<Float>
  let bias: UnsafePointer<Float>?
  /// The residual of a fused conv + add, or the addend of a direct product.
  var residual: UnsafePointer<Float>? = nil
}
