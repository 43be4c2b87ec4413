// Direct kernel for products out (m, n) = w (m, k) · x (k, n) with both operands read in place: the 1×1 convs
// of a batch-1 network (Cout × Cin weights times a (Cin, H·W) image, Cin and Cout 16…256, H·W 49…1024), their
// input gradients, and every `sgemm` small enough (see `pointwiseProductFits`). At these sizes a blocked GEMM
// spends as long packing x and w as multiplying them; here nothing is copied. Each register tile keeps
// `PointwiseTile.rows` output rows × `PointwiseTile.vectors` FloatVectors of columns (8 × 3 zmm = 24
// accumulators under AVX-512, 4 × 2 ymm under AVX2), broadcasts one weight per row per reduction step, loads the
// x row segment once per step, and writes each output once. Columns past the last full strip run one vector at
// a time. A final partial vector is, in order of preference: up to 4 columns as dot products along k (row-major
// w), the last FloatVector.scalarCount columns recomputed (overlapping the previous tile, which writes the same
// values), or a zero-padded copy (n narrower than a vector, or accumulating).
//
// Tiles are specialised per row count, vector count and weight layout through value generics
// (`PointwiseKernel<rows, vectors, layout>`), each its own small function: forcing them all inline into one
// driver made LLVM spill the accumulators, and a variable weight stride became a chain of dependent adds.

/// Reduction lengths (Cin in forward, Cout in the input gradient) up to which 1×1 stride-1 convs use
/// `pointwiseProduct` even when the caller supplies its own GEMM (the training engine's OpenBLAS route).
/// Measured with nas-bench, batch 64, one thread, release with `-target-cpu haswell` on the 2-core EPYC VM
/// (noisy: other builds running): forward 4→4 channels at 28×28 35 GFLOP/s as one OpenBLAS GEMM per image
/// (24 with the Swift GEMM) → 65–70 direct; 16→16 at 28×28 81 → ~100.
let pointwiseDirectMaxReduction = 16

/// Register tile of `pointwiseProduct`: rows × (vectors · FloatVector.scalarCount) outputs.
@usableFromInline
enum PointwiseTile {
  // Change together with the specialisations listed in `PointwiseTiles.tile`.
  #if NAS_AVX512
  /// 24 zmm accumulators + 3 x vectors + 1 broadcast of the 32 registers; 8 divides every Cout of a DARTS net.
  static var rows: Int { 8 }
  static var vectors: Int { 3 }
  #else
  /// 8 ymm accumulators + 2 x vectors + 1 broadcast of the 16 registers.
  static var rows: Int { 4 }
  static var vectors: Int { 2 }
  #endif
  static var columns: Int { vectors * FloatVector.scalarCount }
}

/// True when `pointwiseProduct` is expected to beat the packed `sgemm` kernel for an (m, n, k) product: unless x
/// is over 1 MB (L2) and re-read by more than 16 row blocks. Measured single-thread, AVX-512 build, GFLOP/s
/// direct / packed: 64×49×64 184 / 84, 64×196×256 233 / 146, 256³ 241 / 202, 128×3136×288 249 / 216,
/// 96×800×2048 240 / 202, 16×784×2000 244 / 111; but 512³ 211 / 230 and 1024×1024×256 227 / 233.
func pointwiseProductFits(m: Int, n: Int, k: Int) -> Bool {
  k * n < 1 << 18 || m <= 128
}

