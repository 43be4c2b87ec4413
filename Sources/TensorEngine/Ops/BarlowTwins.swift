import CBLAS

// Barlow Twins loss pieces (ALGORITHMS.md §6.1): the cross-correlation of two embedding batches and the
// loss on it. `barlowTwinsLoss` composes batch normalisation (no affine, biased variance), the correlation
// and the objective, each differentiable.

/// Σ_i (1 − C_ii)² + λ Σ_{i≠j} C_ij², accumulated in Double.  c: (D, D).
func barlowTwinsObjectiveForward(_ c: UnsafePointer<Float>, dimension d: Int, lambda: Float) -> Double {
  var onDiagonal = 0.0, offDiagonal = 0.0
  for i in 0..<d {
    let row = c + i * d
    for j in 0..<d {
      let v = Double(row[j])
      if i == j { onDiagonal += (1 - v) * (1 - v) } else { offDiagonal += v * v }
    }
  }
  return onDiagonal + Double(lambda) * offDiagonal
}

/// dC_ii += −2 (1 − C_ii) · g,  dC_ij += 2λ C_ij · g (i ≠ j), g = d(loss)/d(objective).
func barlowTwinsObjectiveBackward(_ dC: UnsafeMutablePointer<Float>, _ c: UnsafePointer<Float>, dimension d: Int,
                                  lambda: Float, scale g: Float) {
  for i in 0..<d {
    let row = c + i * d, drow = dC + i * d
    for j in 0..<d {
      drow[j] += i == j ? -2 * (1 - row[j]) * g : 2 * lambda * row[j] * g
    }
  }
}

extension Tensor {
  /// C = aᵀ b / N: the (Da, Db) cross-correlation of two (N, Da), (N, Db) batches (OpenBLAS sgemm).
  /// Backward: dA += b dCᵀ / N, dB += a dC / N.
  public static func crossCorrelation(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[0] && a.shape[0] > 0,
                 "crossCorrelation: needs (N, Da) and (N, Db), shapes are \(a.shape) and \(b.shape)")
    let n = a.shape[0], da = a.shape[1], db = b.shape[1]
    let scale = 1 / Float(n)
    let out = TensorStorage(uninitialized: da * db)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(da), Int32(db), Int32(n), scale,
                a.pointer, Int32(da), b.pointer, Int32(db), 0, out.pointer, Int32(db))
    return opResult("crossCorrelation", shape: [da, db], storage: out, inputs: [a, b]) { dOut, grads in
      if let dA = grads[0] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(da), Int32(db), scale,
                    b.pointer, Int32(db), dOut, Int32(db), 1, dA, Int32(da))
      }
      if let dB = grads[1] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(db), Int32(da), scale,
                    a.pointer, Int32(da), dOut, Int32(db), 1, dB, Int32(db))
      }
    }
  }

  /// Σ_i (1 − C_ii)² + λ Σ_{i≠j} C_ij² of a square (D, D) correlation matrix, as a scalar tensor.
  /// A sum, not a mean: it grows with D.
  public static func barlowTwinsObjective(correlation c: Tensor, lambda: Float) -> Tensor {
    precondition(c.rank == 2 && c.shape[0] == c.shape[1],
                 "barlowTwinsObjective: correlation must be square (D, D), shape is \(c.shape)")
    let d = c.shape[0]
    let out = TensorStorage(uninitialized: 1)
    out.pointer[0] = Float(barlowTwinsObjectiveForward(c.pointer, dimension: d, lambda: lambda))
    return opResult("barlowTwinsObjective", shape: [], storage: out, inputs: [c]) { dOut, grads in
      if let dC = grads[0] {
        barlowTwinsObjectiveBackward(dC, c.pointer, dimension: d, lambda: lambda, scale: dOut[0])
      }
    }
  }

  /// Barlow Twins loss of two (N, D) embedding batches: normalise each dimension over the batch (no affine,
  /// biased variance, eps 1e-5), C = ẑ_aᵀ ẑ_b / N, then Σ_i (1 − C_ii)² + λ Σ_{i≠j} C_ij².
  public static func barlowTwinsLoss(_ za: Tensor, _ zb: Tensor, lambda: Float) -> Tensor {
    precondition(za.rank == 2 && za.shape == zb.shape,
                 "barlowTwinsLoss: embeddings must both be (N, D), shapes are \(za.shape) and \(zb.shape)")
    let c = crossCorrelation(za.batchNormalized(), zb.batchNormalized())
    return barlowTwinsObjective(correlation: c, lambda: lambda)
  }
}
