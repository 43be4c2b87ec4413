/// Spatial padding in pixels: rows added at the top/bottom, columns at the left/right.
public struct Padding2D: Equatable, Sendable {
  public var top: Int
  public var left: Int
  public var bottom: Int
  public var right: Int

  public init(top: Int, left: Int, bottom: Int, right: Int) {
    self.top = top
    self.left = left
    self.bottom = bottom
    self.right = right
  }

  /// The same padding `p` on all four sides.
  public init(symmetric p: Int) { self.init(top: p, left: p, bottom: p, right: p) }

  public static let zero = Padding2D(symmetric: 0)
}

/// Attributes of a 2-D convolution. Weight (Cout, Cin/groups, kernelHeight, kernelWidth), optional bias (Cout).
public struct ConvAttributes: Equatable, Sendable {
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  public var padding: Padding2D
  public var dilationHeight: Int
  public var dilationWidth: Int
  public var groups: Int
  /// Apply max(x, 0) to the output (a ReLU folded into the conv).
  public var fusedReLU: Bool

  public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
              padding: Padding2D = .zero, dilationHeight: Int = 1, dilationWidth: Int = 1, groups: Int = 1,
              fusedReLU: Bool = false) {
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.strideHeight = strideHeight
    self.strideWidth = strideWidth
    self.padding = padding
    self.dilationHeight = dilationHeight
    self.dilationWidth = dilationWidth
    self.groups = groups
    self.fusedReLU = fusedReLU
  }

  /// Square kernel, stride, symmetric padding and dilation.
  public init(kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
              fusedReLU: Bool = false) {
    self.init(kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
              padding: Padding2D(symmetric: padding), dilationHeight: dilation, dilationWidth: dilation,
              groups: groups, fusedReLU: fusedReLU)
  }
}

/// Attributes of max and average pooling (floor mode: windows that start in the padded input only).
public struct PoolAttributes: Equatable, Sendable {
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  /// Each side's padding is smaller than the kernel extent, so every window sees a real pixel.
  public var padding: Padding2D
  /// Average pooling only: divide by the full window (true) or by the real pixels in it (false, DARTS' choice).
  public var countIncludePad: Bool

  public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
              padding: Padding2D = .zero, countIncludePad: Bool = false) {
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.strideHeight = strideHeight
    self.strideWidth = strideWidth
    self.padding = padding
    self.countIncludePad = countIncludePad
  }

  /// Square kernel and stride, symmetric padding.
  public init(kernel: Int, stride: Int, padding: Int = 0, countIncludePad: Bool = false) {
    self.init(kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
              padding: Padding2D(symmetric: padding), countIncludePad: countIncludePad)
  }
}

/// The operation of a graph node, with its attributes. Codes are the `u16` op codes of the file.
public enum OpKind: Equatable, Sendable, CustomStringConvertible {
  /// Code 1. Inputs [x (C,H,W)]; tensors [weight] or [weight, bias]; output (Cout, Ho, Wo).
  case conv(ConvAttributes)
  /// Code 2. max(x, 0), any shape.
  case relu
  /// Code 3. Inputs [x (C,H,W)].
  case maxPool(PoolAttributes)
  /// Code 4. Inputs [x (C,H,W)].
  case averagePool(PoolAttributes)
  /// Code 5. Element-wise sum of 2 or more inputs of the same shape.
  case add
  /// Code 6. Concatenation of 1 or more (C_i, H, W) inputs along channels, in input order.
  case concat
  /// Code 7. Spatial crop: removes `top` rows, `bottom` rows, `left` and `right` columns (x[:, :, top:H-bottom, ...]).
  case crop(Padding2D)
  /// Code 8. Constant spatial padding with `value`.
  case pad(Padding2D, value: Float)
  /// Code 9. y[c] = x[c] × scale[c] + shift[c]; tensors [scale (C), shift (C)]; input (C,H,W) or (C).
  case channelAffine
  /// Code 10. View C as (groups, C/groups), transpose, flatten: out[c·groups + g] = in[g·(C/groups) + c].
  case channelShuffle(groups: Int)
  /// Code 11. (C,H,W) → (C,1,1), the mean over H×W.
  case globalAveragePool
  /// Code 12. Any shape → (product), row-major.
  case flatten
  /// Code 13. y = W x + b; input (in); tensors [weight (out, in)] or [weight, bias (out)].
  case gemm(fusedReLU: Bool)

  /// The `u16` op code written to the file.
  public var code: Int {
    switch self {
    case .conv: return 1
    case .relu: return 2
    case .maxPool: return 3
    case .averagePool: return 4
    case .add: return 5
    case .concat: return 6
    case .crop: return 7
    case .pad: return 8
    case .channelAffine: return 9
    case .channelShuffle: return 10
    case .globalAveragePool: return 11
    case .flatten: return 12
    case .gemm: return 13
    }
  }

  public var description: String {
    switch self {
    case .conv: return "Conv"
    case .relu: return "ReLU"
    case .maxPool: return "MaxPool"
    case .averagePool: return "AveragePool"
    case .add: return "Add"
    case .concat: return "Concat"
    case .crop: return "Crop"
    case .pad: return "Pad"
    case .channelAffine: return "ChannelAffine"
    case .channelShuffle: return "ChannelShuffle"
    case .globalAveragePool: return "GlobalAveragePool"
    case .flatten: return "Flatten"
    case .gemm: return "Gemm"
    }
  }
}

/// One node of the frozen graph: reads `inputs`, defines `outputs` (value ids), uses `tensors` (tensor-table indices).
public struct GraphOp: Equatable, Sendable {
  public var kind: OpKind
  public var inputs: [Int]
  public var outputs: [Int]
  public var tensors: [Int]

  public init(_ kind: OpKind, inputs: [Int], outputs: [Int], tensors: [Int] = []) {
    self.kind = kind
    self.inputs = inputs
    self.outputs = outputs
    self.tensors = tensors
  }

  /// Single-output convenience: `GraphOp(.relu, inputs: [3], output: 4)`.
  public init(_ kind: OpKind, inputs: [Int], output: Int, tensors: [Int] = []) {
    self.init(kind, inputs: inputs, outputs: [output], tensors: tensors)
  }
}

/// The op list in execution (topological) order. Value 0 is the graph input; every other value is defined once.
public struct ModelGraph: Equatable, Sendable {
  /// Value ids are 0..<valueCount.
  public var valueCount: Int
  /// The value holding the logits, per-sample shape (classCount).
  public var outputValue: Int
  public var ops: [GraphOp]

  public init(valueCount: Int, outputValue: Int, ops: [GraphOp]) {
    self.valueCount = valueCount
    self.outputValue = outputValue
    self.ops = ops
  }
}