/// out (m, n) = bias + w · x, or with `accumulate` out += w · x, or with `residual` out = residual + (bias + w · x),
/// where w[i, p] = w[i·wRowStride + p·wColumnStride] (so a transposed weight needs no copy). Rows of out are split
/// over `threads` workers (from ~1M multiply-adds); each element is computed by the same operations whatever the
/// split, so results do not depend on `threads`. With `residual` each element is the residual plus exactly the
/// value the plain product computes (a conv followed by an add, fused, rounds like the two apart).
///
/// - Parameters:
///   - out: (m, n), row stride `ldo`
///   - x: (k, n), row stride `ldx`
///   - bias: (m) or nil; ignored with `accumulate`
///   - residual: (m, n) with row stride `ldo`, or nil; it may be `out` itself; ignored with `accumulate`
///   - relu: store max(·, 0) of each result (as `v.replacing(with: 0, where: v .< 0)`); not with `accumulate`
func pointwiseProduct(_ out: UnsafeMutablePointer<Float>, ldo: Int, _ w: UnsafePointer<Float>, wRowStride: Int,
                      wColumnStride: Int, _ x: UnsafePointer<Float>, ldx: Int, bias: UnsafePointer<Float>?,
                      m: Int, n: Int, k: Int, accumulate: Bool, residual: UnsafePointer<Float>? = nil,
                      relu: Bool = false, threads: Int = 1) {
  assert(!(accumulate && relu))
  assert(m >= 0 && n >= 0 && k >= 0 && ldo >= n && ldx >= n)
  if m == 0 || n == 0 { return }
  // Accumulating is adding the old out (and no bias): one path for both.
  let addend = accumulate ? UnsafePointer(out) : residual, bias = accumulate ? nil : bias
  let blocks = (m + PointwiseTile.rows - 1) / PointwiseTile.rows
  let workers = m * n * k < 1 << 20 ? 1 : min(threads, blocks)
  if workers <= 1 {
    pointwiseRows(out, ldo: ldo, w, wRowStride, wColumnStride, x, ldx: ldx, bias: bias, addend: addend, relu: relu,
                  rows: 0..<m, n: n, k: k)
    return
  }
  let io = ConvPointers(out: out, x: UnsafeMutablePointer(mutating: x), weight: w, bias: bias, residual: addend)
  concurrentRanges(blocks, threads: workers) { range in
    let rows = (range.lowerBound * PointwiseTile.rows)..<min(m, range.upperBound * PointwiseTile.rows)
    pointwiseRows(io.out, ldo: ldo, io.weight, wRowStride, wColumnStride, UnsafePointer(io.x), ldx: ldx,
                  bias: io.bias, addend: io.residual, relu: relu, rows: rows, n: n, k: k)
  }
}

/// Rows `rows` of `pointwiseProduct`, on the calling thread: out = bias + w · x, or with `addend`
/// out = addend + (bias + w · x) (addend (m, n) with row stride `ldo`, possibly out itself); max(·, 0) of that
/// with `relu`.
func pointwiseRows(_ out: UnsafeMutablePointer<Float>, ldo: Int, _ w: UnsafePointer<Float>, _ wRowStride: Int,
                   _ wColumnStride: Int, _ x: UnsafePointer<Float>, ldx: Int, bias: UnsafePointer<Float>?,
                   addend: UnsafePointer<Float>?, relu: Bool = false, rows: Range<Int>, n: Int, k: Int) {
  let accumulate = addend != nil
  let width = FloatVector.scalarCount
  let stripEnd = n / PointwiseTile.columns * PointwiseTile.columns
  let vectorEnd = n / width * width
  // Up to 4 leftover columns of a row-major w are dot products along k (1 of 49 columns at 7×7: a whole vector
  // tile for it cost a third of the conv). Otherwise a partial last vector is recomputed over the last `width`
  // columns when that is possible and harmless, else it goes through a zero-padded copy.
  let dotTail = vectorEnd < n && n - vectorEnd <= 4 && wColumnStride == 1 && k >= width
  let overlapTail = !dotTail && vectorEnd < n && n >= width && !accumulate
  let layout = pointwiseLayout(wRowStride: wRowStride, wColumnStride: wColumnStride)
  var r = rows.lowerBound
  while r < rows.upperBound {
    let height = min(PointwiseTile.rows, rows.upperBound - r)
    let o = out + r * ldo, wr = w + r * wRowStride
    let b = bias.map { $0 + r }, a = addend.map { $0 + r * ldo }
    var c = 0
    while c < stripEnd {
      pointwiseTile(layout, o + c, ldo, wr, wRowStride, wColumnStride, x + c, ldx, b, k, a.map { $0 + c }, relu, height,
                    true)
      c += PointwiseTile.columns
    }
    while c < vectorEnd {
      pointwiseTile(layout, o + c, ldo, wr, wRowStride, wColumnStride, x + c, ldx, b, k, a.map { $0 + c }, relu, height,
                    false)
      c += width
    }
    if overlapTail {
      pointwiseTile(layout, o + n - width, ldo, wr, wRowStride, wColumnStride, x + n - width, ldx, b, k, nil,
                    relu, height, false)
    }
    r += height
  }
  if vectorEnd == n || overlapTail { return }
  if dotTail {
    pointwiseDotTail(out, ldo: ldo, w, wRowStride, x, ldx: ldx, bias: bias, addend: addend, relu: relu,
                     rows: rows, column: vectorEnd, n: n, k: k)
    return
  }
  pointwisePaddedTail(out, ldo: ldo, w, wRowStride, wColumnStride, x, ldx: ldx, bias: bias, addend: addend,
                      relu: relu, rows: rows, column: vectorEnd, n: n, k: k)
}

