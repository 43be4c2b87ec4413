import ImageDatasets
import TensorEngine
import Testing
@testable import Datasets

/// A planar image whose values are all > 0, so zeros can only come from padding or cutout.
func testImage(channels: Int, height: Int, width: Int, seed: UInt64) -> PlanarImage {
  var rng = PRNG(seed: seed)
  let values = (0..<(channels * height * width)).map { _ in rng.uniform(0.05, 1) }
  return PlanarImage(channels: channels, height: height, width: width, values: values)
}

@Suite struct AugmentationTests {
  @Test(arguments: [(1, 28, 28, 2), (3, 32, 32, 4), (3, 7, 5, 3)])
  func randomCropOffsetsAndPadding(_ s: (Int, Int, Int, Int)) {
    let (c, h, w, pad) = s
    let original = testImage(channels: c, height: h, width: w, seed: 1)
    var seenTops = Set<Int>(), seenLefts = Set<Int>()
    for seed in 0..<200 {
      var rng = PRNG(seed: UInt64(seed))
      var replay = rng
      let top = replay.nextInt(below: 2 * pad + 1), left = replay.nextInt(below: 2 * pad + 1)
      seenTops.insert(top)
      seenLefts.insert(left)
      var image = original
      image.apply(.randomCrop(padding: pad), rng: &rng)
      for k in 0..<c {
        for y in 0..<h {
          for x in 0..<w {
            let sy = y + top - pad, sx = x + left - pad
            let expected: Float = sy >= 0 && sy < h && sx >= 0 && sx < w ? original.values[(k * h + sy) * w + sx] : 0
            if image.values[(k * h + y) * w + x] != expected {
              Issue.record("seed \(seed): (\(k), \(y), \(x)) is \(image.values[(k * h + y) * w + x]), expected \(expected)")
              return
            }
          }
        }
      }
    }
    #expect(seenTops == Set(0...(2 * pad)) && seenLefts == Set(0...(2 * pad)))
  }

  @Test func flipIsExact() {
    let original = testImage(channels: 3, height: 4, width: 5, seed: 2)
    var image = original
    image.flipHorizontally()
    for k in 0..<3 { for y in 0..<4 { for x in 0..<5 {
      #expect(image.values[(k * 4 + y) * 5 + x] == original.values[(k * 4 + y) * 5 + 4 - x])
    } } }
    image.flipHorizontally()
    #expect(image == original)
  }

  @Test func flipFrequencyIsAboutHalf() {
    let original = testImage(channels: 1, height: 3, width: 4, seed: 3)
    var rng = PRNG(seed: 42)
    var flips = 0
    let trials = 4_000
    for _ in 0..<trials {
      var image = original
      image.apply(.horizontalFlip(probability: 0.5), rng: &rng)
      if image != original { flips += 1 }
    }
    let rate = Double(flips) / Double(trials)
    #expect(abs(rate - 0.5) < 0.03, "flip rate \(rate)")  // ±3.8σ for 4,000 draws
  }

