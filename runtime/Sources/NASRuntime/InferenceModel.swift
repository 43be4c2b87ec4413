import NASFormat
import NASKernels

/// Runs a validated compact model: weights bound once, activation buffers planned once per batch size.
///
/// fp32 weights are used in place in the model's file image (64-byte aligned); fp16 and int8 weights are
/// dequantised to fp32 at load. `prepare(batchSize:)` allocates one activation arena for that batch (values whose
/// readers have all run share memory; re-planned only when the batch size changes) and binds every op to its
/// buffers and kernel geometry; `run()` then executes the op list with no further planning. A gradient plan
/// (`prepare(batchSize:forGradient: true)`) keeps every activation so that `backward(labels:)` can run the
/// reverse pass for the input gradient. An inference plan also fuses ReLUs away (into the depthwise convs that
/// read them, or into the conv or concat that alone feeds them), crops into the strided 1×1 convs reading them,
/// and adds into the conv feeding them (`ScheduledOp`); at batch 1 it writes concat inputs in place as slices of
/// the concat's output (`concatSlices`). A gradient plan runs every op.
///
/// Kernels: conv with symmetric padding and square stride/dilation goes to NASKernels (im2col + `sgemm`, 1×1 as a
/// plain GEMM, direct depthwise kernels), square pools with padding ≤ kernel/2 to the NASKernels pools (max pools
/// record their argmax only in gradient plans); other
/// geometries the format allows run on the direct kernels in `Kernels/Window.swift`.
///
///     let runner = try InferenceModel(model: CompactModelReader.map(path: "model.nasb"))
///     try runner.prepare(batchSize: 1)
///     // write the normalised (1, C, H, W) image into runner.inputBuffer, then:
///     let logits = runner.run()       // (1, K), valid until the next run
///
/// Not thread-safe: one model runs one inference at a time (it may use `threads` workers inside).
public final class InferenceModel {
  /// The default activation limit: 2^28 floats (1 GiB).
  public static let defaultActivationLimit = 1 << 28

  public let model: CompactModel
  /// Workers the conv and GEMM kernels may use (results do not depend on it).
  public let threads: Int
  /// Activation floats a plan may hold; larger plans throw `RuntimeError.planTooLarge`.
  public let activationLimit: Int
  /// The batch size of the current plan (0 before the first `prepare`).
  public private(set) var batchSize = 0
  /// True when the current plan keeps every activation (`prepare(batchSize:forGradient: true)`).
  public private(set) var keepsActivations = false

  /// Per tensor-table index: fp32 values (in the file image, or in `ownedWeights`).
  let weights: [UnsafePointer<Float>]
  private let ownedWeights: [UnsafeMutablePointer<Float>]
  /// Per-sample element count of each value id (0 for undefined ids).
  let valueCounts: [Int]
  /// Start of each value's (batch × count) buffer in `arena`.
  var values: [UnsafeMutablePointer<Float>] = []
  var steps: [PlannedStep] = []
  private var arena: UnsafeMutablePointer<Float>?
  private var arenaCount = 0
  /// Floats in the activation arena of the current plan.
  public var plannedFloats: Int { arenaCount }
  private var argmaxBuffers: [UnsafeMutablePointer<Int32>] = []
  /// The input ids and concat channel counts of the plan's steps (`PlannedStep` holds no reference-counted
  /// storage, so the executor's per-step copies retain nothing).
  private var indexBuffers: [UnsafeMutableBufferPointer<Int>] = []
  /// Gradient arena, same layout as `arena`; allocated by the first `backward` of a plan.
  var gradients: [UnsafeMutablePointer<Float>] = []
  private var gradientArena: UnsafeMutablePointer<Float>?

