#if canImport(Glibc)
import Glibc
#endif
import NASFormat
@testable import NASRuntime
import Testing

@Suite struct InferenceModelTests {
  /// Executor logits against the Double reference, per sample, for a batch of 3 (odd) and batch 1 after it
  /// (re-planning), for every weight encoding. The reference uses the same dequantised weights, so the
  /// tolerance is float rounding only.
  @Test(arguments: TensorDataType.allCases)
  func logitsMatchReference(dataType: TensorDataType) throws {
    let model = try makeNetworkWriter(dataType: dataType, seed: 7).model()
    let runner = InferenceModel(model: model)
    var rng = TestRNG(seed: 11)
    let count = runner.inputCount
    for batch in [3, 1] {
      let input = rng.floats(batch * count, -2, 2)
      let logits = try runner.logits(input)
      #expect(runner.batchSize == batch)
      for n in 0..<batch {
        let expected = referenceLogits(model, input: input[(n * count)..<((n + 1) * count)].map(Double.init))
        let (ratio, index) = worstRatio(Array(logits[(n * 4)..<((n + 1) * 4)]), expected, rtol: 1e-4, atol: 1e-4)
        #expect(ratio <= 1, "\(dataType) batch \(batch) sample \(n): worst at \(index), ratio \(ratio)")
      }
    }
  }

  /// Every intermediate value against the reference (so a wrong kernel is named by its value id).
  @Test func everyValueMatchesReference() throws {
    let model = try makeNetworkWriter(seed: 3).model()
    let runner = InferenceModel(model: model)
    var rng = TestRNG(seed: 5)
    let batch = 2, count = runner.inputCount
    let input = rng.floats(batch * count, -2, 2)
    try runner.prepare(batchSize: batch, forGradient: true)  // keeps every value for inspection
    _ = try runner.logits(input)
    for n in 0..<batch {
      let expected = referenceValues(model, input: input[(n * count)..<((n + 1) * count)].map(Double.init))
      for id in 0..<model.graph.valueCount {
        let per = runner.valueCounts[id]
        let actual = Array(UnsafeBufferPointer(start: runner.values[id] + n * per, count: per))
        let (ratio, index) = worstRatio(actual, expected[id], rtol: 1e-4, atol: 1e-5)
        #expect(ratio <= 1, "value \(id) sample \(n): worst at \(index): \(actual[max(index, 0)]) vs \(expected[id][max(index, 0)])")
      }
    }
  }

  /// Quantised models stay close to the fp32 model: fp16 within 1e-2, int8 within a few percent of the logit scale.
  @Test func quantisedModelsAreCloseToFP32() throws {
    var rng = TestRNG(seed: 9)
    let fp32 = InferenceModel(model: try makeNetworkWriter(dataType: .float32, seed: 4).model())
    let input = rng.floats(fp32.inputCount, -2, 2)
    let reference = try fp32.logits(input)
    let scale = reference.map(abs).max()! + 1e-3
    for (type, tolerance) in [(TensorDataType.float16, Float(1e-2)), (.int8, Float(0.1))] {
      let logits = try InferenceModel(model: try makeNetworkWriter(dataType: type, seed: 4).model()).logits(input)
      let diff = zip(logits, reference).map { abs($0 - $1) }.max()!
      #expect(diff <= tolerance * scale, "\(type): max |Δlogit| \(diff), logit scale \(scale)")
    }
  }

  /// Threads do not change results.
  @Test func threadsGiveIdenticalLogits() throws {
    let model = try makeNetworkWriter(seed: 2).model()
    var rng = TestRNG(seed: 8)
    let input = rng.floats(4 * 297, -2, 2)
    let one = try InferenceModel(model: model, threads: 1).logits(input)
    let two = try InferenceModel(model: model, threads: 2).logits(input)
    #expect(one == two)
  }

  /// Running twice on the same plan gives the same logits (no state leaks between runs).
  @Test func repeatedRunsAreIdentical() throws {
    let runner = InferenceModel(model: try makeNetworkWriter(seed: 6).model())
    var rng = TestRNG(seed: 1)
    let input = rng.floats(runner.inputCount, -1, 1)
    let first = try runner.logits(input)
    _ = try runner.logits(rng.floats(runner.inputCount * 2, -1, 1))
    #expect(try runner.logits(input) == first)
  }

