import CLIKit
import Freezer
import NASFormat
import ONNXBridge

/// Writes a `FrozenGraph` as an ONNX ModelProto (ir_version 8, default domain, opset 17 or 13) using standard ops
/// only: Conv, Relu, MaxPool, AveragePool (count_include_pad 0), Add, Concat, Slice (crop), Pad, Mul (channel
/// affine), Reshape/Transpose (channel shuffle), GlobalAveragePool, Flatten, Gemm.
///
/// The graph input is `input` (N, C, H, W) with a symbolic batch dimension `N`, the output `logits` (N, K).
/// metadata_props carry `class_names` and `mean`/`std` (JSON arrays), `input_size` ("CxHxW") and every entry
/// of the graph's metadata (`genotype` JSON, `producer`, `source`, …).
public enum ONNXWriter {
  public static let supportedOpsets = [17, 13]
  public static let irVersion = 8
  public static let inputName = "input"
  public static let outputName = "logits"

  /// The serialized ModelProto, checked by libonnx (check_model + strict shape inference) before it is returned.
  public static func serialize(_ graph: FrozenGraph, opset: Int = 17) throws(ONNXExportError) -> [UInt8] {
    let bytes = try modelBytes(graph, opset: opset)
    try validate(bytes)
    return bytes
  }

  /// Runs libonnx's checker and strict shape inference on serialized ModelProto bytes.
  public static func validate(_ bytes: [UInt8]) throws(ONNXExportError) {
    let message: String? = bytes.withUnsafeBytes { raw in
      guard let error = onnx_bridge_check_model(raw.baseAddress, raw.count) else { return nil }
      defer { onnx_bridge_free(error) }
      return String(cString: error)
    }
    if let message { throw .invalidModel(message) }
  }

  /// The ModelProto bytes without validation (tests use it to feed the checker broken graphs).
  public static func modelBytes(_ graph: FrozenGraph, opset: Int = 17) throws(ONNXExportError) -> [UInt8] {
    guard supportedOpsets.contains(opset) else { throw .unsupportedOpset(opset) }
    var model = ProtobufWriter()
    model.int(1, irVersion)                           // ir_version
    model.string(2, "nas-export")                     // producer_name
    model.string(3, "0.1")                            // producer_version
    model.message(7) { var encoder = GraphEncoder(graph); encoder.encode(into: &$0) }   // graph
    model.message(8) { $0.string(1, ""); $0.int(2, opset) }       // opset_import
    for (key, value) in metadataProperties(graph) {
      model.message(14) { $0.string(1, key); $0.string(2, value) }  // metadata_props
    }
    return model.bytes
  }

  static func metadataProperties(_ graph: FrozenGraph) -> [(String, String)] {
    func numbers(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }
    var props: [(String, String)] = [
      ("class_names", JSONValue.array(graph.classNames.map { .string($0) }).jsonText),
      ("input_size", graph.inputShape.map(String.init).joined(separator: "x")),
      ("mean", numbers(graph.mean)),
      ("std", numbers(graph.std)),
    ]
    for entry in graph.metadata where !props.contains(where: { $0.0 == entry.key }) {
      props.append((entry.key, entry.value))
    }
    return props
  }
}

/// Encodes the GraphProto: nodes, initializers, input and output.
struct GraphEncoder {
  let graph: FrozenGraph
  private var nodes: [ProtobufWriter] = []
  private var initializers: [ProtobufWriter] = []
  private var extraConstants: Set<String> = []

  init(_ graph: FrozenGraph) { self.graph = graph }

  func valueName(_ id: Int) -> String {
    id == 0 ? ONNXWriter.inputName : id == graph.output ? ONNXWriter.outputName : "v\(id)"
  }

  mutating func encode(into g: inout ProtobufWriter) {
    for (i, t) in graph.tensors.enumerated() { addInitializer(tensorName(i), dims: onnxShape(of: i), floats: t.values) }
    for (i, node) in graph.nodes.enumerated() { encodeNode(node, index: i) }
    for n in nodes { g.bytes(1, n.bytes) }             // node
    g.string(2, "edgenas")                             // name
    for t in initializers { g.bytes(5, t.bytes) }      // initializer
    let (c, h, w) = (graph.inputShape[0], graph.inputShape[1], graph.inputShape[2])
    g.message(11) { Self.valueInfo(&$0, name: ONNXWriter.inputName, dims: [nil, c, h, w]) }            // input
    g.message(12) { Self.valueInfo(&$0, name: ONNXWriter.outputName, dims: [nil, graph.classCount]) }  // output
  }

