// Channel shuffle with K groups (PC-DARTS, ALGORITHMS.md §2.2): view C channels as K groups of C/K, swap the
// group and within-group axes, flatten. Output channel c·K + g takes input channel g·(C/K) + c.

/// out[n, c·K + g] = x[n, g·(C/K) + c] plane by plane.  x, out: (N, C, S), S = H·W.
func channelShuffleForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                           n: Int, c: Int, s: Int, groups: Int) {
  let perGroup = c / groups
  for b in 0..<n {
    for g in 0..<groups {
      for k in 0..<perGroup {
        let source = x + (b * c + g * perGroup + k) * s
        (out + (b * c + k * groups + g) * s).update(from: source, count: s)
      }
    }
  }
}

/// dInput[n, g·(C/K) + c] += dOut[n, c·K + g]: the inverse permutation, accumulated.
func channelShuffleBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                            n: Int, c: Int, s: Int, groups: Int) {
  let perGroup = c / groups
  for b in 0..<n {
    for g in 0..<groups {
      for k in 0..<perGroup {
        let d = dInput + (b * c + g * perGroup + k) * s, src = dOut + (b * c + k * groups + g) * s
        for i in 0..<s { d[i] += src[i] }
      }
    }
  }
}

extension Tensor {
  /// Interleaves the K channel groups of an (N, C, H, W) tensor: output channel c·K + g is input channel
  /// g·(C/K) + c, so the first group's channels land on 0, K, 2K, ... C must be divisible by K.
  public func channelShuffle(groups: Int) -> Tensor {
    let (n, c, h, w) = nchw("channelShuffle input")
    precondition(groups > 0 && c % groups == 0, "channelShuffle: \(c) channels (shape \(shape)) not divisible into \(groups) groups")
    let s = h * w
    let out = TensorStorage(uninitialized: count)
    channelShuffleForward(out.pointer, pointer, n: n, c: c, s: s, groups: groups)
    return Tensor.opResult("channelShuffle", shape: shape, storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { channelShuffleBackward(dx, dOut, n: n, c: c, s: s, groups: groups) }
    }
  }
}
