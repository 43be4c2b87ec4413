/// Single-precision matrix multiply in pure Swift (no BLAS): C = alpha·op(A)·op(B) + beta·C, row-major.
///
/// Small products whose operands stay in cache (the batch-1 1×1 convs) run the direct kernel of
/// PointwiseConv2D.swift, which reads A and B in place. Larger ones are blocked like BLIS: the K dimension in
/// slices of `kc`, B packed into `GemmTile.columns`-wide panels, A into `GemmTile.rows`-high panels, and a
/// register-tiled micro-kernel: 12×32 under AVX-512 (24 `SIMD16<Float>` accumulators + 2 B vectors + 1
/// broadcast of the 32 zmm registers), else 6×16 (12 `SIMD8<Float>` + 2 + 1 = 15 of the 16 AVX2 registers).
/// Edges are handled by zero-padding in the packed panels and a masked store, so any m, n, k work. Transposes
/// cost nothing extra: they only change how panels are packed.
///
/// With `beta == 0` C is overwritten (NaNs in C are not propagated); otherwise it is scaled by beta first.
/// With `threads > 1` the rows of C (or its columns when m is small) are split into contiguous ranges, one per
/// worker. Every element of C is computed by the same sequence of operations whatever the split, so the result
/// is bit-identical for any thread count.
///
/// Fast only when compiled for a CPU with FMA (`-Xswiftc -target-cpu -Xswiftc haswell` on x86_64; aarch64
/// has it by default); without it `addingProduct` becomes a libm call per lane.
///
/// - Parameters:
///   - c: (m, n) with row stride `ldc`
///   - a: op(A) is (m, k): A is (m, k) with row stride `lda`, or (k, m) when `transposeA`
///   - b: op(B) is (k, n): B is (k, n) with row stride `ldb`, or (n, k) when `transposeB`
public func sgemm(_ c: UnsafeMutablePointer<Float>, ldc: Int,
                  _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                  _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                  m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0, threads: Int = 1) {
  precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m \(m) n \(n) k \(k)")
  precondition(ldc >= max(n, 1), "sgemm: ldc \(ldc) < n \(n)")
  precondition(lda >= max(transposeA ? m : k, 1), "sgemm: lda \(lda) too small for m \(m) k \(k)")
  precondition(ldb >= max(transposeB ? k : n, 1), "sgemm: ldb \(ldb) too small for k \(k) n \(n)")
  if m == 0 || n == 0 { return }
  // Small products whose operands stay in cache: the direct kernel reads A and B in place (no packing).
  if !transposeB && alpha == 1 && (beta == 0 || beta == 1) && pointwiseProductFits(m: m, n: n, k: k) {
    pointwiseProduct(c, ldo: ldc, a, wRowStride: transposeA ? 1 : lda, wColumnStride: transposeA ? lda : 1, b,
                     ldx: ldb, bias: nil, m: m, n: n, k: k, accumulate: beta == 1, threads: threads)
    return
  }
  sgemmBlocked(c, ldc: ldc, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB,
               m: m, n: n, k: k, alpha: alpha, beta: beta, threads: threads)
}

/// `sgemm` through the packed, cache-blocked kernel whatever the sizes (sgemm's route for large products).
func sgemmBlocked(_ c: UnsafeMutablePointer<Float>, ldc: Int,
                  _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                  _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                  m: Int, n: Int, k: Int, alpha: Float, beta: Float, threads: Int) {
  if m == 0 || n == 0 { return }
  let operands = GemmOperands(a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                              c: c, ldc: ldc, alpha: alpha, beta: beta, k: k)
  let workers = max(1, min(threads, 64))
  // Below ~1M multiply-adds (≈ 10–20 µs of work) waking workers costs more than it saves.
  if workers == 1 || m * n * k < 1 << 20 {
    gemmBlock(operands, rows: 0..<m, columns: 0..<n)
    return
  }
  // Split rows when there are enough of them for every worker, else columns; ranges keep panel alignment.
  if m >= workers * 2 * GemmTile.rows {
    let panels = (m + GemmTile.rows - 1) / GemmTile.rows
    concurrentRanges(panels, threads: workers) { range in
      gemmBlock(operands, rows: (range.lowerBound * GemmTile.rows)..<min(m, range.upperBound * GemmTile.rows),
                columns: 0..<n)
    }
  } else {
    let panels = (n + GemmTile.columns - 1) / GemmTile.columns
    concurrentRanges(panels, threads: workers) { range in
      gemmBlock(operands, rows: 0..<m,
                columns: (range.lowerBound * GemmTile.columns)..<min(n, range.upperBound * GemmTile.columns))
    }
  }
}

