import NASFormat
import NASKernels

/// One op of the graph bound to its weights and sizes for a given batch size: what the executor runs.
///
/// Built once per `InferenceModel.prepare(batchSize:)`; running it only reads these fields.
struct PlannedStep {
  var operation: PlannedOperation
  /// Value ids read, in op order (owned by the plan: a step holds no reference-counted storage, so copying it
  /// retains nothing).
  var inputIDs: UnsafeBufferPointer<Int>
  /// The value id written.
  var output: Int
  /// The graph op this step runs (index into `model.graph.ops`).
  var opIndex: Int
  /// When > 0: max(·, 0) over these output floats after the op (`ScheduledOp.reluAfter`).
  var reluCount = 0

  /// Value ids read, in op order.
  var inputs: [Int] { Array(inputIDs) }
}

/// One graph op as an inference plan runs it: its inputs and output after plan-time fusion, and the ReLUs
/// fused into it.
///
/// Fusion (inference plans only; a gradient plan runs the graph as it is) drops a ReLU that is not the graph
/// output when either
/// - every reader is a depthwise conv on the NASKernels path: the readers read the ReLU's input instead and
///   apply max(x, 0) while copying it into their padded scratch (free there), or
/// - its input is a conv or concat output that only the ReLU reads: that op writes max(·, 0) straight into the
///   ReLU's output value (a conv through its fused-ReLU flag).
///
/// Then a crop (not the graph output) read only by 1×1 unpadded strided convs, each reading it as its only
/// input, is dropped: they read the crop's input as a window of its planes (their im2col is a subsample anyway).
///
/// Then an add of two distinct values, one of them the output of a conv on the direct product path (no fused
/// ReLU) that only the add reads while the other exists before that conv runs, is dropped: the conv reads the
/// other value as a residual (its second input) and writes residual + conv into the add's output value. Each
/// element is rounded as by the conv and the add apart, so the logits do not change.
struct ScheduledOp {
  var op: GraphOp
  /// Index into `model.graph.ops`.
  var index: Int
  /// A depthwise conv reading max(x, 0).
  var inputReLU = false
  /// A concat writing max(·, 0).
  var outputReLU = false
  /// A conv adding its second input (a fused add).
  var residual = false
  /// Writes max(·, 0) of its result: a batch-1 concat's fused ReLU moved into the producers of its inputs, which
  /// are written in place as slices of the concat's output (see `InferenceModel.concatSlices`).
  var reluAfter = false
  /// A conv reading the window of its input at (top, left) that the dropped crop producing `value` cut out.
  var inputCrop: (value: Int, top: Int, left: Int)?
}

/// The per-kind data of a planned op. Counts include the batch.
enum PlannedOperation {
  /// `fast` is the NASKernels geometry (symmetric padding, square stride and dilation) when it applies;
  /// otherwise the direct kernels run over `window`.
  case conv(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, fast: Conv2DGeometry?, window: Window,
            batch: Int, inChannels: Int, outChannels: Int, groups: Int, fusedReLU: Bool)
  /// A depthwise conv reading max(x, 0): a ReLU fused into it (inference plans only, see `ScheduledOp`).
  case depthwiseConvReLUInput(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry: Conv2DGeometry,
                              fusedReLU: Bool)
  /// A conv fused with the add that alone reads it: out = inputs[1] + conv(inputs[0]) (inference plans only, see
  /// `ScheduledOp`); the geometry runs on the direct product path.
  case convAdd(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry: Conv2DGeometry)
  /// A 1×1 unpadded strided conv reading x + `offset` as the top-left window of planeHeight × planeWidth planes (a
  /// crop fused into it; inference plans only, see `ScheduledOp`).
  case croppedConv(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry: Conv2DGeometry,
                   planeHeight: Int, planeWidth: Int, offset: Int, fusedReLU: Bool)
  case relu(count: Int)
  /// `argmax` (planes × OH × OW) is owned by the model and reused by the input gradient; it is written only
  /// when `recordsArgmax` (gradient plans, and the window path, which always records it).
  case maxPool(fast: PoolGeometry?, window: Window, planes: Int, argmax: UnsafeMutablePointer<Int32>,
               recordsArgmax: Bool)
  case averagePool(fast: PoolGeometry?, window: Window, planes: Int, countIncludePad: Bool)
  case add(count: Int)
  /// Per-input channel counts; every input has `planeSize` = H·W. `relu`: writes max(·, 0) (a fused ReLU,
  /// inference plans only).
  case concat(channels: UnsafeBufferPointer<Int>, planeSize: Int, batch: Int, relu: Bool)
  case crop(planes: Int, height: Int, width: Int, top: Int, left: Int, outHeight: Int, outWidth: Int)
  case pad(planes: Int, height: Int, width: Int, top: Int, left: Int, outHeight: Int, outWidth: Int, value: Float)
  case channelAffine(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, batch: Int, channels: Int,
                     planeSize: Int)
  case channelShuffle(batch: Int, channels: Int, groups: Int, planeSize: Int)
  case globalAveragePool(planes: Int, planeSize: Int)
  case flatten(count: Int)
  /// y (batch, out) = x (batch, in) · Wᵀ + b.
  case gemm(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, batch: Int, inFeatures: Int,
            outFeatures: Int, fusedReLU: Bool)
}

extension Window {
  /// The window of a conv over a (C, H, W) input.
  init(conv a: ConvAttributes, height: Int, width: Int) {
    let eh = a.dilationHeight * (a.kernelHeight - 1) + 1, ew = a.dilationWidth * (a.kernelWidth - 1) + 1
    self.init(height: height, width: width, kernelHeight: a.kernelHeight, kernelWidth: a.kernelWidth,
              strideHeight: a.strideHeight, strideWidth: a.strideWidth, padTop: a.padding.top,
              padLeft: a.padding.left, dilationHeight: a.dilationHeight, dilationWidth: a.dilationWidth,
              outHeight: (height + a.padding.top + a.padding.bottom - eh) / a.strideHeight + 1,
              outWidth: (width + a.padding.left + a.padding.right - ew) / a.strideWidth + 1)
  }

  /// The window of a pooling op over a (C, H, W) input.
  init(pool a: PoolAttributes, height: Int, width: Int) {
    self.init(height: height, width: width, kernelHeight: a.kernelHeight, kernelWidth: a.kernelWidth,
              strideHeight: a.strideHeight, strideWidth: a.strideWidth, padTop: a.padding.top,
              padLeft: a.padding.left, dilationHeight: 1, dilationWidth: 1,
              outHeight: (height + a.padding.top + a.padding.bottom - a.kernelHeight) / a.strideHeight + 1,
              outWidth: (width + a.padding.left + a.padding.right - a.kernelWidth) / a.strideWidth + 1)
  }
}

extension Padding2D {
  /// The common value when all four sides are equal.
  var uniform: Int? { top == left && top == bottom && top == right ? top : nil }
}