  /// ValueInfoProto of a float tensor; nil dims are the symbolic batch dimension "N".
  static func valueInfo(_ v: inout ProtobufWriter, name: String, dims: [Int?]) {
    v.string(1, name)
    v.message(2) { type in                              // TypeProto
      type.message(1) { tensor in                       // tensor_type
        tensor.int(1, 1)                                // elem_type FLOAT
        tensor.message(2) { shape in                    // TensorShapeProto
          for d in dims {
            shape.message(1) { dim in if let d { dim.int(1, d) } else { dim.string(2, "N") } }
          }
        }
      }
    }
  }

  func tensorName(_ i: Int) -> String { graph.tensors[i].name }

  /// Channel-affine scale/shift act on (C, H, W) values: store them as (C, 1, 1) so they broadcast.
  func onnxShape(of tensor: Int) -> [Int] {
    for node in graph.nodes where node.tensors.contains(tensor) {
      if case .channelAffine = node.kind, graph.valueShapes[node.inputs[0]].count == 3 {
        return [graph.tensors[tensor].shape[0], 1, 1]
      }
    }
    return graph.tensors[tensor].shape
  }

  mutating func addInitializer(_ name: String, dims: [Int], floats: [Float]) {
    var t = ProtobufWriter()
    for d in dims { t.int(1, d) }                      // dims
    t.int(2, 1)                                         // data_type FLOAT
    t.string(8, name)                                   // name
    t.bytes(9, littleEndianBytes(floats))               // raw_data
    initializers.append(t)
  }

  /// An int64 constant, emitted once per name.
  mutating func int64Constant(_ name: String, _ values: [Int64]) -> String {
    if extraConstants.insert(name).inserted {
      var t = ProtobufWriter()
      t.int(1, values.count)
      t.int(2, 7)                                       // data_type INT64
      t.string(8, name)
      t.bytes(9, littleEndianBytes(values))
      initializers.append(t)
    }
    return name
  }

  enum Attribute {
    case int(Int)
    case ints([Int])
  }

  mutating func addNode(_ opType: String, inputs: [String], outputs: [String], name: String,
                        attributes: [(String, Attribute)] = []) {
    var n = ProtobufWriter()
    for i in inputs { n.string(1, i) }
    for o in outputs { n.string(2, o) }
    n.string(3, name)
    n.string(4, opType)
    for (attributeName, value) in attributes {
      n.message(5) { a in
        a.string(1, attributeName)
        switch value {
        case .int(let i):
          a.int(3, i)
          a.int(20, 2)                                  // type INT
        case .ints(let list):
          for i in list { a.int(8, i) }
          a.int(20, 7)                                  // type INTS
        }
      }
    }
    nodes.append(n)
  }

  static func padsAttribute(_ p: Padding2D) -> [Int] { [p.top, p.left, p.bottom, p.right] }

