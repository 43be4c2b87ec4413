#if canImport(Glibc)
import Glibc
#endif
import NASFormat
import Testing
@testable import NASRuntime
import SeededRandom

/// The tests' seeded generator (every test case is reproducible).
typealias TestRNG = SplitMix64

/// A DARTS-like network over a 3×11×9 input (odd sizes) with 4 classes, exercising every op and both the
/// NASKernels fast paths and the direct fallbacks:
/// stem conv 3×3 (fused ReLU) → ReLU → FactorizedReduce (1×1 s2 conv on x and on Crop(1,1,0,0)(x), concat) →
/// max pool 3/1/1 (fast) + avg pool 3/1/1 (fast, count_include_pad 0) + x → add → channel affine → shuffle(2) →
/// depthwise dilated conv → asymmetric-pad conv 3×2 stride (2,1) (direct) → pad → max pool 2×3 (direct) and
/// avg pool 3 pad 1 count_include_pad 1 (direct) → concat → grouped conv → GAP → flatten → gemm (ReLU) → gemm.
func makeNetworkWriter(dataType: TensorDataType = .float32, seed: UInt64 = 1) throws -> CompactModelWriter {
  var rng = TestRNG(seed: seed)
  let header = ModelHeader(inputChannels: 3, inputHeight: 11, inputWidth: 9, classNames: ["a", "b", "c", "d"],
                           mean: [0.5, 0.4, 0.3], std: [0.25, 0.5, 0.2])
  var w = CompactModelWriter(header: header)
  func t(_ name: String, _ shape: [Int], _ lo: Float = -0.6, _ hi: Float = 0.6, _ type: TensorDataType? = nil) throws -> Int {
    try w.addTensor(name: name, shape: shape, values: rng.floats(shape.reduce(1, *), lo, hi), dataType: type ?? dataType)
  }
  let stemW = try t("stem.w", [8, 3, 3, 3]), stemB = try t("stem.b", [8])
  let fr1 = try t("fr1.w", [4, 8, 1, 1]), fr2 = try t("fr2.w", [4, 8, 1, 1])
  let scale = try t("bn.scale", [8], 0.5, 1.5, .float32), shift = try t("bn.shift", [8], -0.2, 0.2, .float32)
  let dw = try t("dw.w", [8, 1, 3, 3])
  let asym = try t("asym.w", [6, 8, 3, 2]), asymB = try t("asym.b", [6])
  let grouped = try t("grouped.w", [6, 3, 3, 3])
  let fc1 = try t("fc1.w", [7, 6]), fc1b = try t("fc1.b", [7])
  let fc2 = try t("fc2.w", [4, 7]), fc2b = try t("fc2.b", [4], -0.1, 0.1, .float32)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, fusedReLU: true)), inputs: [0], output: 1,
                  tensors: [stemW, stemB]))                                                         // (8, 11, 9)
  w.addOp(GraphOp(.relu, inputs: [1], output: 2))
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1, stride: 2)), inputs: [2], output: 3, tensors: [fr1]))   // (4, 6, 5)
  w.addOp(GraphOp(.crop(Padding2D(top: 1, left: 1, bottom: 0, right: 0)), inputs: [2], output: 4))        // (8, 10, 8)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1, stride: 2)), inputs: [4], output: 5, tensors: [fr2]))   // (4, 5, 4)
  // Crop the first branch to (4, 5, 4) so the two branches concatenate.
  w.addOp(GraphOp(.crop(Padding2D(top: 0, left: 0, bottom: 1, right: 1)), inputs: [3], output: 6))        // (4, 5, 4)
  w.addOp(GraphOp(.concat, inputs: [6, 5], output: 7))                                                    // (8, 5, 4)
  w.addOp(GraphOp(.maxPool(PoolAttributes(kernel: 3, stride: 1, padding: 1)), inputs: [7], output: 8))
  w.addOp(GraphOp(.averagePool(PoolAttributes(kernel: 3, stride: 1, padding: 1)), inputs: [7], output: 9))
  w.addOp(GraphOp(.add, inputs: [8, 9, 7], output: 10))
  w.addOp(GraphOp(.channelAffine, inputs: [10], output: 11, tensors: [scale, shift]))
  w.addOp(GraphOp(.channelShuffle(groups: 2), inputs: [11], output: 12))
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 2, dilation: 2, groups: 8)), inputs: [12], output: 13,
                  tensors: [dw]))                                                                   // (8, 5, 4)
  w.addOp(GraphOp(.conv(ConvAttributes(kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 1,
                                       padding: Padding2D(top: 1, left: 0, bottom: 2, right: 1), fusedReLU: true)),
                  inputs: [13], output: 14, tensors: [asym, asymB]))                                // (6, 3, 4)
  w.addOp(GraphOp(.pad(Padding2D(top: 1, left: 0, bottom: 0, right: 1), value: 0.25), inputs: [14], output: 15)) // (6, 4, 5)
  w.addOp(GraphOp(.maxPool(PoolAttributes(kernelHeight: 2, kernelWidth: 3, strideHeight: 1, strideWidth: 2,
                                          padding: Padding2D(top: 1, left: 1, bottom: 0, right: 2))),
                  inputs: [15], output: 16))                                                        // (6, 4, 3)
  w.addOp(GraphOp(.averagePool(PoolAttributes(kernel: 3, stride: 2, padding: 1, countIncludePad: true)),
                  inputs: [15], output: 17))                                                        // (6, 2, 3)
  w.addOp(GraphOp(.averagePool(PoolAttributes(kernelHeight: 3, kernelWidth: 1, strideHeight: 1, strideWidth: 2,
                                              padding: Padding2D(top: 0, left: 0, bottom: 0, right: 0))),
                  inputs: [16], output: 18))                                                        // (6, 2, 2)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, groups: 2)), inputs: [18], output: 19,
                  tensors: [grouped]))                                                              // (6, 2, 2)
  w.addOp(GraphOp(.globalAveragePool, inputs: [19], output: 20))
  w.addOp(GraphOp(.globalAveragePool, inputs: [17], output: 21))
  w.addOp(GraphOp(.add, inputs: [20, 21], output: 22))
  w.addOp(GraphOp(.flatten, inputs: [22], output: 23))
  w.addOp(GraphOp(.gemm(fusedReLU: true), inputs: [23], output: 24, tensors: [fc1, fc1b]))
  w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [24], output: 25, tensors: [fc2, fc2b]))
  w.outputValue = 25
  return w
}

