import CBLAS
import NASKernels
import TensorEngine

/// Square sgemm at 64…512, and the GEMM shapes the search network's convs produce: the Swift SIMD8 kernel
/// (`NASKernels.sgemm`) at 1 and 2 threads, each with OpenBLAS at the same thread count as its peer.
func gemmBenchmarkCases() -> [BenchmarkCase] {
  var cases: [BenchmarkCase] = []
  var shapes: [(label: String, m: Int, n: Int, k: Int)] = [64, 96, 128, 192, 256, 320, 384, 512].map {
    ("\($0)", $0, $0, $0)
  }
  // Conv-shaped products (M = Cout, N = OH·OW, K = Cin·k²) and weight-gradient products (N = Cin·k², K = OH·OW).
  shapes += [
    ("pw-c16-784", 16, 784, 16), ("pw-c32-196", 32, 196, 32), ("pw-c64-49", 64, 49, 64),
    ("pw-c64-784", 64, 784, 64), ("stem-c48-1024", 48, 1024, 27), ("wgrad-c16-784", 16, 16, 784),
    ("wgrad-c64-196", 64, 64, 196),
  ]
  for shape in shapes {
    for threads in [1, 2] {
      let name = "sgemm/swift/\(shape.label)/t\(threads)"
      let flops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k)
      let description = "m \(shape.m) n \(shape.n) k \(shape.k)"
      cases.append(BenchmarkCase(name: name, shape: description, threads: threads, flops: flops) { repeats in
        timeGemm(shape.m, shape.n, shape.k, repeats: repeats) { c, a, b in
          sgemm(c, ldc: shape.n, a, lda: shape.k, b, ldb: shape.n, m: shape.m, n: shape.n, k: shape.k,
                threads: threads)
        }
      })
      cases.append(BenchmarkCase(name: "sgemm/openblas/\(shape.label)/t\(threads)", shape: description,
                                 threads: threads, flops: flops, peerOf: name) { repeats in
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return timeGemm(shape.m, shape.n, shape.k, repeats: repeats) { c, a, b in
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(shape.m), Int32(shape.n), Int32(shape.k),
                      1, a, Int32(shape.k), b, Int32(shape.n), 0, c, Int32(shape.n))
        }
      })
    }
  }
  return cases
}

/// Times C (m, n) = A (m, k) · B (k, n) on seeded data.
private func timeGemm(_ m: Int, _ n: Int, _ k: Int, repeats: Int,
                      _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> Void)
  -> Timing {
  var rng = PRNG(seed: 1)
  let a = Tensor.randomUniform([m, k], low: -1, high: 1, using: &rng)
  let b = Tensor.randomUniform([k, n], low: -1, high: 1, using: &rng)
  let c = TensorStorage(zeros: m * n)
  return measure(repeats: repeats, prepare: {}) { body(c.pointer, a.pointer, b.pointer) }
}