  mutating func encodeNode(_ node: FrozenNode, index: Int) {
    let x = node.inputs.map(valueName)
    let y = valueName(node.output)
    let name = "\(node.name)#\(index)"
    let t = node.tensors.map(tensorName)
    switch node.kind {
    case .conv(let a):
      let out = a.fusedReLU ? y + ".pre_relu" : y
      addNode("Conv", inputs: [x[0]] + t, outputs: [out], name: name, attributes: [
        ("kernel_shape", .ints([a.kernelHeight, a.kernelWidth])),
        ("strides", .ints([a.strideHeight, a.strideWidth])),
        ("pads", .ints(Self.padsAttribute(a.padding))),
        ("dilations", .ints([a.dilationHeight, a.dilationWidth])),
        ("group", .int(a.groups)),
      ])
      if a.fusedReLU { addNode("Relu", inputs: [out], outputs: [y], name: name + ".relu") }
    case .relu:
      addNode("Relu", inputs: x, outputs: [y], name: name)
    case .maxPool(let a):
      addNode("MaxPool", inputs: x, outputs: [y], name: name, attributes: [
        ("kernel_shape", .ints([a.kernelHeight, a.kernelWidth])),
        ("strides", .ints([a.strideHeight, a.strideWidth])),
        ("pads", .ints(Self.padsAttribute(a.padding))),
      ])
    case .averagePool(let a):
      addNode("AveragePool", inputs: x, outputs: [y], name: name, attributes: [
        ("kernel_shape", .ints([a.kernelHeight, a.kernelWidth])),
        ("strides", .ints([a.strideHeight, a.strideWidth])),
        ("pads", .ints(Self.padsAttribute(a.padding))),
        ("count_include_pad", .int(a.countIncludePad ? 1 : 0)),
      ])
    case .add:
      // ONNX Add is binary: chain it for more terms.
      var sum = x[0]
      for k in 1..<x.count {
        let out = k == x.count - 1 ? y : "\(y).sum\(k)"
        addNode("Add", inputs: [sum, x[k]], outputs: [out], name: k == 1 ? name : "\(name).\(k)")
        sum = out
      }
    case .concat:
      addNode("Concat", inputs: x, outputs: [y], name: name, attributes: [("axis", .int(1))])
    case .crop(let p):
      // Slice on H and W: starts (top, left), ends (H − bottom, W − right) as negative offsets or "to the end".
      let end: (Int) -> Int64 = { $0 == 0 ? Int64.max : -Int64($0) }
      let key = "crop_\(p.top)_\(p.left)_\(p.bottom)_\(p.right)"
      let starts = int64Constant(key + ".starts", [Int64(p.top), Int64(p.left)])
      let ends = int64Constant(key + ".ends", [end(p.bottom), end(p.right)])
      let axes = int64Constant("spatial_axes", [2, 3])
      addNode("Slice", inputs: [x[0], starts, ends, axes], outputs: [y], name: name)
    case let .pad(p, value):
      let pads = int64Constant("pad_\(p.top)_\(p.left)_\(p.bottom)_\(p.right)",
                               [0, 0, Int64(p.top), Int64(p.left), 0, 0, Int64(p.bottom), Int64(p.right)])
      var inputs = [x[0], pads]
      if value != 0 {
        let constantName = "pad_value_\(index)"
        addScalarInitializer(constantName, value)
        inputs.append(constantName)
      }
      addNode("Pad", inputs: inputs, outputs: [y], name: name)
    case .channelAffine:
      addNode("Mul", inputs: [x[0], t[0]], outputs: [y + ".scaled"], name: name + ".scale")
      addNode("Add", inputs: [y + ".scaled", t[1]], outputs: [y], name: name + ".shift")
    case .channelShuffle(let groups):
      let s = graph.valueShapes[node.inputs[0]]
      let split = int64Constant("shuffle_split_\(groups)_\(s[0])_\(s[1])_\(s[2])",
                                [0, Int64(groups), Int64(s[0] / groups), Int64(s[1]), Int64(s[2])])
      let merge = int64Constant("shuffle_merge_\(s[0])_\(s[1])_\(s[2])", [0, Int64(s[0]), Int64(s[1]), Int64(s[2])])
      addNode("Reshape", inputs: [x[0], split], outputs: [y + ".split"], name: name + ".split")
      addNode("Transpose", inputs: [y + ".split"], outputs: [y + ".transposed"], name: name + ".transpose",
              attributes: [("perm", .ints([0, 2, 1, 3, 4]))])
      addNode("Reshape", inputs: [y + ".transposed", merge], outputs: [y], name: name)
    case .globalAveragePool:
      addNode("GlobalAveragePool", inputs: x, outputs: [y], name: name)
    case .flatten:
      addNode("Flatten", inputs: x, outputs: [y], name: name, attributes: [("axis", .int(1))])
    case .gemm(let fusedReLU):
      let out = fusedReLU ? y + ".pre_relu" : y
      addNode("Gemm", inputs: [x[0]] + t, outputs: [out], name: name, attributes: [("transB", .int(1))])
      if fusedReLU { addNode("Relu", inputs: [out], outputs: [y], name: name + ".relu") }
    }
  }

  mutating func addScalarInitializer(_ name: String, _ value: Float) {
    var t = ProtobufWriter()
    t.int(2, 1)
    t.string(8, name)
    t.bytes(9, littleEndianBytes([value]))
    initializers.append(t)
  }
}