/// The naive reference: runs `model`'s graph on one sample in Double with the dequantised weights.
/// x: (C, H, W) normalised input. Returns every value (per-sample, flat).
func referenceValues(_ model: CompactModel, input x: [Double]) -> [[Double]] {
  var v = [[Double]](repeating: [], count: model.graph.valueCount)
  v[0] = x
  let weights = model.tensors.indices.map { model.floatValues(ofTensor: $0).map(Double.init) }
  for op in model.graph.ops {
    let inShape = model.valueShapes[op.inputs[0]]!, outShape = model.valueShapes[op.outputs[0]]!
    let a = v[op.inputs[0]]
    var out = [Double](repeating: 0, count: outShape.reduce(1, *))
    switch op.kind {
    case let .conv(c):
      let (ci, h, w) = (inShape[0], inShape[1], inShape[2]), (co, oh, ow) = (outShape[0], outShape[1], outShape[2])
      let wt = weights[op.tensors[0]], cig = ci / c.groups, cog = co / c.groups
      for o in 0..<co {
        for y in 0..<oh {
          for xx in 0..<ow {
            var s = op.tensors.count > 1 ? weights[op.tensors[1]][o] : 0
            for i in 0..<cig {
              for ki in 0..<c.kernelHeight {
                for kj in 0..<c.kernelWidth {
                  let iy = y * c.strideHeight - c.padding.top + ki * c.dilationHeight
                  let ix = xx * c.strideWidth - c.padding.left + kj * c.dilationWidth
                  if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                  let inC = (o / cog) * cig + i
                  s += wt[((o * cig + i) * c.kernelHeight + ki) * c.kernelWidth + kj] * a[(inC * h + iy) * w + ix]
                }
              }
            }
            out[(o * oh + y) * ow + xx] = c.fusedReLU ? max(s, 0) : s
          }
        }
      }
    case .relu:
      out = a.map { max($0, 0) }
    case let .maxPool(p), let .averagePool(p):
      let isMax: Bool = { if case .maxPool = op.kind { return true } else { return false } }()
      let (ch, h, w) = (inShape[0], inShape[1], inShape[2]), (oh, ow) = (outShape[1], outShape[2])
      for c in 0..<ch {
        for y in 0..<oh {
          for xx in 0..<ow {
            var best = -Double.infinity, sum = 0.0, n = 0
            for ki in 0..<p.kernelHeight {
              for kj in 0..<p.kernelWidth {
                let iy = y * p.strideHeight - p.padding.top + ki, ix = xx * p.strideWidth - p.padding.left + kj
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                let value = a[(c * h + iy) * w + ix]
                best = max(best, value); sum += value; n += 1
              }
            }
            out[(c * oh + y) * ow + xx] = isMax ? best
              : sum / Double(p.countIncludePad ? p.kernelHeight * p.kernelWidth : n)
          }
        }
      }
    case .add:
      out = a
      for id in op.inputs.dropFirst() { for i in out.indices { out[i] += v[id][i] } }
    case .concat:
      out = op.inputs.flatMap { v[$0] }
    case let .crop(p):
      let (ch, h, w) = (inShape[0], inShape[1], inShape[2]), (oh, ow) = (outShape[1], outShape[2])
      for c in 0..<ch { for y in 0..<oh { for xx in 0..<ow { out[(c * oh + y) * ow + xx] = a[(c * h + y + p.top) * w + xx + p.left] } } }
    case let .pad(p, value):
      let (ch, h, w) = (inShape[0], inShape[1], inShape[2]), (oh, ow) = (outShape[1], outShape[2])
      out = [Double](repeating: Double(value), count: out.count)
      for c in 0..<ch { for y in 0..<h { for xx in 0..<w { out[(c * oh + y + p.top) * ow + xx + p.left] = a[(c * h + y) * w + xx] } } }
    case .channelAffine:
      let plane = a.count / inShape[0]
      for i in a.indices { out[i] = a[i] * weights[op.tensors[0]][i / plane] + weights[op.tensors[1]][i / plane] }
    case let .channelShuffle(g):
      let ch = inShape[0], plane = a.count / ch, per = ch / g
      for c in 0..<per { for j in 0..<g { for i in 0..<plane { out[(c * g + j) * plane + i] = a[(j * per + c) * plane + i] } } }
    case .globalAveragePool:
      let plane = inShape[1] * inShape[2]
      for c in 0..<inShape[0] { out[c] = a[(c * plane)..<((c + 1) * plane)].reduce(0, +) / Double(plane) }
    case .flatten:
      out = a
    case let .gemm(relu):
      let wt = weights[op.tensors[0]], f = a.count
      for o in 0..<out.count {
        var s = op.tensors.count > 1 ? weights[op.tensors[1]][o] : 0
        for i in 0..<f { s += wt[o * f + i] * a[i] }
        out[o] = relu ? max(s, 0) : s
      }
    }
    v[op.outputs[0]] = out
  }
  return v
}