  /// The inference plan (shared buffers) gives the same logits as the gradient plan (one buffer per value),
  /// in much less memory, on the PC_DARTS network.
  @Test func bufferReuseKeepsLogits() throws {
    let model = try DARTSNetworkBuilder.make(channels: 3, height: 16, width: 16, initChannels: 4, layers: 5, seed: 9).model()
    let shared = InferenceModel(model: model), separate = InferenceModel(model: model)
    var rng = TestRNG(seed: 3)
    let input = rng.floats(2 * shared.inputCount, -2, 2)
    try separate.prepare(batchSize: 2, forGradient: true)
    let expected = try separate.logits(input)
    #expect(try shared.logits(input) == expected)
    #expect(try shared.logits(input) == expected)  // the input buffer is never reused
    #expect(!shared.keepsActivations && separate.keepsActivations)
    #expect(shared.plannedFloats * 3 < separate.plannedFloats, "\(shared.plannedFloats) vs \(separate.plannedFloats)")
  }

  /// Inference plans fuse a ReLU whose only readers are depthwise convs into them (`ScheduledOp`): on the
  /// PC_DARTS network the logits equal the unfused gradient plan's bit for bit (the same operations run), for
  /// batch 1 and 2 and 1 and 2 threads.
  @Test func fusedReLUPlanMatchesUnfusedPlan() throws {
    let model = try DARTSNetworkBuilder.make(channels: 3, height: 16, width: 16, initChannels: 4, layers: 5, seed: 4).model()
    var rng = TestRNG(seed: 21)
    for batch in [1, 2] {
      let unfused = InferenceModel(model: model)
      let input = rng.floats(batch * unfused.inputCount, -2, 2)
      try unfused.prepare(batchSize: batch, forGradient: true)
      let expected = try unfused.logits(input)
      for threads in [1, 2] {
        let fused = InferenceModel(model: model, threads: threads)
        let logits = try fused.logits(input)
        let fusedSteps = fused.steps.filter {
          if case .depthwiseConvReLUInput = $0.operation { return true } else { return false }
        }
        #expect(!fusedSteps.isEmpty && fused.steps.count < model.graph.ops.count,
                "\(fusedSteps.count) fused steps, \(fused.steps.count) steps for \(model.graph.ops.count) ops")
        #expect(unfused.steps.count == model.graph.ops.count)
        let diff = zip(logits, expected).map { abs($0 - $1) }.max()!
        #expect(logits == expected, "batch \(batch) threads \(threads): max |Δlogit| \(diff)")
      }
    }
  }

  /// Which ReLUs fuse: one feeding only depthwise convs (two of them, strides 1 and 2) into those convs; one
  /// whose input only it reads into that input's producer (a conv's fused ReLU, a concat writing max(·, 0)); one
  /// feeding an add and a depthwise conv, whose input an add also reads, stays. Logits match the Double
  /// reference and the unfused gradient plan.
  @Test func reluFusesIntoDepthwiseReadersOrASoleProducer() throws {
    var rng = TestRNG(seed: 5)
    let header = ModelHeader(inputChannels: 2, inputHeight: 7, inputWidth: 6, classNames: ["a", "b", "c"],
                             mean: [0.5, 0.5], std: [0.5, 0.5])
    var w = CompactModelWriter(header: header)
    var tensorCount = 0
    func t(_ shape: [Int]) throws -> Int {
      tensorCount += 1
      return try w.addTensor(name: "t\(tensorCount)", shape: shape, values: rng.floats(shape.reduce(1, *), -0.7, 0.7))
    }
    let dw3 = try t([2, 1, 3, 3]), dw5 = try t([2, 1, 5, 5]), dwd = try t([2, 1, 3, 3]), dense = try t([2, 2, 1, 1])
    let fc = try t([3, 4]), fcb = try t([3])
    w.addOp(GraphOp(.relu, inputs: [0], output: 1))                                        // 0: into readers 1, 2
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, groups: 2)), inputs: [1], output: 2, tensors: [dw3]))
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 5, stride: 2, padding: 2, groups: 2)), inputs: [1], output: 3,
                    tensors: [dw5]))                                                       // (2, 4, 3)
    w.addOp(GraphOp(.relu, inputs: [2], output: 4))                                        // 3: stays
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 2, dilation: 2, groups: 2)), inputs: [4], output: 5,
                    tensors: [dwd]))
    w.addOp(GraphOp(.add, inputs: [4, 5, 2], output: 6))
    w.addOp(GraphOp(.relu, inputs: [3], output: 7))                                        // 6: into conv 2
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1)), inputs: [7], output: 8, tensors: [dense]))
    w.addOp(GraphOp(.concat, inputs: [5, 2], output: 9))                                   // (4, 7, 6)
    w.addOp(GraphOp(.relu, inputs: [9], output: 10))                                       // 9: into concat 8
    w.addOp(GraphOp(.globalAveragePool, inputs: [10], output: 11))                         // (4, 1, 1)
    w.addOp(GraphOp(.globalAveragePool, inputs: [8], output: 12))
    w.addOp(GraphOp(.globalAveragePool, inputs: [6], output: 13))
    w.addOp(GraphOp(.concat, inputs: [12, 13], output: 14))                                // (4, 1, 1)
    w.addOp(GraphOp(.add, inputs: [11, 14], output: 15))
    w.addOp(GraphOp(.flatten, inputs: [15], output: 16))
    w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [16], output: 17, tensors: [fc, fcb]))
    w.outputValue = 17
    let model = try w.model()
    let runner = InferenceModel(model: model)
    let input = rng.floats(runner.inputCount, -2, 2)
    let logits = try runner.logits(input)
    #expect(try unfusedLogits(model, input) == logits)
    #expect(runner.steps.map(\.opIndex) == [1, 2, 3, 4, 5, 7, 8, 10, 11, 12, 13, 14, 15, 16])
    for step in runner.steps {
      switch (step.opIndex, step.operation) {
      case (1, .depthwiseConvReLUInput(_, _, _, false)), (2, .depthwiseConvReLUInput(_, _, _, true)),
           (3, .relu), (8, .concat(_, _, _, true)), (13, .concat(_, _, _, false)): break
      case (1, _), (2, _), (3, _), (8, _), (13, _): Issue.record("op \(step.opIndex): \(step.operation)")
      default: break
      }
    }
    let (ratio, index) = worstRatio(logits, referenceLogits(model, input: input.map(Double.init)), rtol: 1e-4, atol: 1e-5)
    #expect(ratio <= 1, "worst logit \(index)")
  }

  /// Inference plans fuse an add into the direct-path conv that alone feeds it (`ScheduledOp.residual`) and the
  /// factorized reductions' crops into their strided 1×1 convs (`ScheduledOp.inputCrop`): on the PC_DARTS network
  /// the logits equal the unfused gradient plan's bit for bit, for batch 1 and 2 and 1 and 2 threads, and the
  /// plan has fused conv + add steps and no crop left.
  @Test func fusedAddAndCropPlanMatchesUnfusedPlan() throws {
    let model = try DARTSNetworkBuilder.make(channels: 3, height: 16, width: 16, initChannels: 4, layers: 5, seed: 9).model()
    let adds = model.graph.ops.filter { if case .add = $0.kind { return true } else { return false } }.count
    let crops = model.graph.ops.filter { if case .crop = $0.kind { return true } else { return false } }.count
    var rng = TestRNG(seed: 23)
    for batch in [1, 2] {
      let input = rng.floats(batch * model.valueShapes[0]!.reduce(1, *), -2, 2)
      let expected = try unfusedLogits(model, input)
      for threads in [1, 2] {
        let fused = InferenceModel(model: model, threads: threads)
        let logits = try fused.logits(input)
        let convAdds = fused.steps.filter { if case .convAdd = $0.operation { return true } else { return false } }
        let addSteps = fused.steps.filter { if case .add = $0.operation { return true } else { return false } }
        #expect(!convAdds.isEmpty && convAdds.count + addSteps.count == adds,
                "\(convAdds.count) fused and \(addSteps.count) plain adds for \(adds) adds")
        let croppedConvs = fused.steps.filter {
          if case .croppedConv = $0.operation { return true } else { return false }
        }
        #expect(croppedConvs.count == crops && crops > 0
                  && !fused.steps.contains { if case .crop = $0.operation { return true } else { return false } },
                "\(croppedConvs.count) cropped convs for \(crops) crops")
        let diff = zip(logits, expected).map { abs($0 - $1) }.max()!
        #expect(logits == expected, "batch \(batch) threads \(threads): max |Δlogit| \(diff)")
        #expect(try fused.logits(input) == expected)  // the residual buffers survive a second run
      }
    }
  }

  /// Which adds fuse into a conv: two-input adds whose conv input comes from a direct-path conv (1×1 or
  /// im2col'd dense) with no fused ReLU, read only by the add, the other input existing before the conv (the
  /// later of two convs; the conv's own input). Not: a conv with a fused ReLU, a conv read twice, another input
  /// produced after the conv, a depthwise conv, a three-input add. Logits match the Double reference and the
  /// unfused gradient plan bit for bit.
  @Test func addFusesIntoADirectConvItAloneReads() throws {
    var rng = TestRNG(seed: 6)
    let header = ModelHeader(inputChannels: 2, inputHeight: 7, inputWidth: 6, classNames: ["a", "b", "c"],
                             mean: [0.5, 0.5], std: [0.5, 0.5])
    var w = CompactModelWriter(header: header)
    var tensorCount = 0
    func t(_ shape: [Int]) throws -> Int {
      tensorCount += 1
      return try w.addTensor(name: "t\(tensorCount)", shape: shape, values: rng.floats(shape.reduce(1, *), -0.7, 0.7))
    }
    func conv1(_ input: Int, _ output: Int, inChannels: Int = 3) throws -> GraphOp {
      GraphOp(.conv(ConvAttributes(kernel: 1)), inputs: [input], output: output,
              tensors: [try t([3, inChannels, 1, 1]), try t([3])])
    }
    w.addOp(try conv1(0, 1, inChannels: 2))                                                 // 0
    w.addOp(try conv1(0, 2, inChannels: 2))                                                 // 1: takes add 2
    w.addOp(GraphOp(.add, inputs: [1, 2], output: 3))                                      // 2: into conv 1
    w.addOp(try conv1(3, 4))                                                                // 3: fused ReLU
    w.addOp(GraphOp(.relu, inputs: [4], output: 5))                                        // 4: into conv 3
    w.addOp(GraphOp(.add, inputs: [5, 3], output: 6))                                      // 5: stays
    w.addOp(try conv1(6, 7))                                                                // 6: takes add 7
    w.addOp(GraphOp(.add, inputs: [6, 7], output: 8))                                      // 7: into conv 6
    w.addOp(try conv1(8, 9))                                                                // 8: read twice
    w.addOp(GraphOp(.globalAveragePool, inputs: [9], output: 10))                          // 9: (3, 1, 1)
    w.addOp(GraphOp(.add, inputs: [9, 8], output: 11))                                     // 10: stays
    w.addOp(try conv1(11, 12))                                                              // 11
    w.addOp(GraphOp(.averagePool(PoolAttributes(kernel: 3, stride: 1, padding: 1)), inputs: [11], output: 13))
    w.addOp(GraphOp(.add, inputs: [12, 13], output: 14))                                   // 13: stays (pool later)
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, groups: 3)), inputs: [14], output: 15,
                    tensors: [try t([3, 1, 3, 3]), try t([3])]))                           // 14: depthwise
    w.addOp(GraphOp(.add, inputs: [15, 14], output: 16))                                   // 15: stays
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1)), inputs: [16], output: 17,
                    tensors: [try t([3, 3, 3, 3]), try t([3])]))                           // 16
    w.addOp(try conv1(16, 18))                                                              // 17
    w.addOp(GraphOp(.add, inputs: [17, 18, 16], output: 19))                               // 18: stays (3 inputs)
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1)), inputs: [19], output: 20,
                    tensors: [try t([3, 3, 3, 3])]))                                       // 19: takes add 20
    w.addOp(GraphOp(.add, inputs: [14, 20], output: 21))                                   // 20: into conv 19
    w.addOp(GraphOp(.globalAveragePool, inputs: [21], output: 22))
    w.addOp(GraphOp(.concat, inputs: [22, 10], output: 23))                                // (6, 1, 1)
    w.addOp(GraphOp(.flatten, inputs: [23], output: 24))
    w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [24], output: 25, tensors: [try t([3, 6]), try t([3])]))
    w.outputValue = 25
    let model = try w.model()
    let input = rng.floats(2 * model.valueShapes[0]!.reduce(1, *), -2, 2)
    let expected = try unfusedLogits(model, input)
    for threads in [1, 2] {
      let runner = InferenceModel(model: model, threads: threads)
      let logits = try runner.logits(input)
      #expect(logits == expected, "threads \(threads)")
      #expect(runner.steps.map(\.opIndex) == [0, 1, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23,
                                              24])
      var fusedOps: [Int] = []
      for step in runner.steps {
        if case .convAdd = step.operation {
          fusedOps.append(step.opIndex)
          #expect(step.inputs.count == 2 && step.output == model.graph.ops[step.opIndex + 1].outputs[0])
        }
      }
      #expect(fusedOps == [1, 6, 19])
      #expect(runner.steps.first { $0.opIndex == 1 }?.inputs == [0, 1])
      #expect(runner.steps.first { $0.opIndex == 6 }?.inputs == [6, 6])
      #expect(runner.steps.first { $0.opIndex == 19 }?.inputs == [19, 14])
    }
    expectMatchesReference(expected, model, input: input)
  }

  /// Which crops fuse: one read only by 1×1 unpadded strided convs (two of them, one with a fused ReLU) into
  /// them; not one also read by a stride-1 1×1 conv, nor one read by a strided 3×3 conv. Logits match the Double
  /// reference and the unfused gradient plan bit for bit, batch 2, 1 and 2 threads.
  @Test func cropFusesIntoStridedPointwiseReaders() throws {
    var rng = TestRNG(seed: 8)
    let header = ModelHeader(inputChannels: 3, inputHeight: 9, inputWidth: 8, classNames: ["a", "b"],
                             mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
    var w = CompactModelWriter(header: header)
    var tensorCount = 0
    func t(_ shape: [Int]) throws -> Int {
      tensorCount += 1
      return try w.addTensor(name: "t\(tensorCount)", shape: shape, values: rng.floats(shape.reduce(1, *), -0.7, 0.7))
    }
    func conv(_ input: Int, _ output: Int, kernel: Int = 1, stride: Int) throws -> GraphOp {
      GraphOp(.conv(ConvAttributes(kernel: kernel, stride: stride)), inputs: [input], output: output,
              tensors: [try t([2, 3, kernel, kernel]), try t([2])])
    }
    w.addOp(GraphOp(.crop(Padding2D(top: 1, left: 2, bottom: 0, right: 1)), inputs: [0], output: 1))  // 0: fuses
    w.addOp(try conv(1, 2, stride: 2))                                                     // 1: (2, 4, 3)
    w.addOp(try conv(1, 3, stride: 2))                                                     // 2: ReLU fused
    w.addOp(GraphOp(.relu, inputs: [3], output: 4))                                        // 3: into conv 2
    w.addOp(GraphOp(.crop(Padding2D(top: 1, left: 1, bottom: 0, right: 0)), inputs: [0], output: 5))  // 4: stays
    w.addOp(try conv(5, 6, stride: 2))                                                     // 5: (2, 4, 4)
    w.addOp(try conv(5, 7, stride: 1))                                                     // 6: (2, 8, 7)
    w.addOp(GraphOp(.crop(Padding2D(top: 0, left: 1, bottom: 1, right: 0)), inputs: [0], output: 8))  // 7: stays
    w.addOp(try conv(8, 9, kernel: 3, stride: 2))                                          // 8: (2, 3, 3)
    w.addOp(GraphOp(.concat, inputs: [2, 4], output: 10))
    var pools: [Int] = []
    for (i, value) in [10, 6, 7, 9].enumerated() {
      w.addOp(GraphOp(.globalAveragePool, inputs: [value], output: 11 + i))
      pools.append(11 + i)
    }
    w.addOp(GraphOp(.concat, inputs: pools, output: 15))                                   // (10, 1, 1)
    w.addOp(GraphOp(.flatten, inputs: [15], output: 16))
    w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [16], output: 17, tensors: [try t([2, 10]), try t([2])]))
    w.outputValue = 17
    let model = try w.model()
    let count = model.valueShapes[0]!.reduce(1, *)
    let input = rng.floats(2 * count, -2, 2)
    let expected = try unfusedLogits(model, input)
    for threads in [1, 2] {
      let runner = InferenceModel(model: model, threads: threads)
      #expect(try runner.logits(input) == expected, "threads \(threads)")
      #expect(runner.steps.map(\.opIndex) == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
      for step in runner.steps {
        switch (step.opIndex, step.operation) {
        case (1, .croppedConv(_, _, _, 9, 8, 10, false)), (2, .croppedConv(_, _, _, 9, 8, 10, true)),
             (4, .crop), (5, .conv), (7, .crop), (8, .conv):
          #expect(step.inputs == [[1: 0, 2: 0, 4: 0, 5: 5, 7: 0, 8: 8][step.opIndex]!], "op \(step.opIndex)")
        case (1, _), (2, _), (4, _), (5, _), (7, _), (8, _): Issue.record("op \(step.opIndex): \(step.operation)")
        default: break
        }
      }
    }
    expectMatchesReference(expected, model, input: input)
  }

  /// Batch-1 inference plans write a concat's inputs in place as slices of its output and drop the concat: a
  /// plain one; one with a fused ReLU whose inputs are otherwise read by a ReLU and a depthwise conv reading
  /// max(x, 0) (their producers apply the ReLU); not one with a fused ReLU whose inputs an add reads, nor one whose
  /// slices would not start on 16 floats. Batch 2 keeps every concat. Logits equal the unfused plan's bit for bit.
  @Test func batchOneConcatsWriteSlicesInPlace() throws {
    var rng = TestRNG(seed: 12)
    let header = ModelHeader(inputChannels: 2, inputHeight: 4, inputWidth: 4, classNames: ["a", "b"],
                             mean: [0.5, 0.5], std: [0.5, 0.5])
    var w = CompactModelWriter(header: header)
    var tensorCount = 0
    func t(_ shape: [Int]) throws -> Int {
      tensorCount += 1
      return try w.addTensor(name: "t\(tensorCount)", shape: shape, values: rng.floats(shape.reduce(1, *), -0.7, 0.7))
    }
    func conv(_ input: Int, _ output: Int, _ inChannels: Int) throws -> GraphOp {
      GraphOp(.conv(ConvAttributes(kernel: 1)), inputs: [input], output: output,
              tensors: [try t([2, inChannels, 1, 1]), try t([2])])
    }
    w.addOp(try conv(0, 1, 2))                                                              // 0
    w.addOp(try conv(0, 2, 2))                                                              // 1
    w.addOp(GraphOp(.concat, inputs: [1, 2], output: 3))                                   // 2: sliced
    w.addOp(try conv(3, 4, 4))                                                              // 3: ReLU after
    w.addOp(try conv(3, 5, 4))                                                              // 4: ReLU after
    w.addOp(GraphOp(.concat, inputs: [4, 5], output: 6))                                   // 5: sliced
    w.addOp(GraphOp(.relu, inputs: [6], output: 7))                                        // 6: into concat 5
    w.addOp(GraphOp(.relu, inputs: [4], output: 8))                                        // 7: into conv 8
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, groups: 2)), inputs: [8], output: 9,
                    tensors: [try t([2, 1, 3, 3])]))                                       // 8: reads max(4, 0)
    w.addOp(GraphOp(.relu, inputs: [5], output: 10))                                       // 9: stays
    w.addOp(try conv(7, 11, 4))                                                             // 10
    w.addOp(try conv(7, 12, 4))                                                             // 11
    w.addOp(GraphOp(.concat, inputs: [11, 12], output: 13))                                // 12: stays (add reads)
    w.addOp(GraphOp(.relu, inputs: [13], output: 14))                                      // 13: into concat 12
    w.addOp(GraphOp(.add, inputs: [11, 12], output: 15))                                   // 14
    for (i, value) in [9, 10, 14, 15].enumerated() {                                       // 15…18: (·, 1, 1)
      w.addOp(GraphOp(.globalAveragePool, inputs: [value], output: 16 + i))
    }
    w.addOp(GraphOp(.concat, inputs: [16, 17, 18, 19], output: 20))                        // 19: stays (offsets)
    w.addOp(GraphOp(.flatten, inputs: [20], output: 21))
    w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [21], output: 22, tensors: [try t([2, 10]), try t([2])]))
    w.outputValue = 22
    let model = try w.model()
    let count = model.valueShapes[0]!.reduce(1, *)
    for batch in [1, 2] {
      let input = rng.floats(batch * count, -2, 2)
      let expected = try unfusedLogits(model, input)
      let runner = InferenceModel(model: model)
      #expect(try runner.logits(input) == expected, "batch \(batch)")
      let concats = runner.steps.filter { if case .concat = $0.operation { return true } else { return false } }
      #expect(concats.map(\.opIndex) == (batch == 1 ? [12, 19] : [2, 5, 12, 19]), "batch \(batch)")
      let reluAfter = runner.steps.filter { $0.reluCount > 0 }.map(\.opIndex)
      #expect(reluAfter == (batch == 1 ? [3, 4] : []), "batch \(batch)")
      if batch == 1 {
        #expect(runner.values[1] + 0 == runner.values[3] && runner.values[2] == runner.values[3] + 32)
        #expect(runner.values[4] == runner.values[7] && runner.values[5] == runner.values[7] + 32)
        #expect(runner.values[11] != runner.values[13] && runner.values[16] != runner.values[20])
      }
    }
  }

  @Test func badInputsThrow() throws {
    let runner = InferenceModel(model: try makeNetworkWriter().model())
    #expect(throws: RuntimeError.inputSizeMismatch(expected: 297, actual: 5)) { try runner.logits([1, 2, 3, 4, 5]) }
    #expect(throws: RuntimeError.badBatchSize(0)) { try runner.prepare(batchSize: 0) }
    try runner.prepare(batchSize: 1, forGradient: true)
    runner.run()
    #expect(throws: RuntimeError.labelOutOfRange(label: 4, classCount: 4)) { try runner.backward(labels: [4]) }
  }

  /// Normalisation follows FORMAT.md: (v / 255 − mean) / std, per channel.
  @Test func normalisationMatchesFormat() throws {
    let runner = InferenceModel(model: try makeNetworkWriter().model())
    let norm = runner.normalization
    var rng = TestRNG(seed: 3)
    let pixels = rng.bytes(norm.sampleCount)
    var out = [Float](repeating: 0, count: pixels.count)
    out.withUnsafeMutableBufferPointer { o in
      pixels.withUnsafeBufferPointer { norm.normalize(o.baseAddress!, pixels: $0.baseAddress!, batch: 1) }
    }
    for i in pixels.indices {
      let c = i / norm.planeSize
      let expected = (Double(pixels[i]) / 255 - Double(norm.mean[c])) / Double(norm.std[c])
      #expect(abs(Double(out[i]) - expected) < 1e-5)
    }
  }

  @Test func topClassesAreSortedProbabilities() {
    let logits: [Float] = [0.5, 2, -1, 2, 0]
    let ranked = logits.withUnsafeBufferPointer { topClasses($0, k: 3) }
    #expect(ranked.map(\.classIndex) == [1, 3, 0])
    let p = logits.map { exp(Double($0)) }, s = p.reduce(0, +)
    #expect(abs(Double(ranked[0].probability) - p[1] / s) < 1e-6)
  }
}
