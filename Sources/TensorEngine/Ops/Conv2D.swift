import NASKernels

extension Tensor {
  /// 2-D convolution (cross-correlation, as in PyTorch) of an NCHW batch.
  ///
  /// Output size per spatial axis: ⌊(H + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.
  /// Routing: depthwise convs (groups == Cin == Cout) run direct `FloatVector` (SIMD8, or SIMD16 under
  /// AVX-512) kernels; a 1×1 stride-1 unpadded conv is one GEMM per image with no im2col; everything else is
  /// im2col + GEMM per image and group. Forward and
  /// d(input) come from the runtime's `NASKernels` (the same code the on-device runtime runs); d(weight) and
  /// d(bias) are computed here. The batch is split over `EngineThreads.count` workers; results are
  /// bit-identical for any thread count.
  ///
  /// GEMM choice: the dense products go through `EngineGemm.run`, which picks OpenBLAS or the Swift kernel by
  /// size from nas-bench measurements (see `EngineGemm`). The conv GEMMs of the DARTS search network are small
  /// (M = Cout ≤ 64, K = Cin·k² ≤ 576, N = OH·OW ≤ 1024) and run one per image on one thread. 1×1 convs with at
  /// most 16 input (forward) / output (input gradient) channels skip the GEMM for a direct kernel, and their
  /// weight gradient too (both channel counts ≤ 16); see `NASKernels.pointwiseProduct`.
  ///
  /// - Parameters:
  ///   - weight: (Cout, Cin/groups, kh, kw)
  ///   - bias: (Cout) or nil
  /// - Returns: (N, Cout, OH, OW)
  public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                     groups: Int = 1) -> Tensor {
    let (n, c, h, w) = nchw("conv2d input")
    precondition(weight.rank == 4, "conv2d: weight must be 4-D (Cout, Cin/groups, kh, kw), shape is \(weight.shape)")
    let outChannels = weight.shape[0]
    precondition(groups >= 1 && c % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == c,
                 "conv2d: input \(shape), weight \(weight.shape) and groups \(groups) disagree "
                   + "(need weight (Cout, Cin/groups, kh, kw) with groups dividing Cin and Cout)")
    if let bias {
      precondition(bias.shape == [outChannels], "conv2d: bias shape \(bias.shape) != [\(outChannels)] for weight \(weight.shape)")
    }
    if let problem = Conv2DGeometry.validate(
      batch: n, inChannels: c, height: h, width: w, outChannels: outChannels, kernelHeight: weight.shape[2],
      kernelWidth: weight.shape[3], stride: stride, padding: padding, dilation: dilation, groups: groups) {
      preconditionFailure("conv2d: input \(shape), weight \(weight.shape): \(problem)")
    }
    let geometry = Conv2DGeometry(batch: n, inChannels: c, height: h, width: w, outChannels: outChannels,
                                  kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], stride: stride,
                                  padding: padding, dilation: dilation, groups: groups)
    let out = TensorStorage(uninitialized: geometry.outputCount)
    conv2dForward(out.pointer, pointer, weight.pointer, bias?.pointer, geometry, threads: EngineThreads.count,
                  gemm: EngineGemm.run)
    let x = self
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return Tensor.opResult("conv2d", shape: [n, outChannels, geometry.outHeight, geometry.outWidth], storage: out,
                           inputs: inputs) { dOut, grads in
      if let dx = grads[0] {
        conv2dBackwardData(dx, dOut, weight.pointer, geometry, threads: EngineThreads.count, gemm: EngineGemm.run)
      }
      if let dWeight = grads[1] { conv2dBackwardWeight(dWeight, dOut, x.pointer, geometry) }
      if grads.count > 2, let dBias = grads[2] {
        conv2dBackwardBias(dBias, dOut, batch: n, channels: outChannels,
                           planeCount: geometry.outHeight * geometry.outWidth)
      }
    }
  }
}
