extension Tensor {
  /// Matrix product of two 2-D tensors: (M, K) · (K, N) → (M, N).
  ///
  /// Runs `engineSgemm` (Swift SIMD kernel or OpenBLAS, chosen by size). Backward: dA += dOut · Bᵀ,
  /// dB += Aᵀ · dOut.
  public func matmul(_ other: Tensor) -> Tensor {
    precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0],
                 "matmul: needs (M, K) · (K, N), got \(shape) · \(other.shape)")
    let m = shape[0], k = shape[1], n = other.shape[1]
    let out = TensorStorage(uninitialized: m * n)
    engineSgemm(out.pointer, ldc: max(n, 1), pointer, lda: max(k, 1), other.pointer, ldb: max(n, 1), m: m, n: n, k: k)
    let a = self, b = other
    return Tensor.opResult("matmul", shape: [m, n], storage: out, inputs: [a, b]) { dOut, grads in
      if let da = grads[0] {
        // (M, K) += (M, N) · (K, N)ᵀ
        engineSgemm(da, ldc: max(k, 1), dOut, lda: max(n, 1), b.pointer, ldb: max(n, 1), transposeB: true,
                    m: m, n: k, k: n, beta: 1)
      }
      if let db = grads[1] {
        // (K, N) += (M, K)ᵀ · (M, N)
        engineSgemm(db, ldc: max(n, 1), a.pointer, lda: max(k, 1), transposeA: true, dOut, ldb: max(n, 1),
                    m: k, n: n, k: m, beta: 1)
      }
    }
  }

  /// The transpose of a 2-D tensor: (R, C) → (C, R), copied.
  public func transposed() -> Tensor {
    precondition(rank == 2, "transposed: needs a 2-D tensor, shape is \(shape)")
    let rows = shape[0], columns = shape[1]
    let out = TensorStorage(uninitialized: count)
    transposeForward(out.pointer, pointer, rows: rows, columns: columns)
    return Tensor.opResult("transpose", shape: [columns, rows], storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { transposeBackward(dx, dOut, rows: rows, columns: columns) }
    }
  }
}

/// out[j, i] = x[i, j].  x: (rows, columns), out: (columns, rows). Tiled so both sides stay in cache.
func transposeForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, columns: Int) {
  let tile = 32
  for i0 in stride(from: 0, to: rows, by: tile) {
    for j0 in stride(from: 0, to: columns, by: tile) {
      for i in i0..<min(i0 + tile, rows) {
        for j in j0..<min(j0 + tile, columns) { out[j * rows + i] = x[i * columns + j] }
      }
    }
  }
}

/// dInput[i, j] += dOut[j, i].  dInput: (rows, columns), dOut: (columns, rows).
func transposeBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, rows: Int, columns: Int) {
  for i in 0..<rows {
    for j in 0..<columns { dInput[i * columns + j] += dOut[j * rows + i] }
  }
}