/// Columns column..<n (fewer than one vector) of `pointwiseRows` through a zero-padded (k, width) copy of x.
@inline(never)
func pointwisePaddedTail(_ out: UnsafeMutablePointer<Float>, ldo: Int, _ w: UnsafePointer<Float>,
                         _ wRowStride: Int, _ wColumnStride: Int, _ x: UnsafePointer<Float>, ldx: Int,
                         bias: UnsafePointer<Float>?, addend: UnsafePointer<Float>?, relu: Bool,
                         rows: Range<Int>, column: Int, n: Int, k: Int) {
  let width = FloatVector.scalarCount, valid = n - column
  let xTail = allocateAligned(k * width), outTail = allocateAligned(PointwiseTile.rows * width)
  defer {
    releaseAligned(xTail, k * width)
    releaseAligned(outTail, PointwiseTile.rows * width)
  }
  xTail.update(repeating: 0, count: k * width)
  for p in 0..<k { (xTail + p * width).update(from: x + p * ldx + column, count: valid) }
  let layout = pointwiseLayout(wRowStride: wRowStride, wColumnStride: wColumnStride)
  var r = rows.lowerBound
  while r < rows.upperBound {
    let height = min(PointwiseTile.rows, rows.upperBound - r)
    pointwiseTile(layout, outTail, width, w + r * wRowStride, wRowStride, wColumnStride, xTail, width,
                  bias.map { $0 + r }, k, nil, false, height, false)
    for i in 0..<height {
      let dst = out + (r + i) * ldo + column, src = outTail + i * width
      if let addend {
        let a = addend + (r + i) * ldo + column
        for j in 0..<valid { dst[j] = a[j] + src[j] }
      } else {
        for j in 0..<valid { dst[j] = src[j] }
      }
      if relu {
        for j in 0..<valid where dst[j] < 0 { dst[j] = 0 }
      }
    }
    r += height
  }
}

/// Columns column..<n (1…4 of them) of `pointwiseRows` for a row-major w (w[i, p] at i·wRowStride + p), as dot
/// products along k: the columns of x are gathered into rows of a (count, k) scratch, then each block of 4 rows
/// keeps 4 × count vector accumulators over p (the rows of w are contiguous), reduced by halves.
/// Each output's operations do not depend on the row blocking, so results do not depend on `threads`.
@inline(never)
func pointwiseDotTail(_ out: UnsafeMutablePointer<Float>, ldo: Int, _ w: UnsafePointer<Float>, _ wRowStride: Int,
                      _ x: UnsafePointer<Float>, ldx: Int, bias: UnsafePointer<Float>?,
                      addend: UnsafePointer<Float>?, relu: Bool, rows: Range<Int>, column: Int, n: Int, k: Int) {
  let count = n - column
  assert(count >= 1 && count <= 4 && k >= FloatVector.scalarCount)
  // Stack scratch up to 16 KB (k ≤ 1024), the shared cache beyond.
  @inline(__always) func run(_ xt: UnsafeMutablePointer<Float>) {
    for j in 0..<count {
      var src = x + column + j
      let dst = xt + j * k
      for p in 0..<k {
        dst[p] = src.pointee
        src += ldx
      }
    }
    switch count {
    case 1: PointwiseDotTail<1>.run(out, ldo, w, wRowStride, xt, bias, addend, relu, rows, column, k)
    case 2: PointwiseDotTail<2>.run(out, ldo, w, wRowStride, xt, bias, addend, relu, rows, column, k)
    case 3: PointwiseDotTail<3>.run(out, ldo, w, wRowStride, xt, bias, addend, relu, rows, column, k)
    default: PointwiseDotTail<4>.run(out, ldo, w, wRowStride, xt, bias, addend, relu, rows, column, k)
    }
  }
  if count * k <= 4096 {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: count * k) { run($0.baseAddress!) }
  } else {
    let xt = allocateAligned(count * k)
    defer { releaseAligned(xt, count * k) }
    run(xt)
  }
}

