import TensorEngine

/// Colour jitter strengths, like torchvision's `ColorJitter`: brightness, contrast and saturation factors are
/// drawn uniformly from [max(0, 1 − s), 1 + s], the hue shift from [−hue, hue] (fraction of a turn, ≤ 0.5);
/// the four adjustments are applied in a random order, the whole step with `probability`.
public struct ColorJitter: Equatable, Sendable {
  public var brightness: Float
  public var contrast: Float
  public var saturation: Float
  public var hue: Float
  public var probability: Double

  public init(brightness: Float, contrast: Float, saturation: Float, hue: Float, probability: Double = 1) {
    precondition(brightness >= 0 && contrast >= 0 && saturation >= 0 && hue >= 0 && hue <= 0.5,
                 "ColorJitter strengths must be ≥ 0 and hue ≤ 0.5")
    self.brightness = brightness
    self.contrast = contrast
    self.saturation = saturation
    self.hue = hue
    self.probability = probability
  }
}

/// One random transformation of an image with values in [0, 1] (before normalisation). Every step keeps the
/// image size. Steps that need colour (saturation, hue, grayscale) leave 1-channel images alone.
public enum AugmentationStep: Equatable, Sendable {
  /// Zero-pad by `padding` on every side (black), then cut the original size at a uniform random offset
  /// (row offset drawn first, each in 0...2·padding). DARTS uses padding 4 on 32×32 images.
  case randomCrop(padding: Int)
  /// Mirror left–right with `probability`.
  case horizontalFlip(probability: Double)
  /// torchvision's `RandomResizedCrop` to the input size: area fraction uniform in `scale`, aspect ratio
  /// log-uniform in `ratio`, 10 attempts then a centre crop; resized bilinearly (half-pixel centres, no antialias).
  case randomResizedCrop(scale: ClosedRange<Double>, ratio: ClosedRange<Double>)
  case colorJitter(ColorJitter)
  /// Replace RGB by its luma (0.299 R + 0.587 G + 0.114 B) in all three channels with `probability`.
  case randomGrayscale(probability: Double)
  /// With `probability`, every value ≥ `threshold` becomes 1 − value.
  case solarize(probability: Double, threshold: Float)
}

/// What is done to each image: the pixel steps in order on values in [0, 1], then normalisation, then cutout.
///
/// Cutout (DeVries & Taylor, as in the DARTS code) picks a centre (row, then column) uniformly over the whole
/// image and zeroes all channels in rows [y − L/2, y + L/2) and columns [x − L/2, x + L/2) (integer halves),
/// clipped at the borders, after normalisation; `cutoutLength` 0 turns it off.
public struct AugmentationPipeline: Equatable, Sendable {
  public var steps: [AugmentationStep]
  public var cutoutLength: Int

  public init(steps: [AugmentationStep] = [], cutoutLength: Int = 0) {
    precondition(cutoutLength >= 0, "cutout length must be ≥ 0, got \(cutoutLength)")
    self.steps = steps
    self.cutoutLength = cutoutLength
  }

  /// The DARTS training augmentation (§5.3): random crop with zero padding, horizontal flip with p = 0.5
  /// (`flip: false` turns it off), then cutout of `cutout` pixels (0 = none). Use padding 4 for 32×32, 2 or 4
  /// for 28×28.
  public static func train(cutout: Int = 0, padding: Int = 4, flip: Bool = true) -> AugmentationPipeline {
    var steps: [AugmentationStep] = padding > 0 ? [.randomCrop(padding: padding)] : []
    if flip { steps.append(.horizontalFlip(probability: 0.5)) }
    return AugmentationPipeline(steps: steps, cutoutLength: cutout)
  }

  /// No augmentation: normalisation only.
  public static let test = AugmentationPipeline()

  /// First self-supervised (Barlow Twins) view, CIFAR-scale practice (ALGORITHMS.md §6.3): random resized crop
  /// (scale 0.2…1, ratio 3/4…4/3), flip 0.5, colour jitter (0.4, 0.4, 0.2, 0.1) with p 0.8, grayscale p 0.2,
  /// no solarisation. Blur is left out at these image sizes.
  public static let selfSupervisedViewA = AugmentationPipeline(steps: [
    .randomResizedCrop(scale: 0.2...1.0, ratio: (3.0 / 4.0)...(4.0 / 3.0)),
    .horizontalFlip(probability: 0.5),
    .colorJitter(ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, probability: 0.8)),
    .randomGrayscale(probability: 0.2),
  ])

  /// Second self-supervised view: as view A plus solarisation with p 0.2 (threshold 0.5).
  public static let selfSupervisedViewB = AugmentationPipeline(
    steps: selfSupervisedViewA.steps + [.solarize(probability: 0.2, threshold: 0.5)])

  /// Augments one image and writes it normalised.
  /// - Parameters:
  ///   - out: (channels, height, width) destination.
  ///   - pixels: (channels, height, width) bytes.
  ///   - rng: the image's own generator; draws happen in step order.
  public func apply(_ out: UnsafeMutablePointer<Float>, _ pixels: UnsafePointer<UInt8>,
                    channels: Int, height: Int, width: Int, normalization: Normalization, rng: inout PRNG) {
    precondition(normalization.channels == channels,
                 "normalisation has \(normalization.channels) channels, images have \(channels)")
    let count = channels * height * width
    let plane = height * width
    if steps.isEmpty {
      // Same arithmetic as the general path below, so an identity step list gives identical values.
      for c in 0..<channels {
        let mean = normalization.mean[c], inverse = 1 / normalization.std[c]
        let o = out + c * plane, p = pixels + c * plane
        for i in 0..<plane { o[i] = (Float(p[i]) / 255 - mean) * inverse }
      }
    } else {
      var image = PlanarImage(channels: channels, height: height, width: width,
                              values: [Float](repeating: 0, count: count))
      image.values.withUnsafeMutableBufferPointer { v in
        for i in 0..<count { v[i] = Float(pixels[i]) / 255 }
      }
      for step in steps { image.apply(step, rng: &rng) }
      image.values.withUnsafeBufferPointer { v in
        for c in 0..<channels {
          let mean = normalization.mean[c], inverse = 1 / normalization.std[c]
          for i in (c * plane)..<((c + 1) * plane) { out[i] = (v[i] - mean) * inverse }
        }
      }
    }
    if cutoutLength > 0 {
      let centerY = rng.nextInt(below: height), centerX = rng.nextInt(below: width)
      cutout(out, channels: channels, height: height, width: width, centerY: centerY, centerX: centerX,
             length: cutoutLength)
    }
  }
}