/// The arguments of one `sgemm` call, for code that lets its caller choose the GEMM implementation
/// (the engine routes some sizes to OpenBLAS; the runtime always uses `sgemm`).
public struct GemmCall {
  public var c: UnsafeMutablePointer<Float>, ldc: Int
  public var a: UnsafePointer<Float>, lda: Int, transposeA: Bool
  public var b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
  public var m: Int, n: Int, k: Int
  public var alpha: Float, beta: Float
  /// Workers the call may use; an implementation may use fewer.
  public var threads: Int

  public init(c: UnsafeMutablePointer<Float>, ldc: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
              b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, m: Int, n: Int, k: Int,
              alpha: Float = 1, beta: Float = 0, threads: Int = 1) {
    self.c = c; self.ldc = ldc
    self.a = a; self.lda = lda; self.transposeA = transposeA
    self.b = b; self.ldb = ldb; self.transposeB = transposeB
    self.m = m; self.n = n; self.k = k
    self.alpha = alpha; self.beta = beta; self.threads = threads
  }

  /// Runs the call with the Swift kernel.
  public func runSwift() {
    sgemm(c, ldc: ldc, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB,
          m: m, n: n, k: k, alpha: alpha, beta: beta, threads: threads)
  }
}

/// A GEMM implementation with `sgemm`'s semantics. It must give the same result for any `threads`.
public typealias GemmFunction = (GemmCall) -> Void

/// Tile and block sizes (BLIS Haswell values: kc 256 keeps a 6×256 A panel and a 256×16 B panel in L1/L2;
/// under AVX-512 the 256×32 B panel is 32 KB, inside the 48 KB L1 of these cores).
@usableFromInline
enum GemmTile {
  #if NAS_AVX512
  static var rows: Int { 12 }
  #else
  static var rows: Int { 6 }
  #endif
  static var columns: Int { 2 * FloatVector.scalarCount }
  static var kc: Int { 256 }
  /// A multiple of both row counts.
  static var mc: Int { 72 }
  /// A multiple of both column counts.
  static var nc: Int { 4096 }
}

/// The operands of one sgemm call, passed to workers (pointers only; no ownership).
struct GemmOperands: @unchecked Sendable {
  let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
  let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
  let c: UnsafeMutablePointer<Float>, ldc: Int
  let alpha: Float, beta: Float, k: Int
}