/// `pointwiseDotTail` for `count` columns (a compile-time constant: only the live accumulators exist).
enum PointwiseDotTail<let count: Int> {
  /// out[i, column + j] = [addend[i, column + j] +] (bias[i] +) Σ_p w[i, p] · xt[j, p] for i in rows, j < count.
  /// xt: (count, k)
  @inline(never)
  static func run(_ out: UnsafeMutablePointer<Float>, _ ldo: Int, _ w: UnsafePointer<Float>, _ wRowStride: Int,
                  _ xt: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ addend: UnsafePointer<Float>?,
                  _ relu: Bool, _ rows: Range<Int>, _ column: Int, _ k: Int) {
    typealias V = FloatVector
    let kv = k / V.scalarCount * V.scalarCount
    // Rows of xt past `count` are never read: their pointers repeat row 0 and their products are dropped.
    let x0 = UnsafeRawPointer(xt), x1 = UnsafeRawPointer(xt + (count > 1 ? k : 0))
    let x2 = UnsafeRawPointer(xt + (count > 2 ? 2 * k : 0)), x3 = UnsafeRawPointer(xt + (count > 3 ? 3 * k : 0))
    // Finishes output (i, column + j) from its accumulator: scalar tail of k, then bias, then the addend.
    @inline(__always) func finish(_ i: Int, _ j: Int, _ a: V) {
      var sum = horizontalSum(a)
      let wi = w + i * wRowStride, xj = xt + j * k
      for p in kv..<k { sum += wi[p] * xj[p] }
      let o = i * ldo + column + j
      if let addend {
        out[o] = addend[o] + (bias.map { $0[i] + sum } ?? sum)
      } else {
        out[o] = (bias?[i] ?? 0) + sum
      }
      if relu && out[o] < 0 { out[o] = 0 }
    }
    let end = kv * MemoryLayout<Float>.stride
    var i = rows.lowerBound
    while i < rows.upperBound {
      let height = min(4, rows.upperBound - i)
      // Rows past `height` repeat the last valid row; their sums are not stored.
      let w0 = UnsafeRawPointer(w + i * wRowStride)
      let w1 = UnsafeRawPointer(w + (i + min(1, height - 1)) * wRowStride)
      let w2 = UnsafeRawPointer(w + (i + min(2, height - 1)) * wRowStride)
      let w3 = UnsafeRawPointer(w + (i + min(3, height - 1)) * wRowStride)
      var a00 = V(), a01 = V(), a02 = V(), a03 = V(), a10 = V(), a11 = V(), a12 = V(), a13 = V()
      var a20 = V(), a21 = V(), a22 = V(), a23 = V(), a30 = V(), a31 = V(), a32 = V(), a33 = V()
      var offset = 0
      while offset < end {
        let b0 = x0.loadUnaligned(fromByteOffset: offset, as: V.self)
        let b1 = count > 1 ? x1.loadUnaligned(fromByteOffset: offset, as: V.self) : V()
        let b2 = count > 2 ? x2.loadUnaligned(fromByteOffset: offset, as: V.self) : V()
        let b3 = count > 3 ? x3.loadUnaligned(fromByteOffset: offset, as: V.self) : V()
        let v0 = w0.loadUnaligned(fromByteOffset: offset, as: V.self)
        let v1 = w1.loadUnaligned(fromByteOffset: offset, as: V.self)
        let v2 = w2.loadUnaligned(fromByteOffset: offset, as: V.self)
        let v3 = w3.loadUnaligned(fromByteOffset: offset, as: V.self)
        a00.addProduct(v0, b0); a10.addProduct(v1, b0); a20.addProduct(v2, b0); a30.addProduct(v3, b0)
        if count > 1 { a01.addProduct(v0, b1); a11.addProduct(v1, b1); a21.addProduct(v2, b1); a31.addProduct(v3, b1) }
        if count > 2 { a02.addProduct(v0, b2); a12.addProduct(v1, b2); a22.addProduct(v2, b2); a32.addProduct(v3, b2) }
        if count > 3 { a03.addProduct(v0, b3); a13.addProduct(v1, b3); a23.addProduct(v2, b3); a33.addProduct(v3, b3) }
        offset &+= MemoryLayout<V>.size
      }
      @inline(__always) func finishRow(_ r: Int, _ c0: V, _ c1: V, _ c2: V, _ c3: V) {
        if r >= height { return }
        finish(i + r, 0, c0)
        if count > 1 { finish(i + r, 1, c1) }
        if count > 2 { finish(i + r, 2, c2) }
        if count > 3 { finish(i + r, 3, c3) }
      }
      finishRow(0, a00, a01, a02, a03)
      finishRow(1, a10, a11, a12, a13)
      finishRow(2, a20, a21, a22, a23)
      finishRow(3, a30, a31, a32, a33)
      i += height
    }
  }
}

