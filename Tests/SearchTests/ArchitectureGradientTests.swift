import Testing
import NN
import TensorEngine
import Datasets
@testable import Search

/// The first-order architecture gradient d L_val / d(α, β) on a tiny supernet against central differences.
@Suite struct ArchitectureGradientTests {
  @Test(arguments: [(1, false), (4, true)])
  func architectureGradientMatchesFiniteDifferences(k: Int, beta: Bool) throws {
    let shape = NetworkShape(inputChannels: 1, height: 8, width: 8, classes: 3)
    let net = try Supernet(SupernetConfiguration(shape: shape, layers: 3, initChannels: 8, partialChannels: k,
                                                 edgeNormalization: beta), seed: 3)
    // Larger α so that the softmax is far from uniform and the gradient is not tiny.
    var rng = PRNG(seed: 11)
    for p in net.architectureParameters { p.assign(Tensor.randomNormal(p.shape, std: 0.5, using: &rng)) }
    let x = Tensor.randomNormal([4, 1, 8, 8], using: &rng)
    let labels = [0, 1, 2, 1]
    // Evaluation-mode BN would use untrained running stats; training mode keeps the loss a smooth function of α
    // (batch statistics), and no dropout is active, so the loss is deterministic.
    func loss() -> Double {
      Double(Tensor.crossEntropy(logits: net.forward(x, ForwardContext(training: true)), labels: labels).scalarValue)
    }
    for p in net.weightParameters { p.requiresGrad = false }
    let value = Tensor.crossEntropy(logits: net.forward(x, ForwardContext(training: true)), labels: labels)
    value.backward()
    var worst = 0.0
    for p in net.architectureParameters {
      let analytic = p.grad!.values
      for i in stride(from: 0, to: p.count, by: 3) {
        let saved = p.data[i]
        let eps: Float = 1e-2
        p.data[i] = saved + eps
        let plus = noGrad { loss() }
        p.data[i] = saved - eps
        let minus = noGrad { loss() }
        p.data[i] = saved
        let numeric = (plus - minus) / Double(2 * eps)
        let error = abs(numeric - Double(analytic[i]))
        worst = max(worst, error)
        #expect(error <= 2e-3 + 0.05 * abs(numeric), "\(p.name)[\(i)]: analytic \(analytic[i]) numeric \(numeric)")
      }
    }
    print("architecture gradient (K=\(k), β=\(beta)): max abs error \(worst)")
  }
}