  @Test func cutoutRegionIsExactForASeed() {
    let (c, h, w, length) = (3, 9, 11, 4)
    let data = randomDataset(count: 1, channels: c, height: h, width: w, seed: 6)
    let pipeline = AugmentationPipeline(cutoutLength: length)
    var out = [Float](repeating: .nan, count: c * h * w), reference = out
    var rng = PRNG(seed: 123), replay = rng
    data.images.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer { o in
        pipeline.apply(o.baseAddress!, p.baseAddress!, channels: c, height: h, width: w,
                       normalization: .identity(channels: c), rng: &rng)
      }
      reference.withUnsafeMutableBufferPointer { o in
        AugmentationPipeline.test.apply(o.baseAddress!, p.baseAddress!, channels: c, height: h, width: w,
                                        normalization: .identity(channels: c), rng: &replay)
      }
    }
    var check = PRNG(seed: 123)
    let cy = check.nextInt(below: h), cx = check.nextInt(below: w)
    for k in 0..<c { for y in 0..<h { for x in 0..<w {
      let inside = y >= cy - length / 2 && y < cy + length / 2 && x >= cx - length / 2 && x < cx + length / 2
      let i = (k * h + y) * w + x
      #expect(out[i] == (inside ? 0 : reference[i]), "(\(k), \(y), \(x)) centre (\(cy), \(cx))")
    } } }
  }

  @Test func cutoutIsClippedAtBorders() {
    var image = [Float](repeating: 1, count: 2 * 6 * 7)
    image.withUnsafeMutableBufferPointer { p in
      cutout(p.baseAddress!, channels: 2, height: 6, width: 7, centerY: 0, centerX: 6, length: 6)
    }
    // Rows [-3, 3) → 0..<3, columns [3, 9) → 3..<7.
    for k in 0..<2 { for y in 0..<6 { for x in 0..<7 {
      #expect(image[(k * 6 + y) * 7 + x] == (y < 3 && x >= 3 ? 0 : 1))
    } } }
    var whole = [Float](repeating: 1, count: 9)
    whole.withUnsafeMutableBufferPointer { p in
      cutout(p.baseAddress!, channels: 1, height: 3, width: 3, centerY: 1, centerX: 1, length: 16)
    }
    #expect(whole == [Float](repeating: 0, count: 9))
  }

  @Test func identitySettingsAreIdentity() {
    let original = testImage(channels: 3, height: 6, width: 5, seed: 4)
    let identitySteps: [AugmentationStep] = [
      .randomCrop(padding: 0),
      .horizontalFlip(probability: 0),
      .randomResizedCrop(scale: 1...1, ratio: (5.0 / 6.0)...(5.0 / 6.0)),
      .colorJitter(ColorJitter(brightness: 0, contrast: 0, saturation: 0, hue: 0)),
      .colorJitter(ColorJitter(brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2, probability: 0)),
      .randomGrayscale(probability: 0),
      .solarize(probability: 0, threshold: 0.5),
      .solarize(probability: 1, threshold: 2),
    ]
    var rng = PRNG(seed: 5)
    for step in identitySteps {
      var image = original
      image.apply(step, rng: &rng)
      #expect(image == original, "\(step)")
    }
    var gray = testImage(channels: 1, height: 4, width: 4, seed: 6)
    let grayOriginal = gray
    gray.apply(.randomGrayscale(probability: 1), rng: &rng)
    gray.adjustSaturation(0)
    gray.adjustHue(0.3)
    #expect(gray == grayOriginal)
    // The empty pipeline and the identity steps give the same normalised values.
    let data = randomDataset(count: 1, channels: 3, height: 6, width: 5, seed: 7)
    let norm = Normalization(mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.4])
    var plain = [Float](repeating: 0, count: 90), stepped = plain
    let stepsOnly = AugmentationPipeline(steps: identitySteps)
    data.images.withUnsafeBufferPointer { p in
      plain.withUnsafeMutableBufferPointer { o in
        AugmentationPipeline.test.apply(o.baseAddress!, p.baseAddress!, channels: 3, height: 6, width: 5,
                                        normalization: norm, rng: &rng)
      }
      stepped.withUnsafeMutableBufferPointer { o in
        stepsOnly.apply(o.baseAddress!, p.baseAddress!, channels: 3, height: 6, width: 5, normalization: norm, rng: &rng)
      }
    }
    #expect(plain == stepped)
  }

  @Test func colourAdjustmentsMatchTheirDefinitions() {
    let original = testImage(channels: 3, height: 3, width: 4, seed: 8)
    let plane = 12
    var bright = original
    bright.adjustBrightness(1.5)
    #expect(bright.values == original.values.map { min($0 * 1.5, 1) })
    var grayscale = original
    grayscale.convertToGrayscale()
    for i in 0..<plane {
      let l = 0.299 * original.values[i] + 0.587 * original.values[plane + i] + 0.114 * original.values[2 * plane + i]
      for c in 0..<3 { #expect(abs(grayscale.values[c * plane + i] - l) < 1e-6) }
    }
    var desaturated = original
    desaturated.adjustSaturation(0)
    #expect(desaturated == grayscale)
    var flat = original
    flat.adjustContrast(0)
    let meanLuma = grayscale.values[0..<plane].reduce(0, +) / Float(plane)
    #expect(flat.values.allSatisfy { abs($0 - meanLuma) < 1e-5 })
    var solar = original
    solar.solarize(threshold: 0.5)
    #expect(solar.values == original.values.map { $0 >= 0.5 ? 1 - $0 : $0 })
    // A full turn of hue is the identity (up to rounding); a third of a turn maps pure red to pure green.
    var turned = original
    turned.adjustHue(0.5)
    turned.adjustHue(0.5)
    for i in 0..<turned.values.count { #expect(abs(turned.values[i] - original.values[i]) < 1e-5) }
    var red = PlanarImage(channels: 3, height: 1, width: 1, values: [1, 0, 0])
    red.adjustHue(1.0 / 3.0)
    #expect(abs(red.values[0]) < 1e-5 && abs(red.values[1] - 1) < 1e-5 && abs(red.values[2]) < 1e-5)
  }

  @Test func randomResizedCropBoxesFit() {
    var rng = PRNG(seed: 9)
    for _ in 0..<500 {
      let box = randomResizedCropBox(height: 28, width: 28, scale: 0.2...1, ratio: 0.75...(4.0 / 3.0), rng: &rng)
      #expect(box.top >= 0 && box.left >= 0 && box.height > 0 && box.width > 0)
      #expect(box.top + box.height <= 28 && box.left + box.width <= 28)
      let area = Double(box.height * box.width) / 784
      #expect(area > 0.15 && area <= 1)
    }
    // Impossible ratios fall back to the centred crop with the ratio clamped.
    let fallback = randomResizedCropBox(height: 10, width: 40, scale: 0.99...1, ratio: 1...1, rng: &rng)
    #expect(fallback == (0, 15, 10, 10))
  }

  @Test func resizedCropIsBilinearOfTheBox() {
    var image = PlanarImage(channels: 1, height: 2, width: 4, values: [0, 10, 20, 30, 40, 50, 60, 70])
    image.resizeCrop(top: 0, left: 0, height: 1, width: 2)
    // Row 0, columns 0…1 ([0, 10]) stretched to 4 columns: [0, 2.5, 7.5, 10], both rows.
    #expect(image.values == [0, 2.5, 7.5, 10, 0, 2.5, 7.5, 10])
  }

  @Test func presetsDescribeTheReferenceSteps() {
    #expect(AugmentationPipeline.train(cutout: 16) == AugmentationPipeline(
      steps: [.randomCrop(padding: 4), .horizontalFlip(probability: 0.5)], cutoutLength: 16))
    #expect(AugmentationPipeline.train(padding: 2, flip: false).steps == [.randomCrop(padding: 2)])
    #expect(AugmentationPipeline.test.steps.isEmpty && AugmentationPipeline.test.cutoutLength == 0)
    #expect(!AugmentationPipeline.selfSupervisedViewA.steps.contains { if case .solarize = $0 { return true }; return false })
    #expect(AugmentationPipeline.selfSupervisedViewB.steps.last == .solarize(probability: 0.2, threshold: 0.5))
  }

  @Test func selfSupervisedViewsStayFiniteAndInRange() {
    for channels in [1, 3] {
      let data = randomDataset(count: 4, channels: channels, height: 12, width: 12, seed: 10)
      let batches = Array(BatchIterator(dataset: data, batchSize: 4, normalization: .identity(channels: channels),
                                        augmentation: .selfSupervisedViewA,
                                        secondAugmentation: .selfSupervisedViewB, seed: 1))
      #expect(batches.count == 1)
      for tensor in [batches[0].images, batches[0].secondView!] {
        #expect(tensor.values.allSatisfy { $0 >= 0 && $0 <= 1 })
      }
      #expect(batches[0].images.values != batches[0].secondView!.values)
    }
  }
}