/// The sum of a vector's lanes, by halves (a shuffle and an add per halving, not 15 dependent scalar adds).
@inline(__always)
func horizontalSum(_ v: FloatVector) -> Float {
  #if NAS_AVX512
  let h8 = v.lowHalf + v.highHalf
  #else
  let h8 = v
  #endif
  let h4 = h8.lowHalf + h8.highHalf
  let h2 = h4.lowHalf + h4.highHalf
  return h2[0] + h2[1]
}

/// The weight layout code of `PointwiseTiles` for these strides: 0 when the column stride is 1 (w row-major,
/// the forward conv), 1 when the row stride is 1 (w read transposed, the input gradient), else 2.
func pointwiseLayout(wRowStride: Int, wColumnStride: Int) -> Int {
  wColumnStride == 1 ? 0 : wRowStride == 1 ? 1 : 2
}

/// Runs one register tile (see `PointwiseKernel.tile`) of `rows` (1…PointwiseTile.rows) rows, a full strip
/// (`PointwiseTile.vectors` vectors) or one vector, for weight layout `layout` (see `pointwiseLayout`).
@inline(__always)
func pointwiseTile(_ layout: Int, _ out: UnsafeMutablePointer<Float>, _ ldo: Int, _ w: UnsafePointer<Float>,
                   _ wRowStride: Int, _ wColumnStride: Int, _ x: UnsafePointer<Float>, _ ldx: Int,
                   _ bias: UnsafePointer<Float>?, _ k: Int, _ addend: UnsafePointer<Float>?, _ relu: Bool,
                   _ rows: Int, _ full: Bool) {
  switch layout {
  case 0: PointwiseTiles<0>.tile(out, ldo, w, wRowStride, 1, x, ldx, bias, k, addend, relu, rows, full)
  case 1: PointwiseTiles<1>.tile(out, ldo, w, 1, wColumnStride, x, ldx, bias, k, addend, relu, rows, full)
  default: PointwiseTiles<2>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu, rows, full)
  }
}

