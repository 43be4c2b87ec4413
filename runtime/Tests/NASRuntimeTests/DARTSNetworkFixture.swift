#if canImport(Glibc)
import Glibc
#endif
import NASFormat

/// Builds a frozen DARTS evaluation network (ALGORITHMS.md §1.3–1.4) with the writer, as the exporter would emit
/// it (BN folded into conv biases, random weights scaled by 1/√fan-in): the bench and test fixture until
/// `nas-export` exists.
struct DARTSNetworkBuilder {
  /// (op, source state) pairs, two per node: the PC_DARTS cells.
  static let pcDARTSNormal = [("sep3", 1), ("skip", 0), ("sep3", 0), ("dil3", 1), ("sep5", 0), ("sep3", 1),
                              ("avg", 0), ("dil3", 1)]
  static let pcDARTSReduce = [("sep5", 1), ("max", 0), ("sep5", 1), ("sep5", 2), ("sep3", 0), ("sep3", 3),
                              ("sep3", 1), ("sep3", 2)]

  var writer: CompactModelWriter
  var rng: TestRNG
  var nextValue = 1
  var tensorCount = 0

  init(header: ModelHeader, seed: UInt64) {
    writer = CompactModelWriter(header: header)
    rng = TestRNG(seed: seed)
  }

  mutating func weights(_ shape: [Int], fanIn: Int, dataType: TensorDataType) throws -> Int {
    let a = Float(sqrt(3.0 / Double(fanIn)))
    tensorCount += 1
    return try writer.addTensor(name: "t\(tensorCount)", shape: shape,
                                values: rng.floats(shape.reduce(1, *), -a, a), dataType: dataType)
  }

  mutating func op(_ kind: OpKind, _ inputs: [Int], tensors: [Int] = []) -> Int {
    let id = nextValue
    nextValue += 1
    writer.addOp(GraphOp(kind, inputs: inputs, output: id, tensors: tensors))
    return id
  }

  mutating func conv(_ x: Int, _ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                     dilation: Int = 1, groups: Int = 1, bias: Bool = true, relu: Bool = false,
                     dataType: TensorDataType) throws -> Int {
    let w = try weights([cout, cin / groups, kernel, kernel], fanIn: cin / groups * kernel * kernel, dataType: dataType)
    var tensors = [w]
    if bias { tensors.append(try weights([cout], fanIn: 9, dataType: .float32)) }
    return op(.conv(ConvAttributes(kernel: kernel, stride: stride, padding: padding, dilation: dilation, groups: groups,
                                   fusedReLU: relu)), [x], tensors: tensors)
  }

  /// ReLU → 1×1 conv → BN (folded).
  mutating func reluConvBN(_ x: Int, _ cin: Int, _ cout: Int, _ t: TensorDataType) throws -> Int {
    try conv(op(.relu, [x]), cin, cout, kernel: 1, dataType: t)
  }

  /// ReLU → (1×1 stride-2 conv on x ‖ 1×1 stride-2 conv on x shifted by one pixel) → BN (folded).
  mutating func factorizedReduce(_ x: Int, _ cin: Int, _ cout: Int, _ t: TensorDataType) throws -> Int {
    let r = op(.relu, [x])
    let a = try conv(r, cin, cout / 2, kernel: 1, stride: 2, dataType: t)
    let shifted = op(.crop(Padding2D(top: 1, left: 1, bottom: 0, right: 0)), [r])
    let b = try conv(shifted, cin, cout - cout / 2, kernel: 1, stride: 2, dataType: t)
    return op(.concat, [a, b])
  }

  mutating func cellOp(_ name: String, _ x: Int, _ c: Int, stride: Int, _ t: TensorDataType) throws -> Int {
    switch name {
    case "skip":
      return stride == 1 ? x : try factorizedReduce(x, c, c, t)
    case "avg":
      return op(.averagePool(PoolAttributes(kernel: 3, stride: stride, padding: 1)), [x])
    case "max":
      return op(.maxPool(PoolAttributes(kernel: 3, stride: stride, padding: 1)), [x])
    case "sep3", "sep5":
      let k = name == "sep3" ? 3 : 5
      var y = op(.relu, [x])
      y = try conv(y, c, c, kernel: k, stride: stride, padding: k / 2, groups: c, bias: false, dataType: t)
      y = try conv(y, c, c, kernel: 1, relu: true, dataType: t)
      y = try conv(y, c, c, kernel: k, padding: k / 2, groups: c, bias: false, dataType: t)
      return try conv(y, c, c, kernel: 1, dataType: t)
    case "dil3", "dil5":
      let k = name == "dil3" ? 3 : 5
      let y = try conv(op(.relu, [x]), c, c, kernel: k, stride: stride, padding: k - 1, dilation: 2, groups: c,
                       bias: false, dataType: t)
      return try conv(y, c, c, kernel: 1, dataType: t)
    default:
      preconditionFailure("unknown op \(name)")
    }
  }

  /// The whole network: stem (3C), L cells with reductions at ⌊L/3⌋ and ⌊2L/3⌋, GAP, linear classifier.
  static func make(channels: Int, height: Int, width: Int, initChannels c0: Int, layers: Int, classes: Int = 10,
                   dataType: TensorDataType = .float32, seed: UInt64 = 1) throws -> CompactModelWriter {
    let header = ModelHeader(inputChannels: channels, inputHeight: height, inputWidth: width,
                             classNames: (0..<classes).map { "class\($0)" },
                             mean: [Float](repeating: 0.5, count: channels), std: [Float](repeating: 0.25, count: channels))
    var b = DARTSNetworkBuilder(header: header, seed: seed)
    let stem = try b.conv(0, channels, 3 * c0, kernel: 3, padding: 1, dataType: dataType)
    var (s0, s1) = (stem, stem)
    var (cpp, cp, c) = (3 * c0, 3 * c0, c0)
    var reductionPrevious = false
    for i in 0..<layers {
      let reduction = i == layers / 3 || i == 2 * layers / 3
      if reduction { c *= 2 }
      let p0 = reductionPrevious ? try b.factorizedReduce(s0, cpp, c, dataType) : try b.reluConvBN(s0, cpp, c, dataType)
      let p1 = try b.reluConvBN(s1, cp, c, dataType)
      var states = [p0, p1]
      let genotype = reduction ? pcDARTSReduce : pcDARTSNormal
      for node in 0..<4 {
        var terms: [Int] = []
        for (name, source) in genotype[(2 * node)..<(2 * node + 2)] {
          terms.append(try b.cellOp(name, states[source], c, stride: reduction && source < 2 ? 2 : 1, dataType))
        }
        states.append(b.op(.add, terms))
      }
      let out = b.op(.concat, Array(states[2...]))
      (s0, s1) = (s1, out)
      (cpp, cp) = (cp, 4 * c)
      reductionPrevious = reduction
    }
    let pooled = b.op(.globalAveragePool, [s1])
    let flat = b.op(.flatten, [pooled])
    let fcW = try b.weights([classes, cp], fanIn: cp, dataType: dataType)
    let fcB = try b.weights([classes], fanIn: cp, dataType: .float32)
    let logits = b.op(.gemm(fusedReLU: false), [flat], tensors: [fcW, fcB])
    b.writer.outputValue = logits
    return b.writer
  }
}
