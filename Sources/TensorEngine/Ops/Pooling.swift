import NASKernels

// Max, average and global-average pooling as autograd ops. The kernels live in NASKernels (shared with the
// runtime); here they are spread over the N·C planes of a batch, which never share memory.

extension Tensor {
  /// k×k max pooling over each (n, c) plane, padded cells counting as −∞ (they never win).
  ///
  /// Backward routes each output's gradient to the input cell that won its window. The forward pass saves the
  /// winners' indices (one Int32 per output) rather than recomputing them: the input need not be re-read, and
  /// ties resolve in backward exactly as they did in forward (first maximum in row-major order).
  /// - Parameters:
  ///   - kernel: window size k; stride defaults to k; padding ≤ k / 2.
  /// - Returns: (N, C, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1).
  public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let (n, c, h, w) = nchw("maxPool2d input")
    let g = PoolGeometry(height: h, width: w, kernel: kernel, stride: stride ?? kernel, padding: padding)
    let planes = n * c, inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount
    let out = TensorStorage(uninitialized: planes * outPlane)
    let x = pointer, o = out.pointer
    guard GradMode.isEnabled && requiresGrad else {
      // Inference: no indices to keep.
      parallelFor(planes) { p in
        maxPool2dForward(o + p * outPlane, nil, x + p * inPlane, planes: 1, geometry: g)
      }
      return Tensor(shape: [n, c, g.outHeight, g.outWidth], storage: out)
    }
    let indices = PoolIndexBuffer(count: planes * outPlane)
    let argmax = indices.pointer
    parallelFor(planes) { p in
      maxPool2dForward(o + p * outPlane, argmax + p * outPlane, x + p * inPlane, planes: 1, geometry: g)
    }
    return Tensor.opResult("maxPool2d", shape: [n, c, g.outHeight, g.outWidth], storage: out,
                           inputs: [self]) { dOut, grads in
      guard let dx = grads[0] else { return }
      let am = UnsafePointer(indices.pointer)
      parallelFor(planes) { p in
        maxPool2dBackward(dx + p * inPlane, dOut + p * outPlane, am + p * outPlane, planes: 1, geometry: g)
      }
    }
  }

  /// k×k average pooling over each (n, c) plane; padded cells are excluded from the divisor
  /// (PyTorch count_include_pad=False), so border outputs average only the real cells they cover.
  /// - Returns: (N, C, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1).
  public func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let (n, c, h, w) = nchw("avgPool2d input")
    let g = PoolGeometry(height: h, width: w, kernel: kernel, stride: stride ?? kernel, padding: padding)
    let planes = n * c, inPlane = g.inputPlaneCount, outPlane = g.outputPlaneCount
    let out = TensorStorage(uninitialized: planes * outPlane)
    let x = pointer, o = out.pointer
    parallelFor(planes) { p in
      avgPool2dForward(o + p * outPlane, x + p * inPlane, planes: 1, geometry: g)
    }
    return Tensor.opResult("avgPool2d", shape: [n, c, g.outHeight, g.outWidth], storage: out,
                           inputs: [self]) { dOut, grads in
      guard let dx = grads[0] else { return }
      parallelFor(planes) { p in
        avgPool2dBackward(dx + p * inPlane, dOut + p * outPlane, planes: 1, geometry: g)
      }
    }
  }

  /// Mean over H and W of each (n, c) plane.
  /// - Parameter keepingDimensions: false → (N, C); true → (N, C, 1, 1).
  public func globalAvgPool(keepingDimensions: Bool = false) -> Tensor {
    let (n, c, h, w) = nchw("globalAvgPool input")
    precondition(h * w > 0, "globalAvgPool: empty planes in shape \(shape)")
    let planes = n * c, planeSize = h * w
    let out = TensorStorage(uninitialized: planes)
    globalAvgPoolForward(out.pointer, pointer, planes: planes, planeSize: planeSize)
    return Tensor.opResult("globalAvgPool", shape: keepingDimensions ? [n, c, 1, 1] : [n, c], storage: out,
                           inputs: [self]) { dOut, grads in
      guard let dx = grads[0] else { return }
      globalAvgPoolBackward(dx, dOut, planes: planes, planeSize: planeSize)
    }
  }
}

/// Owns a buffer of Int32 indices saved for backward; freed with the graph node that captures it.
final class PoolIndexBuffer {
  let pointer: UnsafeMutablePointer<Int32>
  init(count: Int) { pointer = .allocate(capacity: max(count, 1)) }
  deinit { pointer.deallocate() }
}
