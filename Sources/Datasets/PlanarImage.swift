import Glibc
import ImageDatasets
import TensorEngine

/// One image as Float planes, (channels, height, width), the working form of augmentation.
public struct PlanarImage: Equatable, Sendable {
  public let channels: Int
  public let height: Int
  public let width: Int
  /// (channels, height, width) row-major.
  public var values: [Float]

  public init(channels: Int, height: Int, width: Int, values: [Float]) {
    precondition(values.count == channels * height * width,
                 "PlanarImage \(channels)×\(height)×\(width) needs \(channels * height * width) values, got \(values.count)")
    self.channels = channels
    self.height = height
    self.width = width
    self.values = values
  }

  /// Applies one step, drawing its random choices from `rng` (documented per step in the kernels below).
  public mutating func apply(_ step: AugmentationStep, rng: inout PRNG) {
    switch step {
    case let .randomCrop(padding):
      let top = rng.nextInt(below: 2 * padding + 1), left = rng.nextInt(below: 2 * padding + 1)
      cropWithPadding(padding: padding, top: top, left: left)
    case let .horizontalFlip(probability):
      if rng.bernoulli(probability) { flipHorizontally() }
    case let .randomResizedCrop(scale, ratio):
      let box = randomResizedCropBox(height: height, width: width, scale: scale, ratio: ratio, rng: &rng)
      resizeCrop(top: box.top, left: box.left, height: box.height, width: box.width)
    case let .colorJitter(jitter):
      applyColorJitter(jitter, rng: &rng)
    case let .randomGrayscale(probability):
      if rng.bernoulli(probability) && channels == 3 { convertToGrayscale() }
    case let .solarize(probability, threshold):
      if rng.bernoulli(probability) { solarize(threshold: threshold) }
    }
  }

  // MARK: Geometry

  /// The same-size window at (top, left), 0 ≤ top, left ≤ 2·padding, of the image zero-padded by `padding`:
  /// out[c, y, x] = in[c, y + top − padding, x + left − padding], 0 outside the image.
  public mutating func cropWithPadding(padding: Int, top: Int, left: Int) {
    precondition(top >= 0 && top <= 2 * padding && left >= 0 && left <= 2 * padding,
                 "crop offset (\(top), \(left)) outside 0...\(2 * padding)")
    if top == padding && left == padding { return }
    let h = height, w = width, dy = top - padding, dx = left - padding
    var out = [Float](repeating: 0, count: values.count)
    out.withUnsafeMutableBufferPointer { o in
      values.withUnsafeBufferPointer { v in
        for c in 0..<channels {
          for y in 0..<h {
            let sy = y + dy
            if sy < 0 || sy >= h { continue }
            let x0 = max(0, -dx), x1 = min(w, w - dx)
            if x0 >= x1 { continue }
            let outRow = c * h * w + y * w, inRow = c * h * w + sy * w
            for x in x0..<x1 { o[outRow + x] = v[inRow + x + dx] }
          }
        }
      }
    }
    values = out
  }

  /// Mirrors every row left–right.
  public mutating func flipHorizontally() {
    let w = width
    values.withUnsafeMutableBufferPointer { v in
      for row in 0..<(channels * height) {
        let base = row * w
        var i = 0, j = w - 1
        while i < j { v.swapAt(base + i, base + j); i += 1; j -= 1 }
      }
    }
  }

  /// Replaces the image by the crop (top, left, cropHeight, cropWidth) resized bilinearly to the full size.
  public mutating func resizeCrop(top: Int, left: Int, height cropHeight: Int, width cropWidth: Int) {
    if top == 0 && left == 0 && cropHeight == height && cropWidth == width { return }
    var out = [Float](repeating: 0, count: values.count)
    let plane = height * width
    out.withUnsafeMutableBufferPointer { o in
      values.withUnsafeBufferPointer { v in
        for c in 0..<channels {
          bilinearResize(o.baseAddress! + c * plane, v.baseAddress! + c * plane, channels: 1,
                         inputHeight: height, inputWidth: width, cropTop: top, cropLeft: left,
                         cropHeight: cropHeight, cropWidth: cropWidth, outputHeight: height, outputWidth: width)
        }
      }
    }
    values = out
  }