/// Reference logits for one sample.
func referenceLogits(_ model: CompactModel, input: [Double]) -> [Double] {
  referenceValues(model, input: input)[model.graph.outputValue]
}

/// Cross-entropy of the reference logits at `label`.
func referenceLoss(_ model: CompactModel, input: [Double], label: Int) -> Double {
  let z = referenceLogits(model, input: input)
  let m = z.max()!
  var s = 0.0
  for v in z { s += exp(v - m) }
  return m + log(s) - z[label]
}

/// Max |a − b| / (atol + rtol·|b|) ≤ 1 check; returns the worst ratio and its index.
func worstRatio(_ actual: [Float], _ expected: [Double], rtol: Double, atol: Double) -> (ratio: Double, index: Int) {
  precondition(actual.count == expected.count, "sizes \(actual.count) vs \(expected.count)")
  var worst = 0.0, index = -1
  for i in actual.indices {
    let r = abs(Double(actual[i]) - expected[i]) / (atol + rtol * abs(expected[i]))
    if r > worst || r.isNaN { worst = r.isNaN ? .infinity : r; index = i }
  }
  return (worst, index)
}

/// Expects the batched `logits` (samples × classes) to match the Double reference of each sample of `input`
/// (rtol 1e-4, atol 1e-5).
func expectMatchesReference(_ logits: [Float], _ model: CompactModel, input: [Float],
                            sourceLocation: SourceLocation = #_sourceLocation) {
  let count = model.valueShapes[0]!.reduce(1, *), classes = model.header.classCount
  for n in 0..<(input.count / count) {
    let reference = referenceLogits(model, input: input[(n * count)..<((n + 1) * count)].map(Double.init))
    let (ratio, index) = worstRatio(Array(logits[(n * classes)..<((n + 1) * classes)]), reference,
                                    rtol: 1e-4, atol: 1e-5)
    #expect(ratio <= 1, "sample \(n): worst logit \(index)", sourceLocation: sourceLocation)
  }
}

/// The logits of `model` run as the graph is, with no plan-time fusion (a gradient plan fuses nothing), for the
/// batch that `input` holds.
func unfusedLogits(_ model: CompactModel, _ input: [Float]) throws -> [Float] {
  let unfused = InferenceModel(model: model)
  try unfused.prepare(batchSize: input.count / unfused.inputCount, forGradient: true)
  return try unfused.logits(input)
}
