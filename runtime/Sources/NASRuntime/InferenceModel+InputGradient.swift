#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NASFormat
import NASKernels

extension InferenceModel {
  /// Reverse pass over the frozen graph: the gradient of Σ_n CE(logits_n, labels[n]) with respect to the
  /// normalised input, for the activations of the last `run()` (no weight gradients). Needs a gradient plan:
  /// `prepare(batchSize:forGradient: true)` before that run.
  ///
  /// Every op's input gradient is accumulated (+=) into a zeroed gradient arena laid out like the activations,
  /// so a value read by several ops gets the sum of their contributions.
  ///
  /// - Parameter labels: one class index per sample of the current batch.
  /// - Returns: the per-sample cross-entropy losses, and the gradient (batchSize, C, H, W), valid until the next
  ///   `backward`, `prepare` or deinit.
  public func backward(labels: [Int]) throws(RuntimeError) -> (losses: [Float], inputGradient: UnsafeBufferPointer<Float>) {
    precondition(batchSize > 0 && keepsActivations,
                 "InferenceModel: prepare(batchSize:forGradient: true) and run() before backward(labels:)")
    guard labels.count == batchSize else { throw .inputSizeMismatch(expected: batchSize, actual: labels.count) }
    for label in labels where label < 0 || label >= classCount {
      throw .labelOutOfRange(label: label, classCount: classCount)
    }
    prepareGradients()
    let k = classCount
    let logits = values[model.graph.outputValue], dLogits = gradients[model.graph.outputValue]
    var losses = [Float](repeating: 0, count: batchSize)
    for n in 0..<batchSize {
      losses[n] = softmaxCrossEntropyBackward(dLogits + n * k, logits + n * k, label: labels[n], count: k)
    }
    for step in steps.reversed() { executeBackward(step) }
    return (losses, UnsafeBufferPointer(start: gradients[0], count: batchSize * inputCount))
  }

  private func executeBackward(_ step: PlannedStep) {
    let dOut = gradients[step.output]
    let out = UnsafePointer(values[step.output])
    let dx = gradients[step.inputIDs[0]]
    switch step.operation {
    case let .conv(weight, _, fast, window, batch, inChannels, outChannels, groups, fusedReLU):
      if fusedReLU { reluMaskInPlace(dOut, out, count: batch * outChannels * window.outputPlane) }
      if let g = fast {
        conv2dBackwardData(dx, dOut, weight, g, threads: threads)
      } else {
        directConv2dBackwardData(dx, dOut, weight, batch: batch, inChannels: inChannels, outChannels: outChannels,
                                 groups: groups, window)
      }
    case .depthwiseConvReLUInput, .convAdd, .croppedConv:
      preconditionFailure("InferenceModel: fused steps exist only in inference plans, backward needs a gradient plan")
    case let .relu(count):
      reluBackwardAdd(dx, dOut, out, count: count)
    case let .maxPool(fast, window, planes, argmax, _):
      if let g = fast {
        maxPool2dBackward(dx, dOut, argmax, planes: planes, geometry: g)
      } else {
        windowMaxPoolBackward(dx, dOut, argmax, planes: planes, window)
      }
    case let .averagePool(fast, window, planes, countIncludePad):
      if let g = fast {
        avgPool2dBackward(dx, dOut, planes: planes, geometry: g)
      } else {
        windowAvgPoolBackward(dx, dOut, planes: planes, window, countIncludePad: countIncludePad)
      }
    case let .add(count):
      for id in step.inputIDs { accumulateInto(gradients[id], dOut, count: count) }
    case let .concat(channels, planeSize, batch, relu):
      precondition(!relu, "InferenceModel: fused steps exist only in inference plans, backward needs a gradient plan")
      let total = channels.reduce(0, +)
      for n in 0..<batch {
        var offset = 0
        for (i, id) in step.inputIDs.enumerated() {
          let block = channels[i] * planeSize
          accumulateInto(gradients[id] + n * block, dOut + n * total * planeSize + offset, count: block)
          offset += block
        }
      }
    case let .crop(planes, height, width, top, left, outHeight, outWidth):
      cropBackward(dx, dOut, planes: planes, height: height, width: width, top: top, left: left,
                   outHeight: outHeight, outWidth: outWidth)
    case let .pad(planes, height, width, top, left, outHeight, outWidth, _):
      padBackward(dx, dOut, planes: planes, height: height, width: width, top: top, left: left,
                  outHeight: outHeight, outWidth: outWidth)
    case let .channelAffine(scale, _, batch, channels, planeSize):
      channelAffineBackward(dx, dOut, scale, batch: batch, channels: channels, planeSize: planeSize)
    case let .channelShuffle(batch, channels, groups, planeSize):
      channelShuffleBackward(dx, dOut, batch: batch, channels: channels, groups: groups, planeSize: planeSize)
    case let .globalAveragePool(planes, planeSize):
      globalAvgPoolBackward(dx, dOut, planes: planes, planeSize: planeSize)
    case let .flatten(count):
      accumulateInto(dx, dOut, count: count)
    case let .gemm(weight, _, batch, inFeatures, outFeatures, fusedReLU):
      if fusedReLU { reluMaskInPlace(dOut, out, count: batch * outFeatures) }
      // dX (batch, in) += dY (batch, out) · W (out, in).
      sgemm(dx, ldc: inFeatures, UnsafePointer(dOut), lda: outFeatures, weight, ldb: inFeatures,
            m: batch, n: inFeatures, k: outFeatures, alpha: 1, beta: 1, threads: threads)
    }
  }
}

/// d[i] = softmax(logits)[i] − [i == label]; returns CE = logsumexp(logits) − logits[label] (max-shifted).
/// d, logits: (count,)
func softmaxCrossEntropyBackward(_ d: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>, label: Int,
                                 count: Int) -> Float {
  var m = -Float.infinity
  for i in 0..<count { m = max(m, logits[i]) }
  var sum: Float = 0
  for i in 0..<count {
    let e = expf(logits[i] - m)
    d[i] = e
    sum += e
  }
  let inverse = 1 / sum
  for i in 0..<count { d[i] *= inverse }
  d[label] -= 1
  return (m + logf(sum)) - logits[label]
}