  /// Binds `model`'s weights (dequantising fp16/int8). The model must come from `CompactModelReader` or
  /// `CompactModelWriter.model()`, which validate it.
  public init(model: CompactModel, threads: Int = 1, activationLimit: Int = InferenceModel.defaultActivationLimit) {
    self.model = model
    self.threads = max(1, threads)
    self.activationLimit = activationLimit
    var weights: [UnsafePointer<Float>] = []
    var owned: [UnsafeMutablePointer<Float>] = []
    for (index, tensor) in model.tensors.enumerated() {
      if tensor.dataType == .float32 {
        weights.append((model.bytes.pointer + tensor.offset).assumingMemoryBound(to: Float.self))
      } else {
        let values = model.floatValues(ofTensor: index)
        let buffer = allocateFloats(values.count)
        values.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: values.count) }
        owned.append(buffer)
        weights.append(UnsafePointer(buffer))
      }
    }
    self.weights = weights
    self.ownedWeights = owned
    self.valueCounts = model.valueShapes.map { shape in shape.map { $0.reduce(1, *) } ?? 0 }
  }

  /// Reads (maps) and validates the model at `path`, then binds it.
  public convenience init(path: String, threads: Int = 1) throws(FormatError) {
    self.init(model: try CompactModelReader.map(path: path), threads: threads)
  }

  deinit {
    releasePlan()
    for buffer in ownedWeights { buffer.deallocate() }
  }

  public var header: ModelHeader { model.header }
  /// C × H × W of one input sample.
  public var inputCount: Int { valueCounts[0] }
  public var classCount: Int { model.header.classCount }

  /// The input of the current plan, (batchSize, C, H, W): write normalised values here before `run()`.
  public var inputBuffer: UnsafeMutableBufferPointer<Float> {
    precondition(batchSize > 0, "InferenceModel: prepare(batchSize:) before using inputBuffer")
    return UnsafeMutableBufferPointer(start: values[0], count: batchSize * inputCount)
  }

  /// The logits of the last `run()`, (batchSize, K).
  public var logitsBuffer: UnsafeBufferPointer<Float> {
    precondition(batchSize > 0, "InferenceModel: prepare(batchSize:) before using logitsBuffer")
    return UnsafeBufferPointer(start: values[model.graph.outputValue], count: batchSize * classCount)
  }

  // MARK: - Planning

  /// Plans buffers for `batchSize` samples; a no-op when the current plan already serves that request.
  ///
  /// An inference plan (`forGradient` false) lets values whose last reader has run share memory (greedy reuse
  /// over the op list; the input and the logits keep their own buffers), which keeps the arena, the peak RSS
  /// and the first-touch page faults small. A gradient plan keeps every activation, as `backward` needs them;
  /// it also serves inference requests of the same batch size.
  /// - Throws: `.badBatchSize` unless 1 ≤ batchSize ≤ 65536, `.planTooLarge` beyond `activationLimit`.
  public func prepare(batchSize newBatch: Int, forGradient: Bool = false) throws(RuntimeError) {
    guard newBatch >= 1, newBatch <= 65536 else { throw .badBatchSize(newBatch) }
    if newBatch == batchSize && (keepsActivations || !forGradient) { return }
    // Every count < 2^31 and at most 2^20 values: sizes are checked against the limit before they are summed.
    var sizes = [Int](repeating: 0, count: valueCounts.count)
    for (id, count) in valueCounts.enumerated() {
      let (size, overflow) = count.multipliedReportingOverflow(by: newBatch)
      guard !overflow, size <= activationLimit else {
        throw .planTooLarge(batchSize: newBatch, floats: overflow ? Int.max : size, limit: activationLimit)
      }
      sizes[id] = roundUpTo16(size)
    }
    var program = forGradient ? model.graph.ops.enumerated().map { ScheduledOp(op: $1, index: $0) } : fusedProgram()
    // Batch 1: concats whose inputs are written in place (each input's buffer is its slice of the output).
    let slices = forGradient || newBatch != 1 ? [:] : concatSlices(&program)
    let (offsets, total) = forGradient ? Self.separateLayout(sizes) : layoutWithReuse(sizes, program, slices: slices)
    guard total <= activationLimit else {
      throw .planTooLarge(batchSize: newBatch, floats: total, limit: activationLimit)
    }
    releasePlan()
    let arena = allocateFloats(total)
    self.arena = arena
    arenaCount = total
    values = offsets.map { arena + $0 }
    batchSize = newBatch
    keepsActivations = forGradient
    steps = program.map { planStep($0) }
  }

  /// The graph ops with the ReLUs and adds an inference plan fuses into their neighbours (see `ScheduledOp`).
  func fusedProgram() -> [ScheduledOp] {
    let ops = model.graph.ops
    var program = ops.enumerated().map { ScheduledOp(op: $1, index: $0) }
    var dropped = [Bool](repeating: false, count: ops.count)
    let graphReaders = dataflow(program, dropped).readers
    // Into the readers: every reader a depthwise conv reading the ReLU as its only input.
    for (i, op) in ops.enumerated() {
      guard case .relu = op.kind, op.outputs[0] != model.graph.outputValue else { continue }
      let value = op.outputs[0]
      let fusable = !graphReaders[value].isEmpty && graphReaders[value].allSatisfy { r in
        ops[r].inputs.firstIndex(of: value) == 0 && ops[r].inputs.lastIndex(of: value) == 0
          && depthwiseGeometry(ops[r]) != nil
      }
      guard fusable else { continue }
      dropped[i] = true
      for r in graphReaders[value] {
        program[r].op.inputs[0] = op.inputs[0]
        program[r].inputReLU = true
      }
    }
    // Into the producer: a conv or concat whose output only this ReLU reads writes max(·, 0) straight into the
    // ReLU's output value. Readers and producers as rewired above.
    let (producer, readers) = dataflow(program, dropped)
    for (i, scheduled) in program.enumerated() where !dropped[i] {
      guard case .relu = scheduled.op.kind else { continue }
      let value = scheduled.op.inputs[0], p = producer[value]
      guard p >= 0, readers[value].count == 1, value != model.graph.outputValue else { continue }
      switch program[p].op.kind {
      case var .conv(a):
        a.fusedReLU = true
        program[p].op.kind = .conv(a)
      case .concat:
        program[p].outputReLU = true
      default:
        continue
      }
      program[p].op.outputs[0] = scheduled.op.outputs[0]
      dropped[i] = true
    }
    fuseCrops(&program, &dropped)
    fuseAdds(&program, &dropped)
    return program.enumerated().filter { !dropped[$0.offset] }.map(\.element)
  }

  /// Per value id: the step producing it (-1 for none) and the steps reading it, each once, in program order;
  /// dropped steps are skipped.
  private func dataflow(_ program: [ScheduledOp], _ dropped: [Bool]) -> (producer: [Int], readers: [[Int]]) {
    var producer = [Int](repeating: -1, count: valueCounts.count)
    var readers = [[Int]](repeating: [], count: valueCounts.count)
    for (i, scheduled) in program.enumerated() where !dropped[i] {
      producer[scheduled.op.outputs[0]] = i
      for id in Set(scheduled.op.inputs) { readers[id].append(i) }
    }
    return (producer, readers)
  }

  /// Fuses a two-input add into the conv producing one input when that conv runs on the direct product path with
  /// no fused ReLU, only the add reads its output, and the other input exists when it runs (it is the graph
  /// input or produced earlier): the conv reads the other input as its residual and writes residual + conv into
  /// the add's output value (see `ScheduledOp.residual`). Of two such convs the later one fuses.
  private func fuseAdds(_ program: inout [ScheduledOp], _ dropped: inout [Bool]) {
    let flow = dataflow(program, dropped)
    var producer = flow.producer
    let readers = flow.readers
    for (i, scheduled) in program.enumerated() where !dropped[i] {
      guard case .add = scheduled.op.kind, scheduled.op.inputs.count == 2,
            scheduled.op.inputs[0] != scheduled.op.inputs[1] else { continue }
      var chosen: (conv: Int, other: Int)?
      for (slot, value) in scheduled.op.inputs.enumerated() {
        let p = producer[value], other = scheduled.op.inputs[1 - slot]
        guard p >= 0, readers[value].count == 1, value != model.graph.outputValue, producer[other] < p,
              residualConvEligible(program[p]), p > (chosen?.conv ?? -1) else { continue }
        chosen = (p, other)
      }
      guard let (p, other) = chosen else { continue }
      program[p].op.inputs.append(other)
      program[p].residual = true
      program[p].op.outputs[0] = scheduled.op.outputs[0]
      producer[scheduled.op.outputs[0]] = p
      dropped[i] = true
    }
  }

  /// Drops a crop (not the graph output) whose readers are all 1×1 unpadded strided convs reading it as their
  /// only input: they read the crop's input as a window of its planes instead (`ScheduledOp.inputCrop`).
  private func fuseCrops(_ program: inout [ScheduledOp], _ dropped: inout [Bool]) {
    let readers = dataflow(program, dropped).readers
    for (i, scheduled) in program.enumerated() where !dropped[i] {
      guard case let .crop(p) = scheduled.op.kind, scheduled.op.outputs[0] != model.graph.outputValue else { continue }
      let value = scheduled.op.outputs[0]
      let fusable = !readers[value].isEmpty && readers[value].allSatisfy { r in
        guard case let .conv(a) = program[r].op.kind, program[r].op.inputs == [value], !program[r].inputReLU,
              program[r].inputCrop == nil,
              let g = convGeometry(a, batch: 1, inShape: model.valueShapes[value]!,
                                   outShape: model.valueShapes[program[r].op.outputs[0]]!) else { return false }
        return g.acceptsInputPlane
      }
      guard fusable else { continue }
      for r in readers[value] {
        program[r].op.inputs[0] = scheduled.op.inputs[0]
        program[r].inputCrop = (value, p.top, p.left)
      }
      dropped[i] = true
    }
  }

  /// True for a conv step that can take a residual: a plain (not yet fused) conv with one input whose
  /// NASKernels geometry runs on the direct product path.
  private func residualConvEligible(_ scheduled: ScheduledOp) -> Bool {
    guard case let .conv(a) = scheduled.op.kind, !a.fusedReLU, !scheduled.inputReLU, !scheduled.residual,
          scheduled.inputCrop == nil, scheduled.op.inputs.count == 1,
          let g = convGeometry(a, batch: 1, inShape: model.valueShapes[scheduled.op.inputs[0]]!,
                               outShape: model.valueShapes[scheduled.op.outputs[0]]!) else { return false }
    return g.forwardUsesDirectProduct
  }

  /// The NASKernels geometry of a depthwise conv op (groups == C in == C out, symmetric padding, square stride
  /// and dilation), else nil.
  func depthwiseGeometry(_ op: GraphOp) -> Conv2DGeometry? {
    guard case let .conv(a) = op.kind,
          let g = convGeometry(a, batch: 1, inShape: model.valueShapes[op.inputs[0]]!,
                               outShape: model.valueShapes[op.outputs[0]]!), g.isDepthwise else { return nil }
    return g
  }

  /// The NASKernels geometry of a conv with symmetric padding and square stride and dilation whose output
  /// shape matches the graph's, else nil (the direct kernels run it).
  private func convGeometry(_ a: ConvAttributes, batch: Int, inShape: [Int], outShape: [Int]) -> Conv2DGeometry? {
    guard let p = a.padding.uniform, a.strideHeight == a.strideWidth, a.dilationHeight == a.dilationWidth,
          Conv2DGeometry.validate(batch: batch, inChannels: inShape[0], height: inShape[1],
                                  width: inShape[2], outChannels: outShape[0], kernelHeight: a.kernelHeight,
                                  kernelWidth: a.kernelWidth, stride: a.strideHeight, padding: p,
                                  dilation: a.dilationHeight, groups: a.groups) == nil else { return nil }
    let g = Conv2DGeometry(batch: batch, inChannels: inShape[0], height: inShape[1], width: inShape[2],
                           outChannels: outShape[0], kernelHeight: a.kernelHeight, kernelWidth: a.kernelWidth,
                           stride: a.strideHeight, padding: p, dilation: a.dilationHeight, groups: a.groups)
    return g.outHeight == outShape[1] && g.outWidth == outShape[2] ? g : nil
  }

  /// For a batch-1 inference plan: drops each concat whose inputs are distinct values read by no other concat,
  /// produced by non-concat steps, none the graph input or output, each starting a whole number of 16 floats
  /// into the output; returns value id → (concat output id, offset in floats) for those inputs, whose buffers
  /// become slices of the output's. A concat with a fused ReLU qualifies when every other reader of its inputs
  /// applies max(·, 0) anyway (a ReLU, a depthwise conv reading max(x, 0)): the inputs' producers then apply it
  /// (`ScheduledOp.reluAfter`), which changes no reader's result.
  func concatSlices(_ program: inout [ScheduledOp]) -> [Int: (whole: Int, offset: Int)] {
    var concatReads = [Int](repeating: 0, count: valueCounts.count)
    var producedByConcat = [Bool](repeating: false, count: valueCounts.count)
    var producer = [Int](repeating: -1, count: valueCounts.count)
    var readers = [[Int]](repeating: [], count: valueCounts.count)
    for (i, scheduled) in program.enumerated() {
      producer[scheduled.op.outputs[0]] = i
      for id in Set(scheduled.op.inputs) { readers[id].append(i) }
      guard case .concat = scheduled.op.kind else { continue }
      producedByConcat[scheduled.op.outputs[0]] = true
      for id in scheduled.op.inputs { concatReads[id] += 1 }
    }
    func appliesReLU(_ r: Int) -> Bool {
      if case .relu = program[r].op.kind { return true }
      return program[r].inputReLU
    }
    var slices: [Int: (whole: Int, offset: Int)] = [:]
    var dropped = Set<Int>()
    for (i, scheduled) in program.enumerated() {
      guard case .concat = scheduled.op.kind else { continue }
      let inputs = scheduled.op.inputs, whole = scheduled.op.outputs[0]
      var offsets: [Int] = [], offset = 0
      for id in inputs {
        offsets.append(offset)
        offset += valueCounts[id]
      }
      let eligible = Set(inputs).count == inputs.count && zip(inputs, offsets).allSatisfy { id, offset in
        id != 0 && id != model.graph.outputValue && concatReads[id] == 1 && !producedByConcat[id]
          && offset % 16 == 0 && producer[id] >= 0
          && (!scheduled.outputReLU || readers[id].allSatisfy { $0 == i || appliesReLU($0) })
      }
      guard eligible else { continue }
      for (id, offset) in zip(inputs, offsets) {
        slices[id] = (whole, offset)
        if scheduled.outputReLU { program[producer[id]].reluAfter = true }
      }
      dropped.insert(i)
    }
    program = program.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
    return slices
  }

  /// Every value in its own buffer.
  private static func separateLayout(_ sizes: [Int]) -> (offsets: [Int], total: Int) {
    var offsets = [Int](repeating: 0, count: sizes.count), total = 0
    for (id, size) in sizes.enumerated() {
      offsets[id] = total
      total += size  // ≤ 2^20 values of ≤ 2^31 + 15 floats: no overflow
    }
    return (offsets, total)
  }

  /// Greedy buffer sharing: each op's output takes the smallest free block that fits (or new space), then the
  /// inputs read for the last time are freed. Outputs are placed before inputs are freed, so an op never
  /// writes over what it reads. Value 0 and the graph output are never freed. A value in `slices` lives at its
  /// offset in the whole value's buffer, which is placed when its first slice is written and freed after the
  /// last read of the whole or any slice.
  private func layoutWithReuse(_ sizes: [Int], _ program: [ScheduledOp],
                               slices: [Int: (whole: Int, offset: Int)] = [:]) -> (offsets: [Int], total: Int) {
    let ops = program.map(\.op)
    @inline(__always) func owner(_ id: Int) -> Int { slices[id]?.whole ?? id }
    var lastUse = [Int](repeating: -1, count: sizes.count)
    for (i, op) in ops.enumerated() {
      for id in op.inputs { lastUse[owner(id)] = i }
      if lastUse[owner(op.outputs[0])] < i { lastUse[owner(op.outputs[0])] = i }
    }
    lastUse[0] = Int.max
    lastUse[model.graph.outputValue] = Int.max
    var offsets = [Int](repeating: 0, count: sizes.count)
    var placed = [Bool](repeating: false, count: sizes.count)
    var blockSize = [Int](repeating: 0, count: sizes.count)
    var free: [(offset: Int, size: Int)] = []
    var total = sizes[0]
    func place(_ id: Int, _ need: Int) {
      var best = -1
      for (j, block) in free.enumerated() where block.size >= need && (best < 0 || block.size < free[best].size) {
        best = j
      }
      if best >= 0 {
        offsets[id] = free[best].offset
        blockSize[id] = free[best].size
        free.remove(at: best)
      } else {
        offsets[id] = total
        blockSize[id] = need
        total += need
      }
    }
    for (i, op) in ops.enumerated() {
      let output = op.outputs[0], id = owner(output)
      if !placed[id] {  // a whole value is placed with its first slice
        placed[id] = true
        place(id, sizes[id])
      }
      if let slice = slices[output] { offsets[output] = offsets[slice.whole] + slice.offset }
      var released = Set<Int>()
      for input in (op.inputs + [output]).map(owner) where lastUse[input] == i && input != 0
        && released.insert(input).inserted {
        free.append((offsets[input], blockSize[input]))
      }
    }
    return (offsets, total)
  }

  private func releasePlan() {
    arena?.deallocate()
    arena = nil
    gradientArena?.deallocate()
    gradientArena = nil
    for buffer in argmaxBuffers { buffer.deallocate() }
    argmaxBuffers = []
    for buffer in indexBuffers { buffer.deallocate() }
    indexBuffers = []
    values = []
    gradients = []
    steps = []
    batchSize = 0
    keepsActivations = false
  }

  private func planStep(_ scheduled: ScheduledOp) -> PlannedStep {
    let op = scheduled.op
    let n = batchSize
    let output = op.outputs[0]
    let inShape = model.valueShapes[op.inputs[0]]!
    let outShape = model.valueShapes[output]!
    let operation: PlannedOperation
    switch op.kind {
    case let .conv(a) where scheduled.inputReLU:
      operation = .depthwiseConvReLUInput(weight: weights[op.tensors[0]],
                                          bias: op.tensors.count > 1 ? weights[op.tensors[1]] : nil,
                                          geometry: convGeometry(a, batch: n, inShape: inShape, outShape: outShape)!,
                                          fusedReLU: a.fusedReLU)
    case let .conv(a) where scheduled.inputCrop != nil:
      let crop = scheduled.inputCrop!
      operation = .croppedConv(weight: weights[op.tensors[0]],
                               bias: op.tensors.count > 1 ? weights[op.tensors[1]] : nil,
                               geometry: convGeometry(a, batch: n, inShape: model.valueShapes[crop.value]!,
                                                      outShape: outShape)!,
                               planeHeight: inShape[1], planeWidth: inShape[2],
                               offset: crop.top * inShape[2] + crop.left, fusedReLU: a.fusedReLU)
    case let .conv(a) where scheduled.residual:
      operation = .convAdd(weight: weights[op.tensors[0]], bias: op.tensors.count > 1 ? weights[op.tensors[1]] : nil,
                           geometry: convGeometry(a, batch: n, inShape: inShape, outShape: outShape)!)
    case let .conv(a):
      let window = Window(conv: a, height: inShape[1], width: inShape[2])
      let fast = convGeometry(a, batch: n, inShape: inShape, outShape: outShape)
      operation = .conv(weight: weights[op.tensors[0]], bias: op.tensors.count > 1 ? weights[op.tensors[1]] : nil,
                        fast: fast, window: window, batch: n, inChannels: inShape[0], outChannels: outShape[0],
                        groups: a.groups, fusedReLU: a.fusedReLU)
    case .relu:
      operation = .relu(count: n * valueCounts[output])
    case let .maxPool(a):
      let window = Window(pool: a, height: inShape[1], width: inShape[2])
      let planes = n * inShape[0]
      let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: max(planes * window.outputPlane, 1))
      argmax.initialize(repeating: 0, count: max(planes * window.outputPlane, 1))
      argmaxBuffers.append(argmax)
      operation = .maxPool(fast: fastPool(a, inShape), window: window, planes: planes, argmax: argmax,
                           recordsArgmax: keepsActivations)
    case let .averagePool(a):
      let window = Window(pool: a, height: inShape[1], width: inShape[2])
      operation = .averagePool(fast: a.countIncludePad ? nil : fastPool(a, inShape), window: window,
                               planes: n * inShape[0], countIncludePad: a.countIncludePad)
    case .add:
      operation = .add(count: n * valueCounts[output])
    case .concat:
      operation = .concat(channels: planIndices(op.inputs.map { model.valueShapes[$0]![0] }),
                          planeSize: inShape[1] * inShape[2], batch: n, relu: scheduled.outputReLU)
    case let .crop(p):
      operation = .crop(planes: n * inShape[0], height: inShape[1], width: inShape[2], top: p.top, left: p.left,
                        outHeight: outShape[1], outWidth: outShape[2])
    case let .pad(p, value):
      operation = .pad(planes: n * inShape[0], height: inShape[1], width: inShape[2], top: p.top, left: p.left,
                       outHeight: outShape[1], outWidth: outShape[2], value: value)
    case .channelAffine:
      operation = .channelAffine(scale: weights[op.tensors[0]], shift: weights[op.tensors[1]], batch: n,
                                 channels: inShape[0], planeSize: inShape.dropFirst().reduce(1, *))
    case let .channelShuffle(groups):
      operation = .channelShuffle(batch: n, channels: inShape[0], groups: groups,
                                  planeSize: inShape.dropFirst().reduce(1, *))
    case .globalAveragePool:
      operation = .globalAveragePool(planes: n * inShape[0], planeSize: inShape[1] * inShape[2])
    case .flatten:
      operation = .flatten(count: n * valueCounts[output])
    case let .gemm(fusedReLU):
      operation = .gemm(weight: weights[op.tensors[0]], bias: op.tensors.count > 1 ? weights[op.tensors[1]] : nil,
                        batch: n, inFeatures: valueCounts[op.inputs[0]], outFeatures: outShape[0],
                        fusedReLU: fusedReLU)
    }
    return PlannedStep(operation: operation, inputIDs: planIndices(op.inputs), output: output,
                       opIndex: scheduled.index, reluCount: scheduled.reluAfter ? n * valueCounts[output] : 0)
  }

  /// `values` in a buffer owned by the current plan.
  private func planIndices(_ values: [Int]) -> UnsafeBufferPointer<Int> {
    let buffer = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(values.count, 1))
    _ = buffer.initialize(from: values)
    indexBuffers.append(buffer)
    return UnsafeBufferPointer(rebasing: buffer[0..<values.count])
  }

  /// The NASKernels geometry for a square, symmetric pool it supports (padding ≤ kernel / 2), else nil.
  private func fastPool(_ a: PoolAttributes, _ inShape: [Int]) -> PoolGeometry? {
    guard let p = a.padding.uniform, a.kernelHeight == a.kernelWidth, a.strideHeight == a.strideWidth,
          PoolGeometry.validate(height: inShape[1], width: inShape[2], kernel: a.kernelHeight,
                                stride: a.strideHeight, padding: p) == nil else { return nil }
    return PoolGeometry(height: inShape[1], width: inShape[2], kernel: a.kernelHeight, stride: a.strideHeight,
                        padding: p)
  }

  /// Allocates the gradient arena for the current plan if needed and zeroes it.
  func prepareGradients() {
    precondition(keepsActivations, "InferenceModel: backward needs prepare(batchSize:forGradient: true) before run()")
    if gradientArena == nil {
      let g = allocateFloats(arenaCount)
      gradientArena = g
      let base = arena!
      gradients = values.map { g + ($0 - base) }
    }
    gradientArena!.update(repeating: 0, count: arenaCount)
  }

  // MARK: - Running

  /// Runs the graph on `inputBuffer`; returns the logits (batchSize, K), valid until the next run or prepare.
  @discardableResult
  public func run() -> UnsafeBufferPointer<Float> {
    precondition(batchSize > 0, "InferenceModel: prepare(batchSize:) before run()")
    // Index loop: each step is borrowed in place rather than copied out of the array.
    for i in steps.indices { execute(steps[i]) }
    return logitsBuffer
  }

  /// The logits for `input` (batch × C × H × W normalised values, batch inferred), re-planning if needed.
  public func logits(_ input: [Float]) throws(RuntimeError) -> [Float] {
    guard inputCount > 0, !input.isEmpty, input.count % inputCount == 0 else {
      throw .inputSizeMismatch(expected: max(batchSize, 1) * inputCount, actual: input.count)
    }
    try prepare(batchSize: input.count / inputCount)
    let destination = inputBuffer
    input.withUnsafeBufferPointer { destination.baseAddress!.update(from: $0.baseAddress!, count: input.count) }
    return Array(run())
  }

  func execute(_ step: PlannedStep) {
    let out = values[step.output]
    let x = UnsafePointer(values[step.inputIDs[0]])
    switch step.operation {
    case let .conv(weight, bias, fast, window, batch, inChannels, outChannels, groups, fusedReLU):
      if let g = fast, !g.isDepthwise {
        conv2dForward(out, x, weight, bias, g, relu: fusedReLU || step.reluCount > 0, threads: threads)
        return
      }
      if let g = fast {
        conv2dForward(out, x, weight, bias, g, threads: threads)
      } else {
        directConv2dForward(out, x, weight, bias, batch: batch, inChannels: inChannels, outChannels: outChannels,
                            groups: groups, window)
      }
      if fusedReLU { reluInPlace(out, count: batch * outChannels * window.outputPlane) }
    case let .croppedConv(weight, bias, g, planeHeight, planeWidth, offset, fusedReLU):
      conv2dForward(out, x + offset, weight, bias, g, inputPlane: (planeHeight, planeWidth),
                    relu: fusedReLU || step.reluCount > 0, threads: threads)
      return
    case let .convAdd(weight, bias, g):
      conv2dForward(out, x, weight, bias, g, residual: UnsafePointer(values[step.inputIDs[1]]),
                    relu: step.reluCount > 0, threads: threads)
      return
    case let .depthwiseConvReLUInput(weight, bias, g, fusedReLU):
      depthwiseConv2dForward(out, x, weight, bias, g, inputReLU: true, threads: threads)
      if fusedReLU { reluInPlace(out, count: g.outputCount) }
    case let .relu(count):
      reluCopy(out, x, count: count)
    case let .maxPool(fast, window, planes, argmax, recordsArgmax):
      if let g = fast {
        maxPool2dForward(out, recordsArgmax ? argmax : nil, x, planes: planes, geometry: g)
      } else {
        windowMaxPoolForward(out, argmax, x, planes: planes, window)
      }
    case let .averagePool(fast, window, planes, countIncludePad):
      if let g = fast {
        avgPool2dForward(out, x, planes: planes, geometry: g)
      } else {
        windowAvgPoolForward(out, x, planes: planes, window, countIncludePad: countIncludePad)
      }
    case let .add(count):
      addCopy(out, x, values[step.inputIDs[1]], count: count)
      for id in step.inputIDs.dropFirst(2) { accumulateInto(out, values[id], count: count) }
    case let .concat(channels, planeSize, batch, relu):
      let total = channels.reduce(0, +)
      for n in 0..<batch {
        var offset = 0
        for (i, id) in step.inputIDs.enumerated() {
          let block = channels[i] * planeSize
          let dst = out + (n * total) * planeSize + offset, src = UnsafePointer(values[id] + n * block)
          if relu { reluCopy(dst, src, count: block) } else { dst.update(from: src, count: block) }
          offset += block
        }
      }
    case let .crop(planes, height, width, top, left, outHeight, outWidth):
      cropForward(out, x, planes: planes, height: height, width: width, top: top, left: left,
                  outHeight: outHeight, outWidth: outWidth)
    case let .pad(planes, height, width, top, left, outHeight, outWidth, value):
      padForward(out, x, planes: planes, height: height, width: width, top: top, left: left,
                 outHeight: outHeight, outWidth: outWidth, value: value)
    case let .channelAffine(scale, shift, batch, channels, planeSize):
      channelAffineForward(out, x, scale, shift, batch: batch, channels: channels, planeSize: planeSize)
    case let .channelShuffle(batch, channels, groups, planeSize):
      channelShuffleForward(out, x, batch: batch, channels: channels, groups: groups, planeSize: planeSize)
    case let .globalAveragePool(planes, planeSize):
      globalAvgPoolForward(out, x, planes: planes, planeSize: planeSize)
    case let .flatten(count):
      out.update(from: x, count: count)
    case let .gemm(weight, bias, batch, inFeatures, outFeatures, fusedReLU):
      if let bias {
        for n in 0..<batch { (out + n * outFeatures).update(from: bias, count: outFeatures) }
      }
      sgemm(out, ldc: outFeatures, x, lda: inFeatures, weight, ldb: inFeatures, transposeB: true,
            m: batch, n: outFeatures, k: inFeatures, alpha: 1, beta: bias == nil ? 0 : 1, threads: threads)
      if fusedReLU { reluInPlace(out, count: batch * outFeatures) }
    }
    // Dense convs returned above: they apply the ReLU in their stores.
    if step.reluCount > 0 { reluInPlace(out, count: step.reluCount) }
  }
}

/// A 64-byte aligned buffer of `count` floats (uninitialised); release with `deallocate()`.
func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
  UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    .bindMemory(to: Float.self, capacity: max(count, 1))
}

/// Rounds up to a multiple of 16 floats (64 bytes), so every value buffer starts 64-byte aligned.
@inline(__always)
func roundUpTo16(_ x: Int) -> Int { (x + 15) & ~15 }
