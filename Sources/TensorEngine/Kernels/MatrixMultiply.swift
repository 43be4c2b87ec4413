import CBLAS
import NASKernels

/// The engine's row-major GEMM: C = alpha·op(A)·op(B) + beta·C, run by the Swift SIMD kernel
/// (`NASKernels.sgemm`, split over `threads` workers) or by OpenBLAS (`cblas_sgemm`, single-threaded under the
/// engine), as `EngineGemm.policy` decides from the sizes alone. Either way the result does not depend on the
/// thread count.
///
/// - Parameters:
///   - c: (m, n), row stride ldc
///   - a: (m, k) or, transposed, (k, m); row stride lda
///   - b: (k, n) or, transposed, (n, k); row stride ldb
func engineSgemm(_ c: UnsafeMutablePointer<Float>, ldc: Int,
                 _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                 _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                 m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0, threads: Int = EngineThreads.count) {
  EngineGemm.run(GemmCall(c: c, ldc: ldc, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                          transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, beta: beta, threads: threads))
}

/// Which GEMM implementation the engine uses for which sizes.
///
/// Measured with nas-bench (`sgemm/*` pairs: Swift vs OpenBLAS at the same size, and `conv/*` vs
/// `conv-openblas/*`), release build with `-Xswiftc -target-cpu -Xswiftc haswell`, on the 2-core AMD EPYC VM
/// while other builds were running (figures noisy; single-thread medians, GFLOP/s Swift / OpenBLAS):
/// square 64: 72 / 92, 128: 96 / 102, 256: 105 / 113, 384: 95 / 91, 512: 24 / 26;
/// conv-shaped M 16 N 784 K 16: 58 / 73, M 32 N 196 K 32: 66 / 84, M 64 N 49 K 64: 58 / 86,
/// M 48 N 1024 K 27 (stem): 89 / 92; weight-gradient M 16 N 16 K 784: 50 / 68.
/// OpenBLAS 0.3.21 is 5–30 % faster single-threaded up to ~256³ on this machine (PLATFORM.md saw it slow at
/// small sizes on another VM; here it is not). Whole convs agree (nas-bench `conv/*` vs the Swift-only policy,
/// batch 64, one thread): 1×1 convs with 32–64 channels and 1×1 stride-2 convs run 1.1–1.6× faster with
/// OpenBLAS per image, the stems about the same. (1×1 convs with ≤ 16 channels use no GEMM at all: see
/// `NASKernels.pointwiseProduct`.) Conv GEMMs run one per image on one thread (the batch is the
/// parallel axis), so the single-thread comparison decides them: `.automatic` sends products below
/// `openBLASMaximumFlops` to OpenBLAS and keeps larger ones on the Swift kernel, which splits them over the
/// engine threads (OpenBLAS stays single-threaded so it never competes with the engine's workers).
public enum EngineGemm {
  public enum Policy: Sendable {
    /// By size, as measured (see above).
    case automatic
    /// Always the Swift kernel (what the runtime runs).
    case swift
    /// Always OpenBLAS.
    case openBLAS
  }

  /// The active policy. Benchmarks switch it to compare implementations; set it before running ops, never
  /// while ops are running.
  nonisolated(unsafe) public static var policy: Policy = .automatic

  /// Products of at most this many flops (2·m·n·k) go to OpenBLAS under `.automatic`: ≈ 2·320³.
  public static let openBLASMaximumFlops = 2 * 320 * 320 * 320

  /// True when OpenBLAS runs this product (a function of the sizes, the transposes and the policy only).
  ///
  /// AVX-512 builds (`NAS_AVX512`): products with neither operand transposed (the conv forwards) and more than
  /// 16 rows (output channels) run the Swift SIMD16 kernels, which read W and X in place. nas-bench, batch 64,
  /// one thread, same run, against OpenBLAS for every product: forward 1×1 convs with 32–64 channels and both
  /// stems took 0.45–0.65× the time; with 4 or 16 channels 1.2–1.9× (a 16-row product fills half an 8×3-vector
  /// tile pass). Transposed products (input and weight gradients) keep the size rule: with them on Swift, the
  /// backward passes of the stem and stride-2 1×1 convs were 1.1–1.9× slower.
  public static func usesOpenBLAS(m: Int, n: Int, k: Int, transposed: Bool = true) -> Bool {
    switch policy {
    case .automatic:
      #if NAS_AVX512
      if !transposed && m > 16 { return false }
      #endif
      return 2 * m * n * k <= openBLASMaximumFlops
    case .swift: return false
    case .openBLAS: return true
    }
  }

  /// OpenBLAS starts with one thread per core; the engine runs it single-threaded (its own workers are the
  /// parallel axis), even when nobody called `EngineThreads.set`. Evaluated once, thread-safely.
  private static let openBLASSingleThreaded: Void = openblas_set_num_threads(1)

  /// Runs one GEMM with the implementation `usesOpenBLAS` picks.
  public static func run(_ call: GemmCall) {
    if call.m == 0 || call.n == 0 { return }
    if usesOpenBLAS(m: call.m, n: call.n, k: call.k, transposed: call.transposeA || call.transposeB) {
      _ = openBLASSingleThreaded
      cblas_sgemm(CblasRowMajor, call.transposeA ? CblasTrans : CblasNoTrans,
                  call.transposeB ? CblasTrans : CblasNoTrans, Int32(call.m), Int32(call.n), Int32(call.k),
                  call.alpha, call.a, Int32(call.lda), call.b, Int32(call.ldb), call.beta, call.c, Int32(call.ldc))
    } else {
      call.runSwift()
    }
  }
}