/// Computes the block C[rows, columns] of one sgemm call on the calling thread.
func gemmBlock(_ o: GemmOperands, rows: Range<Int>, columns: Range<Int>) {
  if rows.isEmpty || columns.isEmpty { return }
  // With beta == 0 the first K slice stores into C (no clearing pass); otherwise C is scaled once up front and
  // every slice accumulates. k == 0 or alpha == 0 leaves beta·C.
  let overwriteFirstSlice = o.beta == 0 && o.k > 0 && o.alpha != 0
  if !overwriteFirstSlice && o.beta != 1 {
    for i in rows {
      let row = o.c + i * o.ldc
      if o.beta == 0 {
        (row + columns.lowerBound).update(repeating: 0, count: columns.count)
      } else {
        for j in columns { row[j] *= o.beta }
      }
    }
  }
  if o.k == 0 || o.alpha == 0 { return }

  let ncMax = min(GemmTile.nc, roundUp(columns.count, GemmTile.columns))
  let mcMax = min(GemmTile.mc, roundUp(rows.count, GemmTile.rows))
  let kcMax = min(GemmTile.kc, o.k)
  let packedB = allocateAligned(kcMax * ncMax)
  let packedA = allocateAligned(kcMax * mcMax)
  defer {
    releaseAligned(packedB, kcMax * ncMax)
    releaseAligned(packedA, kcMax * mcMax)
  }
  var jc = columns.lowerBound
  while jc < columns.upperBound {
    let nc = min(GemmTile.nc, columns.upperBound - jc)
    var pc = 0
    while pc < o.k {
      let kc = min(GemmTile.kc, o.k - pc)
      packB(packedB, o, k0: pc, kc: kc, j0: jc, nc: nc)
      var ic = rows.lowerBound
      while ic < rows.upperBound {
        let mc = min(GemmTile.mc, rows.upperBound - ic)
        packA(packedA, o, i0: ic, mc: mc, k0: pc, kc: kc)
        var jr = 0
        while jr < nc {
          let bPanel = UnsafePointer(packedB + jr * kc)
          let cols = min(GemmTile.columns, nc - jr)
          var ir = 0
          while ir < mc {
            let rowsHere = min(GemmTile.rows, mc - ir)
            gemmMicroKernel(o.c + (ic + ir) * o.ldc + jc + jr, ldc: o.ldc,
                                UnsafePointer(packedA + ir * kc), bPanel, kc: kc, alpha: o.alpha,
                                rows: rowsHere, columns: cols, overwrite: overwriteFirstSlice && pc == 0)
            ir += GemmTile.rows
          }
          jr += GemmTile.columns
        }
        ic += mc
      }
      pc += kc
    }
    jc += nc
  }
}

/// Packs op(B)[k0..<k0+kc, j0..<j0+nc] into 16-column panels: panel q holds, for each p, 16 consecutive
/// values B[k0+p, j0+16q ..< j0+16q+16], zero-padded past nc.  packed: (ceil(nc/16), kc, 16)
func packB(_ packed: UnsafeMutablePointer<Float>, _ o: GemmOperands, k0: Int, kc: Int, j0: Int, nc: Int) {
  var q = 0
  while q * GemmTile.columns < nc {
    let panel = packed + q * GemmTile.columns * kc
    let jStart = j0 + q * GemmTile.columns
    let width = min(GemmTile.columns, nc - q * GemmTile.columns)
    if !o.transposeB {
      for p in 0..<kc {
        let src = o.b + (k0 + p) * o.ldb + jStart
        let dst = panel + p * GemmTile.columns
        if width == GemmTile.columns {
          let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
          let vb = MemoryLayout<FloatVector>.size
          to.storeBytes(of: from.loadUnaligned(as: FloatVector.self), as: FloatVector.self)
          to.storeBytes(of: from.loadUnaligned(fromByteOffset: vb, as: FloatVector.self), toByteOffset: vb,
                        as: FloatVector.self)
        } else {
          dst.update(from: src, count: width)
          (dst + width).update(repeating: 0, count: GemmTile.columns - width)
        }
      }
    } else {
      // B is (n, k): column j of op(B) is row j of B.
      if width < GemmTile.columns { panel.update(repeating: 0, count: kc * GemmTile.columns) }
      for jj in 0..<width {
        let src = o.b + (jStart + jj) * o.ldb + k0
        var dst = panel + jj
        for p in 0..<kc {
          dst.pointee = src[p]
          dst += GemmTile.columns
        }
      }
    }
    q += 1
  }
}

