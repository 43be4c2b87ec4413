// A rectangular window of the H, W axes of an NCHW tensor (FactorizedReduce's shifted branch x[:, :, 1:, 1:]).

/// out[p, r, q] = x[p, rowStart + r, colStart + q] for every plane p.  x: (planes, H, W); out: (planes, rows, cols).
func spatialSliceForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, planes: Int,
                         height: Int, width: Int, rowStart: Int, colStart: Int, rows: Int, cols: Int) {
  for p in 0..<planes {
    for r in 0..<rows {
      (out + (p * rows + r) * cols).update(from: x + (p * height + rowStart + r) * width + colStart, count: cols)
    }
  }
}

/// dInput[p, rowStart + r, colStart + q] += dOut[p, r, q].
func spatialSliceBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, planes: Int,
                          height: Int, width: Int, rowStart: Int, colStart: Int, rows: Int, cols: Int) {
  for p in 0..<planes {
    for r in 0..<rows {
      let d = dInput + (p * height + rowStart + r) * width + colStart, s = dOut + (p * rows + r) * cols
      for q in 0..<cols { d[q] += s[q] }
    }
  }
}

extension Tensor {
  /// Rows rowStart..<rowStart+rows and columns colStart..<colStart+columns of every (n, c) plane
  /// (nil counts: to the end). `spatialSlice(rowStart: 1, colStart: 1)` is x[:, :, 1:, 1:].
  /// - Returns: (N, C, rows, columns)
  public func spatialSlice(rowStart: Int, colStart: Int, rows: Int? = nil, columns: Int? = nil) -> Tensor {
    let (n, c, h, w) = nchw("spatialSlice input")
    let rowCount = rows ?? (h - rowStart), colCount = columns ?? (w - colStart)
    precondition(rowStart >= 0 && colStart >= 0 && rowCount >= 0 && colCount >= 0
                   && rowStart + rowCount <= h && colStart + colCount <= w,
                 "spatialSlice: rows \(rowStart)..<\(rowStart + rowCount), columns \(colStart)..<\(colStart + colCount) outside \(shape)")
    let planes = n * c
    let out = TensorStorage(uninitialized: planes * rowCount * colCount)
    spatialSliceForward(out.pointer, pointer, planes: planes, height: h, width: w, rowStart: rowStart,
                        colStart: colStart, rows: rowCount, cols: colCount)
    return Tensor.opResult("spatialSlice", shape: [n, c, rowCount, colCount], storage: out,
                           inputs: [self]) { dOut, grads in
      if let dx = grads[0] {
        spatialSliceBackward(dx, dOut, planes: planes, height: h, width: w, rowStart: rowStart,
                             colStart: colStart, rows: rowCount, cols: colCount)
      }
    }
  }
}
