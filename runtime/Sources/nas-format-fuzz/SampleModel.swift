import FormatFuzzing
import NASFormat

/// A small frozen network that uses every op kind (3×10×10 input, 5 classes), with weights of `dataType`.
func sampleModelBytes(dataType: TensorDataType, seed: UInt64) throws(FormatError) -> [UInt8] {
  var rng = FuzzRNG(seed: seed)
  func values(_ n: Int) -> [Float] { (0..<n).map { _ in rng.unitFloat() * 2 - 1 } }
  let header = ModelHeader(inputChannels: 3, inputHeight: 10, inputWidth: 10,
                           classNames: ["t-shirt", "trouser", "pullover", "dress", "coat"],
                           mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
  var w = CompactModelWriter(header: header)
  w.setMetadata("nas-format-fuzz", forKey: "producer")
  w.setMetadata("{\"normal\":[[\"sep_conv_3x3\",0],[\"skip_connect\",1]]}", forKey: "genotype")
  let stemW = try w.addTensor(name: "stem.weight", shape: [8, 3, 3, 3], values: values(216), dataType: dataType)
  let stemB = try w.addTensor(name: "stem.bias", shape: [8], values: values(8), dataType: dataType)
  let fr1 = try w.addTensor(name: "reduce.conv1.weight", shape: [4, 8, 1, 1], values: values(32), dataType: dataType)
  let fr2 = try w.addTensor(name: "reduce.conv2.weight", shape: [4, 8, 1, 1], values: values(32), dataType: dataType)
  let scale = try w.addTensor(name: "bn.scale", shape: [8], values: values(8), dataType: .float32)
  let shift = try w.addTensor(name: "bn.shift", shape: [8], values: values(8), dataType: .float16)
  let dw = try w.addTensor(name: "cell.dw.weight", shape: [8, 1, 3, 3], values: values(72), dataType: dataType)
  let fcW = try w.addTensor(name: "classifier.weight", shape: [5, 8], values: values(40), dataType: dataType)
  let fcB = try w.addTensor(name: "classifier.bias", shape: [5], values: values(5), dataType: .float32)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, fusedReLU: true)), inputs: [0], output: 1,
                  tensors: [stemW, stemB]))
  w.addOp(GraphOp(.relu, inputs: [1], output: 2))
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1, stride: 2)), inputs: [2], output: 3, tensors: [fr1]))
  w.addOp(GraphOp(.crop(Padding2D(top: 1, left: 1, bottom: 0, right: 0)), inputs: [2], output: 4))
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1, stride: 2)), inputs: [4], output: 5, tensors: [fr2]))
  w.addOp(GraphOp(.concat, inputs: [3, 5], output: 6))
  w.addOp(GraphOp(.maxPool(PoolAttributes(kernel: 3, stride: 1, padding: 1)), inputs: [6], output: 7))
  w.addOp(GraphOp(.averagePool(PoolAttributes(kernel: 3, stride: 1, padding: 1)), inputs: [6], output: 8))
  w.addOp(GraphOp(.add, inputs: [7, 8], output: 9))
  w.addOp(GraphOp(.channelAffine, inputs: [9], output: 10, tensors: [scale, shift]))
  w.addOp(GraphOp(.channelShuffle(groups: 2), inputs: [10], output: 11))
  w.addOp(GraphOp(.pad(Padding2D(top: 0, left: 0, bottom: 1, right: 1), value: 0), inputs: [11], output: 12))
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 2, dilation: 2, groups: 8)), inputs: [12], output: 13,
                  tensors: [dw]))
  w.addOp(GraphOp(.globalAveragePool, inputs: [13], output: 14))
  w.addOp(GraphOp(.flatten, inputs: [14], output: 15))
  w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [15], output: 16, tensors: [fcW, fcB]))
  w.outputValue = 16
  return try w.serialized()
}
