import NASFormat

/// The model's input convention (FORMAT.md §3): pixel p = v / 255 in [0, 1] of channel c becomes
/// (p − mean[c]) / std[c]. Also maps an input gradient back to pixel space (d/dp = d/dx / std[c]).
public struct InputNormalization: Sendable {
  public let mean: [Float]
  public let std: [Float]
  /// C and H·W of one sample.
  public let channels: Int, planeSize: Int

  public init(header: ModelHeader) {
    mean = header.mean
    std = header.std
    channels = header.inputChannels
    planeSize = header.inputHeight * header.inputWidth
  }

  /// Elements of one sample.
  public var sampleCount: Int { channels * planeSize }

  /// out = (v / 255 − mean[c]) / std[c] for `batch` planar (C, H, W) 8-bit samples.
  public func normalize(_ out: UnsafeMutablePointer<Float>, pixels: UnsafePointer<UInt8>, batch: Int) {
    for n in 0..<batch {
      for c in 0..<channels {
        let base = (n * channels + c) * planeSize
        let m = mean[c], inverse = 1 / std[c]
        for i in 0..<planeSize { out[base + i] = (Float(pixels[base + i]) / 255 - m) * inverse }
      }
    }
  }

  /// out = (p − mean[c]) / std[c] for `batch` planar samples of pixels p in [0, 1].
  public func normalize(_ out: UnsafeMutablePointer<Float>, unitPixels: UnsafePointer<Float>, batch: Int) {
    for n in 0..<batch {
      for c in 0..<channels {
        let base = (n * channels + c) * planeSize
        let m = mean[c], inverse = 1 / std[c]
        for i in 0..<planeSize { out[base + i] = (unitPixels[base + i] - m) * inverse }
      }
    }
  }

  /// out = d/dx ÷ std[c]: the gradient with respect to the [0, 1] pixels, given the normalised-input gradient.
  public func pixelGradient(_ out: UnsafeMutablePointer<Float>, inputGradient: UnsafePointer<Float>, batch: Int) {
    for n in 0..<batch {
      for c in 0..<channels {
        let base = (n * channels + c) * planeSize
        let inverse = 1 / std[c]
        for i in 0..<planeSize { out[base + i] = inputGradient[base + i] * inverse }
      }
    }
  }
}

extension InferenceModel {
  /// The normalisation of this model's header.
  public var normalization: InputNormalization { InputNormalization(header: model.header) }

  /// The gradient of Σ CE with respect to [0, 1] pixels (batch, C, H, W) for `unitPixels`: one forward and one
  /// reverse pass, through the normalisation. Re-plans for the batch size given by `labels.count`.
  public func pixelGradient(unitPixels: [Float], labels: [Int]) throws(RuntimeError) -> (losses: [Float], gradient: [Float]) {
    try prepare(batchSize: labels.count, forGradient: true)
    guard unitPixels.count == labels.count * inputCount else {
      throw .inputSizeMismatch(expected: labels.count * inputCount, actual: unitPixels.count)
    }
    let norm = normalization
    let input = inputBuffer.baseAddress!
    unitPixels.withUnsafeBufferPointer { norm.normalize(input, unitPixels: $0.baseAddress!, batch: labels.count) }
    run()
    let (losses, g) = try backward(labels: labels)
    var out = [Float](repeating: 0, count: unitPixels.count)
    out.withUnsafeMutableBufferPointer { norm.pixelGradient($0.baseAddress!, inputGradient: g.baseAddress!, batch: labels.count) }
    return (losses, out)
  }
}
