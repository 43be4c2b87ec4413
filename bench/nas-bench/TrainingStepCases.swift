import NN
import TensorEngine

/// Time of one training step (forward, cross-entropy, backward, SGD) of a small CNN and of a searched-cell
/// evaluation network, batch 64 on 1×28×28, at 1 and 2 threads.
func trainingStepBenchmarkCases() -> [BenchmarkCase] {
  var cases: [BenchmarkCase] = []
  for threads in [1, 2] {
    cases.append(BenchmarkCase(name: "train/small-cnn-step", shape: "conv8-conv16-fc n64 1x28x28", threads: threads,
                               flops: smallCNNFlops(batch: 64)) { repeats in
      EngineThreads.set(threads)
      var rng = PRNG(seed: 1)
      let conv1 = Parameter(name: "conv1", Tensor.randomNormal([8, 1, 3, 3], std: 0.3, using: &rng))
      let conv2 = Parameter(name: "conv2", Tensor.randomNormal([16, 8, 3, 3], std: 0.1, using: &rng))
      let fc = Parameter(name: "fc", Tensor.randomNormal([10, 16 * 7 * 7], std: 0.03, using: &rng))
      let sgd = SGD([conv1, conv2, fc], learningRate: 0.01, momentum: 0.9)
      let x = Tensor.randomNormal([64, 1, 28, 28], using: &rng)
      let labels = (0..<64).map { $0 % 10 }
      return measure(repeats: repeats, prepare: {}) {
        sgd.zeroGrad()
        var h = x.conv2d(weight: conv1.value, padding: 1).relu().maxPool2d(kernel: 2, stride: 2)
        h = h.conv2d(weight: conv2.value, padding: 1).relu().maxPool2d(kernel: 2, stride: 2)
        Tensor.crossEntropy(logits: h.reshaped([64, -1]).linear(weight: fc.value), labels: labels).backward()
        sgd.step()
      }
    })
    cases.append(BenchmarkCase(name: "train/pc-darts-net-step", shape: "PC_DARTS C16 L8 aux n64 1x28x28",
                               threads: threads, flops: 0) { repeats in
      EngineThreads.set(threads)
      let network = try! EvaluationNetwork(genotype: try! Genotype.published("PC_DARTS"),
                                           shape: NetworkShape(inputChannels: 1, height: 28, width: 28, classes: 10),
                                           initChannels: 16, layers: 8, auxiliary: true, seed: 1)
      let sgd = SGD(network.parameters, learningRate: 0.025, momentum: 0.9, weightDecay: 3e-4)
      var rng = PRNG(seed: 2)
      let x = Tensor.randomNormal([64, 1, 28, 28], using: &rng)
      let labels = (0..<64).map { $0 % 10 }
      var step: UInt64 = 0
      return measure(repeats: repeats, prepare: { () -> ForwardContext in
        step += 1
        return ForwardContext(training: true, seed: step, dropPathProbability: 0.2)
      }) { context in
        sgd.zeroGrad()
        let (logits, auxiliary) = network.forwardWithAuxiliary(x, context)
        var loss = Tensor.crossEntropy(logits: logits, labels: labels)
        if let auxiliary { loss = loss + Tensor.crossEntropy(logits: auxiliary, labels: labels).scaled(by: 0.4) }
        loss.backward()
        clipGradientNorm(network.parameters, maxNorm: 5)
        sgd.step()
      }
    })
  }
  return cases
}

/// Forward + backward multiply-adds of the small CNN (×2 FLOPs each; backward ≈ 2× forward).
func smallCNNFlops(batch: Int) -> Double {
  let conv1 = 28.0 * 28 * 8 * 9, conv2 = 14.0 * 14 * 16 * 8 * 9, fc = 784.0 * 10
  return 3 * 2 * Double(batch) * (conv1 + conv2 + fc)
}