/// Packs op(A)[i0..<i0+mc, k0..<k0+kc] into 6-row panels: panel r holds, for each p, the 6 values
/// A[i0+6r ..< i0+6r+6, k0+p], zero-padded past mc.  packed: (ceil(mc/6), kc, 6)
func packA(_ packed: UnsafeMutablePointer<Float>, _ o: GemmOperands, i0: Int, mc: Int, k0: Int, kc: Int) {
  var r = 0
  while r * GemmTile.rows < mc {
    let panel = packed + r * GemmTile.rows * kc
    let iStart = i0 + r * GemmTile.rows
    let height = min(GemmTile.rows, mc - r * GemmTile.rows)
    if height < GemmTile.rows { panel.update(repeating: 0, count: kc * GemmTile.rows) }
    if !o.transposeA {
      for ii in 0..<height {
        let src = o.a + (iStart + ii) * o.lda + k0
        var dst = panel + ii
        for p in 0..<kc {
          dst.pointee = src[p]
          dst += GemmTile.rows
        }
      }
    } else {
      // A is (k, m): row i of op(A) is column i of A, so each p reads `height` consecutive values.
      for p in 0..<kc {
        let src = o.a + (k0 + p) * o.lda + iStart
        let dst = panel + p * GemmTile.rows
        for ii in 0..<height { dst[ii] = src[ii] }
      }
    }
    r += 1
  }
}