/// Register tiles for one weight layout (`layout` 0: w[i, p] at i·rowStride + p; 1: at i + p·columnStride;
/// 2: at i·rowStride + p·columnStride).
enum PointwiseTiles<let layout: Int> {
  /// Runs the `PointwiseKernel` specialisation for `rows` (1…PointwiseTile.rows) and the strip width.
  static func tile(_ out: UnsafeMutablePointer<Float>, _ ldo: Int, _ w: UnsafePointer<Float>, _ wRowStride: Int,
                   _ wColumnStride: Int, _ x: UnsafePointer<Float>, _ ldx: Int, _ bias: UnsafePointer<Float>?,
                   _ k: Int, _ addend: UnsafePointer<Float>?, _ relu: Bool, _ rows: Int, _ full: Bool) {
    #if NAS_AVX512
    if full {
      switch rows {
      case 8: PointwiseKernel<8, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 7: PointwiseKernel<7, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 6: PointwiseKernel<6, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 5: PointwiseKernel<5, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 4: PointwiseKernel<4, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 3: PointwiseKernel<3, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 2: PointwiseKernel<2, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      default: PointwiseKernel<1, 3, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      }
    } else {
      switch rows {
      case 8: PointwiseKernel<8, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 7: PointwiseKernel<7, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 6: PointwiseKernel<6, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 5: PointwiseKernel<5, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 4: PointwiseKernel<4, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 3: PointwiseKernel<3, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 2: PointwiseKernel<2, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      default: PointwiseKernel<1, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      }
    }
    #else
    if full {
      switch rows {
      case 4: PointwiseKernel<4, 2, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 3: PointwiseKernel<3, 2, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 2: PointwiseKernel<2, 2, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      default: PointwiseKernel<1, 2, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      }
    } else {
      switch rows {
      case 4: PointwiseKernel<4, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 3: PointwiseKernel<3, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      case 2: PointwiseKernel<2, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      default: PointwiseKernel<1, 1, layout>.tile(out, ldo, w, wRowStride, wColumnStride, x, ldx, bias, k, addend, relu)
      }
    }
    #endif
  }
}

