/// Bilinear resampling without antialiasing, with half-pixel centres (`align_corners=False`).
///
/// This is PyTorch's `F.interpolate(mode="bilinear", align_corners=False, antialias=False)` and torchvision's
/// bilinear resize on tensors with `antialias=False`: output pixel `d` samples the source at
/// `s = (d + 0.5) · inSize / outSize − 0.5`, clamped below at 0; the two neighbours are `floor(s)` and
/// `min(floor(s) + 1, inSize − 1)`. Downscaling therefore skips source pixels (no averaging), unlike PIL.
/// All kernels resize a crop rectangle of the input (the whole image by default) and work on interleaved
/// (height, width, channels) buffers; planar (C, H, W) data is resized one plane at a time with channels 1.

/// Source index pairs and weights for one axis.
@usableFromInline
struct BilinearAxis {
  @usableFromInline var low: [Int]
  @usableFromInline var high: [Int]
  @usableFromInline var weight: [Float]

  @usableFromInline
  init(inputSize: Int, outputSize: Int, offset: Int) {
    low = [Int](repeating: 0, count: outputSize)
    high = low
    weight = [Float](repeating: 0, count: outputSize)
    let scale = Float(inputSize) / Float(outputSize)
    for d in 0..<outputSize {
      var s = (Float(d) + 0.5) * scale - 0.5
      if s < 0 { s = 0 }
      var i0 = Int(s)
      if i0 > inputSize - 1 { i0 = inputSize - 1 }
      let i1 = i0 < inputSize - 1 ? i0 + 1 : i0
      low[d] = i0 + offset
      high[d] = i1 + offset
      weight[d] = s - Float(i0)
    }
  }
}

/// Resizes the crop (cropTop, cropLeft, cropHeight, cropWidth) of `input` to `out`.
///   input: (inputHeight, inputWidth, channels) interleaved; out: (outputHeight, outputWidth, channels).
public func bilinearResize(_ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
                           channels: Int, inputHeight: Int, inputWidth: Int,
                           cropTop: Int = 0, cropLeft: Int = 0, cropHeight: Int? = nil, cropWidth: Int? = nil,
                           outputHeight: Int, outputWidth: Int) {
  bilinearWalk(out, input, channels: channels, inputHeight: inputHeight, inputWidth: inputWidth,
               cropTop: cropTop, cropLeft: cropLeft, cropHeight: cropHeight, cropWidth: cropWidth,
               outputHeight: outputHeight, outputWidth: outputWidth, load: { $0 }, store: { $0 })
}

/// The uint8 version of `bilinearResize`: interpolates in Float and rounds to the nearest integer
/// (halves away from zero), so results can differ by 1 from implementations using fixed-point weights.
public func bilinearResize(_ out: UnsafeMutablePointer<UInt8>, _ input: UnsafePointer<UInt8>,
                           channels: Int, inputHeight: Int, inputWidth: Int,
                           cropTop: Int = 0, cropLeft: Int = 0, cropHeight: Int? = nil, cropWidth: Int? = nil,
                           outputHeight: Int, outputWidth: Int) {
  bilinearWalk(out, input, channels: channels, inputHeight: inputHeight, inputWidth: inputWidth,
               cropTop: cropTop, cropLeft: cropLeft, cropHeight: cropHeight, cropWidth: cropWidth,
               outputHeight: outputHeight, outputWidth: outputWidth, load: { Float($0) },
               store: { UInt8(min(max($0.rounded(.toNearestOrAwayFromZero), 0), 255)) })
}

/// The resampling loop shared by both element types: neighbours are read through `load` (to Float), the
/// interpolated value is written through `store`. Inlined per caller, so the closures cost nothing.
@inline(__always)
func bilinearWalk<Element>(_ out: UnsafeMutablePointer<Element>, _ input: UnsafePointer<Element>,
                           channels: Int, inputHeight: Int, inputWidth: Int,
                           cropTop: Int, cropLeft: Int, cropHeight: Int?, cropWidth: Int?,
                           outputHeight: Int, outputWidth: Int,
                           load: (Element) -> Float, store: (Float) -> Element) {
  let ch = cropHeight ?? inputHeight, cw = cropWidth ?? inputWidth
  checkResize(channels, inputHeight, inputWidth, cropTop, cropLeft, ch, cw, outputHeight, outputWidth)
  let rows = BilinearAxis(inputSize: ch, outputSize: outputHeight, offset: cropTop)
  let cols = BilinearAxis(inputSize: cw, outputSize: outputWidth, offset: cropLeft)
  let c = channels, rowStride = inputWidth * channels
  rows.low.withUnsafeBufferPointer { y0s in rows.high.withUnsafeBufferPointer { y1s in
  rows.weight.withUnsafeBufferPointer { wys in cols.low.withUnsafeBufferPointer { x0s in
  cols.high.withUnsafeBufferPointer { x1s in cols.weight.withUnsafeBufferPointer { wxs in
    for y in 0..<outputHeight {
      let top = input + y0s[y] * rowStride, bottom = input + y1s[y] * rowStride
      let wy = wys[y]
      let outRow = out + y * outputWidth * c
      for x in 0..<outputWidth {
        let a = x0s[x] * c, b = x1s[x] * c, wx = wxs[x]
        for k in 0..<c {
          let ta = load(top[a + k]), tb = load(top[b + k])
          let ba = load(bottom[a + k]), bb = load(bottom[b + k])
          let upper = ta + (tb - ta) * wx
          let lower = ba + (bb - ba) * wx
          outRow[x * c + k] = store(upper + (lower - upper) * wy)
        }
      }
    }
  }}}}}}
}

@inline(__always)
func checkResize(_ c: Int, _ ih: Int, _ iw: Int, _ top: Int, _ left: Int, _ ch: Int, _ cw: Int,
                 _ oh: Int, _ ow: Int) {
  precondition(c > 0 && ih > 0 && iw > 0 && oh > 0 && ow > 0 && ch > 0 && cw > 0,
               "bilinearResize needs positive sizes: input \(ih)×\(iw)×\(c), crop \(ch)×\(cw), output \(oh)×\(ow)")
  precondition(top >= 0 && left >= 0 && top + ch <= ih && left + cw <= iw,
               "bilinearResize crop (\(top), \(left), \(ch)×\(cw)) is outside the \(ih)×\(iw) input")
}

extension PixelImage {
  /// The image resized bilinearly to width × height (see `bilinearResize`); returns self when sizes match.
  public func resized(width newWidth: Int, height newHeight: Int) -> PixelImage {
    if newWidth == width && newHeight == height { return self }
    var out = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
    out.withUnsafeMutableBufferPointer { o in
      pixels.withUnsafeBufferPointer { p in
        bilinearResize(o.baseAddress!, p.baseAddress!, channels: channels, inputHeight: height, inputWidth: width,
                       outputHeight: newHeight, outputWidth: newWidth)
      }
    }
    return PixelImage(width: newWidth, height: newHeight, channels: channels, pixels: out)
  }
}