/// c[0..<rows, 0..<columns] += alpha · (rows×kc panel of A) · (kc×columns panel of B), accumulators in
/// registers (GemmTile.rows × 2 FloatVectors); with `overwrite` the product is stored instead of added.
@inline(__always)
func gemmMicroKernel(_ c: UnsafeMutablePointer<Float>, ldc: Int,
                     _ aPanel: UnsafePointer<Float>, _ bPanel: UnsafePointer<Float>,
                     kc: Int, alpha: Float, rows: Int, columns: Int, overwrite: Bool) {
  typealias V = FloatVector
  let vb = MemoryLayout<V>.size
  var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
  var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
  #if NAS_AVX512
  var c60 = V(), c61 = V(), c70 = V(), c71 = V(), c80 = V(), c81 = V()
  var c90 = V(), c91 = V(), ca0 = V(), ca1 = V(), cb0 = V(), cb1 = V()
  #endif
  var ap = aPanel
  var bp = UnsafeRawPointer(bPanel)
  for _ in 0..<kc {
    let b0 = bp.loadUnaligned(as: V.self)
    let b1 = bp.loadUnaligned(fromByteOffset: vb, as: V.self)
    var s = V(repeating: ap[0])
    c00.addProduct(s, b0); c01.addProduct(s, b1)
    s = V(repeating: ap[1])
    c10.addProduct(s, b0); c11.addProduct(s, b1)
    s = V(repeating: ap[2])
    c20.addProduct(s, b0); c21.addProduct(s, b1)
    s = V(repeating: ap[3])
    c30.addProduct(s, b0); c31.addProduct(s, b1)
    s = V(repeating: ap[4])
    c40.addProduct(s, b0); c41.addProduct(s, b1)
    s = V(repeating: ap[5])
    c50.addProduct(s, b0); c51.addProduct(s, b1)
    #if NAS_AVX512
    s = V(repeating: ap[6])
    c60.addProduct(s, b0); c61.addProduct(s, b1)
    s = V(repeating: ap[7])
    c70.addProduct(s, b0); c71.addProduct(s, b1)
    s = V(repeating: ap[8])
    c80.addProduct(s, b0); c81.addProduct(s, b1)
    s = V(repeating: ap[9])
    c90.addProduct(s, b0); c91.addProduct(s, b1)
    s = V(repeating: ap[10])
    ca0.addProduct(s, b0); ca1.addProduct(s, b1)
    s = V(repeating: ap[11])
    cb0.addProduct(s, b0); cb1.addProduct(s, b1)
    #endif
    ap += GemmTile.rows
    bp += 2 * vb
  }
  let scale = V(repeating: alpha)
  if columns == GemmTile.columns {
    // Full-width tile: whole-vector stores for each valid row (fewer rows only at the bottom edge of C).
    storeRow(c, c00 * scale, c01 * scale, overwrite)
    if rows > 1 { storeRow(c + ldc, c10 * scale, c11 * scale, overwrite) }
    if rows > 2 { storeRow(c + 2 * ldc, c20 * scale, c21 * scale, overwrite) }
    if rows > 3 { storeRow(c + 3 * ldc, c30 * scale, c31 * scale, overwrite) }
    if rows > 4 { storeRow(c + 4 * ldc, c40 * scale, c41 * scale, overwrite) }
    if rows > 5 { storeRow(c + 5 * ldc, c50 * scale, c51 * scale, overwrite) }
    #if NAS_AVX512
    if rows > 6 { storeRow(c + 6 * ldc, c60 * scale, c61 * scale, overwrite) }
    if rows > 7 { storeRow(c + 7 * ldc, c70 * scale, c71 * scale, overwrite) }
    if rows > 8 { storeRow(c + 8 * ldc, c80 * scale, c81 * scale, overwrite) }
    if rows > 9 { storeRow(c + 9 * ldc, c90 * scale, c91 * scale, overwrite) }
    if rows > 10 { storeRow(c + 10 * ldc, ca0 * scale, ca1 * scale, overwrite) }
    if rows > 11 { storeRow(c + 11 * ldc, cb0 * scale, cb1 * scale, overwrite) }
    #endif
    return
  }
  // Right-edge tile: spill to a local tile, then store the valid part.
  withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * GemmTile.rows) { tile in
    tile[0] = c00 * scale; tile[1] = c01 * scale
    tile[2] = c10 * scale; tile[3] = c11 * scale
    tile[4] = c20 * scale; tile[5] = c21 * scale
    tile[6] = c30 * scale; tile[7] = c31 * scale
    tile[8] = c40 * scale; tile[9] = c41 * scale
    tile[10] = c50 * scale; tile[11] = c51 * scale
    #if NAS_AVX512
    tile[12] = c60 * scale; tile[13] = c61 * scale
    tile[14] = c70 * scale; tile[15] = c71 * scale
    tile[16] = c80 * scale; tile[17] = c81 * scale
    tile[18] = c90 * scale; tile[19] = c91 * scale
    tile[20] = ca0 * scale; tile[21] = ca1 * scale
    tile[22] = cb0 * scale; tile[23] = cb1 * scale
    #endif
    let values = UnsafeRawPointer(tile.baseAddress!).assumingMemoryBound(to: Float.self)
    for i in 0..<rows {
      let row = c + i * ldc
      let src = values + i * GemmTile.columns
      if overwrite {
        for j in 0..<columns { row[j] = src[j] }
      } else {
        for j in 0..<columns { row[j] += src[j] }
      }
    }
  }
}

/// Stores (or adds into) 2 FloatVectors of consecutive floats of one row of C.
@inline(__always)
func storeRow(_ row: UnsafeMutablePointer<Float>, _ v0: FloatVector, _ v1: FloatVector, _ overwrite: Bool) {
  storeVectors(row, UnsafePointer(row), v0, v1, v1, 2, !overwrite)
}

@inline(__always)
func roundUp(_ x: Int, _ multiple: Int) -> Int { (x + multiple - 1) / multiple * multiple }

/// A 64-byte-aligned scratch buffer of `count` floats (uninitialised) from the shared buffer cache; give it back
/// with `releaseAligned(_:_:)` and the same count.
func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Float> {
  AlignedBufferCache.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
    .bindMemory(to: Float.self, capacity: max(count, 1))
}

/// Returns a buffer from `allocateAligned(count)` to the cache.
func releaseAligned(_ buffer: UnsafeMutablePointer<Float>, _ count: Int) {
  AlignedBufferCache.shared.release(UnsafeMutableRawPointer(buffer), bytes: max(count, 1) * MemoryLayout<Float>.stride)
}