/// One register tile, specialised per row count (≤ 8), vector count (≤ 3) and weight layout: the guards on
/// `rows` and `vectors` below fold away, so only the live accumulators exist.
enum PointwiseKernel<let rows: Int, let vectors: Int, let layout: Int> {
  /// out[0..<rows, 0..<vectors·width] = bias + w[0..<rows, :] · x[:, 0..<vectors·width], or with `addend`
  /// (same row stride `ldo`, possibly out) addend + (bias + w · x); max(·, 0) of that with `relu`.
  @inline(never)
  static func tile(_ out: UnsafeMutablePointer<Float>, _ ldo: Int, _ w: UnsafePointer<Float>, _ wRowStride: Int,
                   _ wColumnStride: Int, _ x: UnsafePointer<Float>, _ ldx: Int, _ bias: UnsafePointer<Float>?,
                   _ k: Int, _ addend: UnsafePointer<Float>?, _ relu: Bool) {
    typealias V = FloatVector
    let vb = MemoryLayout<V>.size
    @inline(__always) func initial(_ i: Int) -> V {
      if i < rows, let bias { return V(repeating: bias[i]) }
      return V()
    }
    var a00 = initial(0), a01 = a00, a02 = a00
    var a10 = initial(1), a11 = a10, a12 = a10
    var a20 = initial(2), a21 = a20, a22 = a20
    var a30 = initial(3), a31 = a30, a32 = a30
    var a40 = initial(4), a41 = a40, a42 = a40
    var a50 = initial(5), a51 = a50, a52 = a50
    var a60 = initial(6), a61 = a60, a62 = a60
    var a70 = initial(7), a71 = a70, a72 = a70
    // One base pointer per weight row and a shared offset q, with a constant row or column stride when the
    // layout has one: the row addresses are then independent (a chain w + s, + s, + s … costs one add of
    // latency per row per step and made 1-vector tiles 2× slower).
    let rowStride = layout == 1 ? 1 : wRowStride
    let columnStride = layout == 0 ? 1 : wColumnStride
    let w0 = w, w1 = w + rowStride, w2 = w + 2 * rowStride, w3 = w + 3 * rowStride
    let w4 = w + 4 * rowStride, w5 = w + 5 * rowStride, w6 = w + 6 * rowStride, w7 = w + 7 * rowStride
    var q = 0
    var xp = UnsafeRawPointer(x)
    let xStep = ldx * MemoryLayout<Float>.stride
    for _ in 0..<k {
      let x0 = xp.loadUnaligned(as: V.self)
      let x1 = vectors > 1 ? xp.loadUnaligned(fromByteOffset: vb, as: V.self) : V()
      let x2 = vectors > 2 ? xp.loadUnaligned(fromByteOffset: 2 * vb, as: V.self) : V()
      var s = V(repeating: w0[q])
      a00.addProduct(s, x0)
      if vectors > 1 { a01.addProduct(s, x1) }
      if vectors > 2 { a02.addProduct(s, x2) }
      if rows > 1 {
        s = V(repeating: w1[q])
        a10.addProduct(s, x0)
        if vectors > 1 { a11.addProduct(s, x1) }
        if vectors > 2 { a12.addProduct(s, x2) }
      }
      if rows > 2 {
        s = V(repeating: w2[q])
        a20.addProduct(s, x0)
        if vectors > 1 { a21.addProduct(s, x1) }
        if vectors > 2 { a22.addProduct(s, x2) }
      }
      if rows > 3 {
        s = V(repeating: w3[q])
        a30.addProduct(s, x0)
        if vectors > 1 { a31.addProduct(s, x1) }
        if vectors > 2 { a32.addProduct(s, x2) }
      }
      if rows > 4 {
        s = V(repeating: w4[q])
        a40.addProduct(s, x0)
        if vectors > 1 { a41.addProduct(s, x1) }
        if vectors > 2 { a42.addProduct(s, x2) }
      }
      if rows > 5 {
        s = V(repeating: w5[q])
        a50.addProduct(s, x0)
        if vectors > 1 { a51.addProduct(s, x1) }
        if vectors > 2 { a52.addProduct(s, x2) }
      }
      if rows > 6 {
        s = V(repeating: w6[q])
        a60.addProduct(s, x0)
        if vectors > 1 { a61.addProduct(s, x1) }
        if vectors > 2 { a62.addProduct(s, x2) }
      }
      if rows > 7 {
        s = V(repeating: w7[q])
        a70.addProduct(s, x0)
        if vectors > 1 { a71.addProduct(s, x1) }
        if vectors > 2 { a72.addProduct(s, x2) }
      }
      q &+= columnStride  // wrapping: no overflow check in the loop (q < k · columnStride by construction)
      xp += xStep
    }
    // Without an addend it reads the (unused) out rows' addresses, never their values.
    let add = addend != nil, a = addend ?? UnsafePointer(out)
    storeVectors(out, a, a00, a01, a02, vectors, add, relu)
    if rows > 1 { storeVectors(out + ldo, a + ldo, a10, a11, a12, vectors, add, relu) }
    if rows > 2 { storeVectors(out + 2 * ldo, a + 2 * ldo, a20, a21, a22, vectors, add, relu) }
    if rows > 3 { storeVectors(out + 3 * ldo, a + 3 * ldo, a30, a31, a32, vectors, add, relu) }
    if rows > 4 { storeVectors(out + 4 * ldo, a + 4 * ldo, a40, a41, a42, vectors, add, relu) }
    if rows > 5 { storeVectors(out + 5 * ldo, a + 5 * ldo, a50, a51, a52, vectors, add, relu) }
    if rows > 6 { storeVectors(out + 6 * ldo, a + 6 * ldo, a60, a61, a62, vectors, add, relu) }
    if rows > 7 { storeVectors(out + 7 * ldo, a + 7 * ldo, a70, a71, a72, vectors, add, relu) }
  }
}

/// Stores the first `count` (≤ 3) of v0, v1, v2 at consecutive vectors of one row, or with `add` the addend row's
/// vectors plus them; max(·, 0) of those with `relu`.
@inline(__always)
func storeVectors(_ row: UnsafeMutablePointer<Float>, _ addendRow: UnsafePointer<Float>, _ v0: FloatVector,
                  _ v1: FloatVector, _ v2: FloatVector, _ count: Int, _ add: Bool, _ relu: Bool = false) {
  let raw = UnsafeMutableRawPointer(row), source = UnsafeRawPointer(addendRow), vb = MemoryLayout<FloatVector>.size
  @inline(__always) func put(_ v: FloatVector, _ offset: Int) {
    var value = add ? source.loadUnaligned(fromByteOffset: offset, as: FloatVector.self) + v : v
    if relu { value = value.replacing(with: 0, where: value .< 0) }
    raw.storeBytes(of: value, toByteOffset: offset, as: FloatVector.self)
  }
  put(v0, 0)
  if count > 1 { put(v1, vb) }
  if count > 2 { put(v2, 2 * vb) }
}
