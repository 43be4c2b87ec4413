import Testing
import TensorEngine
import EngineTestSupport

// Small helpers shared by the op tests in this folder.

/// A tensor whose values are a seeded permutation of evenly spaced levels `step` apart, centred on 0:
/// no two elements are within 2·eps of each other, so max-pool winners do not change under finite differences.
func distinctTensor(_ shape: [Int], seed: UInt64, step: Float = 0.01) -> Tensor {
  let n = Tensor.elementCount(shape)
  var rng = PRNG(seed: seed)
  let order = rng.permutation(n)
  return Tensor(shape: shape, values: order.map { (Float($0) - Float(n) / 2) * step })
}

/// Random values in ±[margin, 1): away from kinks at 0.
func tensorAwayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
  let values = randomTensor(shape, seed: seed).values.map { v -> Float in
    abs(v) < margin ? (v < 0 ? -margin - abs(v) : margin + v) : v
  }
  return Tensor(shape: shape, values: values)
}

/// Runs `body` with `threads` engine workers, restoring the previous count.
func withEngineThreads<T>(_ threads: Int, _ body: () -> T) -> T {
  let saved = EngineThreads.count
  EngineThreads.set(threads)
  defer { EngineThreads.set(saved) }
  return body()
}

/// Forward output and input gradients of `f` for a fixed projection, for determinism checks.
func outputAndGradients(_ inputs: [Tensor], seed: UInt64 = 3, _ f: ([Tensor]) -> Tensor) -> [[Float]] {
  let leaves = inputs.enumerated().map { $1.detached().requiringGrad(name: "in\($0)") }
  let out = f(leaves)
  out.backward(gradient: randomTensor(out.shape, seed: seed))
  return [out.values] + leaves.map { $0.grad?.values ?? [] }
}

/// Compares two float arrays and returns a failure message (nil when within tolerance).
func mismatch(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-5) -> String? {
  if actual.count != expected.count { return "\(actual.count) vs \(expected.count) elements" }
  let (maxDiff, mismatches) = compare(actual, expected, rtol: rtol, atol: atol)
  return mismatches.isEmpty ? nil : "max diff \(maxDiff); \(mismatches.joined(separator: "; "))"
}

/// Parent of every op suite in this folder, run one test at a time: autograd's recording switch
/// (`GradMode.isEnabled`, flipped by `noGrad` inside `checkGradients`) and `EngineThreads.count` are
/// process-wide, so a test running concurrently with another test's `noGrad` block would record no graph.
@Suite(.serialized) struct EngineOpTests {}
