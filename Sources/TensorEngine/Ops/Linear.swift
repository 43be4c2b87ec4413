extension Tensor {
  /// Fully connected layer: x (N, in) · weightᵀ + bias → (N, out), as PyTorch's `F.linear`.
  ///
  /// - Parameters:
  ///   - weight: (out, in)
  ///   - bias: (out) or nil
  public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(rank == 2 && weight.rank == 2 && weight.shape[1] == shape[1],
                 "linear: needs x (N, in) and weight (out, in), got x \(shape) and weight \(weight.shape)")
    let batch = shape[0], inFeatures = shape[1], outFeatures = weight.shape[0]
    if let bias {
      precondition(bias.shape == [outFeatures], "linear: bias shape \(bias.shape) != [\(outFeatures)] for weight \(weight.shape)")
    }
    let out = TensorStorage(uninitialized: batch * outFeatures)
    linearForward(out.pointer, pointer, weight.pointer, bias?.pointer, batch: batch, inFeatures: inFeatures,
                  outFeatures: outFeatures)
    let x = self
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return Tensor.opResult("linear", shape: [batch, outFeatures], storage: out, inputs: inputs) { dOut, grads in
      linearBackward(grads[0], grads[1], grads.count > 2 ? grads[2] : nil, dOut, x.pointer, weight.pointer,
                     batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
    }
  }
}

/// out = x · wᵀ + b.  x: (batch, in), w: (out, in), b: (out) or nil, out: (batch, out).
func linearForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                   _ b: UnsafePointer<Float>?, batch: Int, inFeatures: Int, outFeatures: Int) {
  if let b {
    for i in 0..<batch { (out + i * outFeatures).update(from: b, count: outFeatures) }
  }
  engineSgemm(out, ldc: max(outFeatures, 1), x, lda: max(inFeatures, 1), w, ldb: max(inFeatures, 1),
              transposeB: true, m: batch, n: outFeatures, k: inFeatures, beta: b == nil ? 0 : 1)
}

/// Accumulates (+=) the gradients of `linearForward` into the non-nil buffers:
/// dx (batch, in) += dOut · w;  dw (out, in) += dOutᵀ · x;  db (out) += Σ_rows dOut.
func linearBackward(_ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>?,
                    _ db: UnsafeMutablePointer<Float>?, _ dOut: UnsafePointer<Float>,
                    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    batch: Int, inFeatures: Int, outFeatures: Int) {
  if let dx {
    engineSgemm(dx, ldc: max(inFeatures, 1), dOut, lda: max(outFeatures, 1), w, ldb: max(inFeatures, 1),
                m: batch, n: inFeatures, k: outFeatures, beta: 1)
  }
  if let dw {
    engineSgemm(dw, ldc: max(inFeatures, 1), dOut, lda: max(outFeatures, 1), transposeA: true, x,
                ldb: max(inFeatures, 1), m: outFeatures, n: inFeatures, k: batch, beta: 1)
  }
  if let db {
    for j in 0..<outFeatures {
      var sum: Float = 0
      for i in 0..<batch { sum += dOut[i * outFeatures + j] }
      db[j] += sum
    }
  }
}
