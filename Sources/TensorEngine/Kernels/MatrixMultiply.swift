import CBLAS
import NASKernels

/// The engine's row-major GEMM: C = alpha·op(A)·op(B) + beta·C, choosing between the Swift SIMD kernel
/// (`NASKernels.sgemm`, split over `EngineThreads.count` workers) and OpenBLAS (`cblas_sgemm`, one thread).
///
/// Chosen by measurement (nas-bench `sgemm/*` cases, release build with `-target-cpu haswell`, 2-core EPYC):
/// see `EngineGemm.openBLASMinimumFlops`. The choice depends only on the sizes, never on the thread count, and
/// both paths give the same bits for 1 and 2 engine threads (the Swift kernel splits rows or columns only;
/// OpenBLAS runs single-threaded under the engine).
///
/// - Parameters:
///   - c: (m, n), row stride ldc
///   - a: (m, k) or, transposed, (k, m); row stride lda
///   - b: (k, n) or, transposed, (n, k); row stride ldb
func engineSgemm(_ c: UnsafeMutablePointer<Float>, ldc: Int,
                 _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                 _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                 m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0, threads: Int = EngineThreads.count) {
  if m == 0 || n == 0 { return }
  if EngineGemm.useOpenBLAS(m: m, n: n, k: k) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  } else {
    sgemm(c, ldc: ldc, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB,
          m: m, n: n, k: k, alpha: alpha, beta: beta, threads: threads)
  }
}

/// The size rule behind `engineSgemm`.
public enum EngineGemm {
  /// Multiply-adds × 2 from which OpenBLAS runs the product; `Int.max` means "never".
  /// Measured with nas-bench (see the doc comment of `engineSgemm`).
  public static let openBLASMinimumFlops: Int = Int.max

  /// True when OpenBLAS should run this product (a function of the sizes only, for determinism).
  public static func useOpenBLAS(m: Int, n: Int, k: Int) -> Bool {
    2 * m * n * k >= openBLASMinimumFlops
  }
}