  // MARK: Colour

  /// Multiplies by `factor`, clamped to [0, 1].
  public mutating func adjustBrightness(_ factor: Float) {
    values.withUnsafeMutableBufferPointer { v in
      for i in 0..<v.count { v[i] = min(max(v[i] * factor, 0), 1) }
    }
  }

  /// Blends with the mean luma of the whole image (mean of the values for gray): m + factor·(v − m), clamped.
  public mutating func adjustContrast(_ factor: Float) {
    let plane = height * width
    var mean: Double = 0
    values.withUnsafeBufferPointer { v in
      if channels == 3 {
        for i in 0..<plane {
          mean += Double(lumaOf(v[i], v[plane + i], v[2 * plane + i]))
        }
      } else {
        for i in 0..<v.count { mean += Double(v[i]) }
      }
    }
    let m = Float(mean / Double(channels == 3 ? plane : values.count))
    values.withUnsafeMutableBufferPointer { v in
      for i in 0..<v.count { v[i] = min(max(factor * v[i] + (1 - factor) * m, 0), 1) }
    }
  }

  /// Blends each RGB pixel with its luma: l + factor·(v − l), clamped. Gray images are unchanged.
  public mutating func adjustSaturation(_ factor: Float) {
    guard channels == 3 else { return }
    let plane = height * width
    values.withUnsafeMutableBufferPointer { v in
      for i in 0..<plane {
        let l = lumaOf(v[i], v[plane + i], v[2 * plane + i])
        for c in 0..<3 { v[c * plane + i] = min(max(factor * v[c * plane + i] + (1 - factor) * l, 0), 1) }
      }
    }
  }

  /// Rotates the hue of each RGB pixel by `shift` turns (HSV round trip). Gray images are unchanged.
  public mutating func adjustHue(_ shift: Float) {
    guard channels == 3, shift != 0 else { return }
    let plane = height * width
    values.withUnsafeMutableBufferPointer { v in
      for i in 0..<plane {
        var (h, s, value) = rgbToHSV(v[i], v[plane + i], v[2 * plane + i])
        h += shift
        h -= h.rounded(.down)
        let (r, g, b) = hsvToRGB(h, s, value)
        v[i] = r; v[plane + i] = g; v[2 * plane + i] = b
      }
    }
  }

  /// RGB → luma in all three channels. Gray images are unchanged.
  public mutating func convertToGrayscale() {
    guard channels == 3 else { return }
    let plane = height * width
    values.withUnsafeMutableBufferPointer { v in
      for i in 0..<plane {
        let l = lumaOf(v[i], v[plane + i], v[2 * plane + i])
        v[i] = l; v[plane + i] = l; v[2 * plane + i] = l
      }
    }
  }

  /// Every value ≥ threshold becomes 1 − value.
  public mutating func solarize(threshold: Float) {
    values.withUnsafeMutableBufferPointer { v in
      for i in 0..<v.count where v[i] >= threshold { v[i] = 1 - v[i] }
    }
  }

  /// torchvision's ColorJitter: a Bernoulli draw for `probability`, then a random order of the four
  /// adjustments (a permutation of 4), then the factors brightness, contrast, saturation, hue in that order
  /// (saturation and hue are neither drawn nor applied on gray images; a strength of 0 draws nothing).
  mutating func applyColorJitter(_ jitter: ColorJitter, rng: inout PRNG) {
    guard rng.bernoulli(jitter.probability) else { return }
    let order = rng.permutation(4)
    func factor(_ strength: Float, _ rng: inout PRNG) -> Float? {
      strength > 0 ? rng.uniform(max(0, 1 - strength), 1 + strength) : nil
    }
    let brightness = factor(jitter.brightness, &rng)
    let contrast = factor(jitter.contrast, &rng)
    let saturation = channels == 3 ? factor(jitter.saturation, &rng) : nil
    let hue: Float? = channels == 3 && jitter.hue > 0 ? rng.uniform(-jitter.hue, jitter.hue) : nil
    for which in order {
      switch which {
      case 0: if let brightness { adjustBrightness(brightness) }
      case 1: if let contrast { adjustContrast(contrast) }
      case 2: if let saturation { adjustSaturation(saturation) }
      default: if let hue { adjustHue(hue) }
      }
    }
  }
}

