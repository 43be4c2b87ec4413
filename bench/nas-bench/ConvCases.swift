import TensorEngine

/// The convolutions of the PC-DARTS search network at batch 64 (ALGORITHMS.md §1), forward and backward
/// (d(input) + d(weight)), each at 1 and 2 threads, through the engine's `Tensor.conv2d`.
///
/// Levels: Fashion-MNIST 28×28 → 14×14 → 7×7 and CIFAR 32×32 → 16×16 → 8×8 with C = 16 → 32 → 64 per level and
/// C/K = 4 (PC-DARTS partial channels, K = 4) at full resolution. Ops: 1×1 pointwise, depthwise 3×3 and 5×5,
/// dilated (d = 2) depthwise 3×3 / 5×5; their stride-2 variants (reduction edges) at the two finer levels;
/// and the 3×3 stems 1→48 and 3→48.
func convBenchmarkCases() -> [BenchmarkCase] {
  var specs: [ConvSpec] = []
  for (dataset, size, stemChannels) in [("fmnist", 28, 1), ("cifar", 32, 3)] {
    specs.append(ConvSpec(label: "stem3x3/\(dataset)", channels: stemChannels, outChannels: 48, size: size,
                          kernel: 3, padding: 1))
    let levels: [(size: Int, channels: [Int], reduction: Bool)] = [
      (size, [4, 16], true), (size / 2, [32], true), (size / 4, [64], false),
    ]
    for level in levels {
      for c in level.channels {
        specs += ConvSpec.searchOps(channels: c, size: level.size, stride: 1)
        if level.reduction { specs += ConvSpec.searchOps(channels: c, size: level.size, stride: 2) }
      }
    }
  }
  var cases: [BenchmarkCase] = []
  for spec in specs {
    for threads in [1, 2] {
      for pass in ["fwd", "bwd"] {
        let name = "conv/\(pass)/\(spec.label)/\(spec.sizeLabel)/t\(threads)"
        let flops = pass == "fwd" ? spec.flops : 2 * spec.flops
        cases.append(BenchmarkCase(name: name, shape: spec.shape, threads: threads, flops: flops) { repeats in
          spec.time(pass, repeats: repeats, threads: threads, policy: .automatic)
        })
        // Dense convs run GEMMs: the same conv with OpenBLAS for every product is the peer of the engine's
        // choice (all Swift kernels in AVX-512 builds, mixed by size in AVX2 builds; see `EngineGemm`).
        if spec.groups == 1 {
          cases.append(BenchmarkCase(name: "conv-openblas/\(pass)/\(spec.label)/\(spec.sizeLabel)/t\(threads)",
                                     shape: spec.shape, threads: threads, flops: flops, peerOf: name) { repeats in
            spec.time(pass, repeats: repeats, threads: threads, policy: .openBLAS)
          })
        }
      }
    }
  }
  return cases
}

/// One convolution workload: x (64, C, S, S) ⊛ w (Cout, C/groups, k, k).
struct ConvSpec {
  var label: String
  var channels: Int, outChannels: Int, size: Int
  var kernel: Int, stride = 1, padding = 0, dilation = 1, groups = 1
  var batch = 64

  /// The DARTS search-space convs on C channels at one resolution: pointwise, depthwise 3×3 / 5×5 (pad 1 / 2),
  /// dilated depthwise 3×3 / 5×5 (d 2, pad 2 / 4). The stride applies to every one.
  static func searchOps(channels c: Int, size: Int, stride: Int) -> [ConvSpec] {
    let suffix = stride == 1 ? "" : "s\(stride)"
    return [
      ConvSpec(label: "pw1x1\(suffix)", channels: c, outChannels: c, size: size, kernel: 1, stride: stride),
      ConvSpec(label: "dw3x3\(suffix)", channels: c, outChannels: c, size: size, kernel: 3, stride: stride,
               padding: 1, groups: c),
      ConvSpec(label: "dw5x5\(suffix)", channels: c, outChannels: c, size: size, kernel: 5, stride: stride,
               padding: 2, groups: c),
      ConvSpec(label: "dil3x3\(suffix)", channels: c, outChannels: c, size: size, kernel: 3, stride: stride,
               padding: 2, dilation: 2, groups: c),
      ConvSpec(label: "dil5x5\(suffix)", channels: c, outChannels: c, size: size, kernel: 5, stride: stride,
               padding: 4, dilation: 2, groups: c),
    ]
  }

  var outSize: Int { (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1 }
  var sizeLabel: String { "n\(batch)c\(channels)h\(size)" }
  var shape: String {
    "x (\(batch), \(channels), \(size), \(size)) w (\(outChannels), \(channels / groups), \(kernel), \(kernel)) "
      + "s\(stride) p\(padding) d\(dilation) g\(groups)"
  }
  var flops: Double {
    2 * Double(batch * outChannels * outSize * outSize) * Double(channels / groups * kernel * kernel)
  }

  private func makeInputs() -> (x: Tensor, weight: Tensor) {
    var rng = PRNG(seed: 2)
    let x = Tensor.randomUniform([batch, channels, size, size], low: -1, high: 1, using: &rng)
    let w = Tensor.randomUniform([outChannels, channels / groups, kernel, kernel], low: -0.5, high: 0.5, using: &rng)
    return (x, w)
  }

  func apply(_ x: Tensor, _ w: Tensor) -> Tensor {
    x.conv2d(weight: w, stride: stride, padding: padding, dilation: dilation, groups: groups)
  }

  /// Times the forward ("fwd") or backward ("bwd") pass with `threads` engine threads and a GEMM policy.
  func time(_ pass: String, repeats: Int, threads: Int, policy: EngineGemm.Policy) -> Timing {
    EngineGemm.policy = policy
    defer { EngineGemm.policy = .automatic }
    return pass == "fwd" ? timeForward(repeats: repeats, threads: threads)
      : timeBackward(repeats: repeats, threads: threads)
  }

  func timeForward(repeats: Int, threads: Int) -> Timing {
    let (x, w) = makeInputs()
    EngineThreads.set(threads)
    defer { EngineThreads.set(1) }
    return measure(repeats: repeats, prepare: {}) { noGrad { _ = apply(x, w) } }
  }

  /// Times d(input) + d(weight): the forward pass that records the graph is outside the timed region.
  func timeBackward(repeats: Int, threads: Int) -> Timing {
    let (x, w) = makeInputs()
    var rng = PRNG(seed: 3)
    let dOut = Tensor.randomUniform([batch, outChannels, outSize, outSize], low: -1, high: 1, using: &rng)
    EngineThreads.set(threads)
    defer { EngineThreads.set(1) }
    return measure(repeats: repeats, prepare: {
      apply(x.requiringGrad(name: "x"), w.requiringGrad(name: "w"))
    }) { y in y.backward(gradient: dOut) }
  }
}