/// torchvision's `RandomResizedCrop.get_params`: up to 10 tries of an area fraction uniform in `scale` and a
/// log-uniform aspect ratio (width / height) in `ratio`, rounded to whole pixels, accepted when it fits; the
/// position is then uniform (row first). Otherwise the largest centred crop with the ratio clamped into `ratio`.
public func randomResizedCropBox(height: Int, width: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>,
                                 rng: inout PRNG) -> (top: Int, left: Int, height: Int, width: Int) {
  precondition(scale.lowerBound > 0 && ratio.lowerBound > 0, "RandomResizedCrop needs positive scale and ratio")
  let area = Double(height * width)
  let logLow = Glibc.log(ratio.lowerBound), logHigh = Glibc.log(ratio.upperBound)
  for _ in 0..<10 {
    let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * rng.nextDouble())
    let aspect = Glibc.exp(logLow + (logHigh - logLow) * rng.nextDouble())
    let w = Int((target * aspect).squareRoot().rounded()), h = Int((target / aspect).squareRoot().rounded())
    if w > 0 && w <= width && h > 0 && h <= height {
      let top = rng.nextInt(below: height - h + 1), left = rng.nextInt(below: width - w + 1)
      return (top, left, h, w)
    }
  }
  let inRatio = Double(width) / Double(height)
  var w = width, h = height
  if inRatio < ratio.lowerBound {
    h = max(1, min(height, Int((Double(w) / ratio.lowerBound).rounded())))
  } else if inRatio > ratio.upperBound {
    w = max(1, min(width, Int((Double(h) * ratio.upperBound).rounded())))
  }
  return ((height - h) / 2, (width - w) / 2, h, w)
}

/// Zeroes all channels in rows [centerY − length/2, centerY + length/2) and the same columns around centerX,
/// clipped at the borders (the DARTS cutout).  image: (channels, height, width).
public func cutout(_ image: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int,
                   centerY: Int, centerX: Int, length: Int) {
  let y0 = min(max(centerY - length / 2, 0), height), y1 = min(max(centerY + length / 2, 0), height)
  let x0 = min(max(centerX - length / 2, 0), width), x1 = min(max(centerX + length / 2, 0), width)
  for c in 0..<channels {
    for y in y0..<y1 {
      let row = image + (c * height + y) * width
      for x in x0..<x1 { row[x] = 0 }
    }
  }
}

/// ITU-R 601 luma, the weights of torchvision's `rgb_to_grayscale`.
@inline(__always)
func lumaOf(_ r: Float, _ g: Float, _ b: Float) -> Float { 0.299 * r + 0.587 * g + 0.114 * b }

/// RGB in [0, 1] → (hue in [0, 1), saturation, value).
@inline(__always)
func rgbToHSV(_ r: Float, _ g: Float, _ b: Float) -> (Float, Float, Float) {
  let maxC = max(r, g, b), minC = min(r, g, b), delta = maxC - minC
  let s: Float = maxC > 0 ? delta / maxC : 0
  if delta <= 0 { return (0, s, maxC) }
  var h: Float
  if maxC == r { h = (g - b) / delta } else if maxC == g { h = 2 + (b - r) / delta } else { h = 4 + (r - g) / delta }
  h /= 6
  if h < 0 { h += 1 }
  return (h, s, maxC)
}

/// (hue in [0, 1), saturation, value) → RGB.
@inline(__always)
func hsvToRGB(_ h: Float, _ s: Float, _ v: Float) -> (Float, Float, Float) {
  let h6 = h * 6
  let sector = min(Int(h6), 5)
  let f = h6 - Float(sector)
  let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
  switch sector {
  case 0: return (v, t, p)
  case 1: return (q, v, p)
  case 2: return (p, v, t)
  case 3: return (p, q, v)
  case 4: return (t, p, v)
  default: return (v, p, q)
  }
}
