import Testing
@testable import PNGImage

/// Naive bilinear with half-pixel centres, in Double, straight from the definition.
func referenceResize(_ input: [Double], channels c: Int, height h: Int, width w: Int,
                     crop: (top: Int, left: Int, height: Int, width: Int),
                     outHeight oh: Int, outWidth ow: Int) -> [Double] {
  var out = [Double](repeating: 0, count: oh * ow * c)
  for y in 0..<oh {
    var sy = (Double(y) + 0.5) * Double(crop.height) / Double(oh) - 0.5
    sy = max(sy, 0)
    let y0 = min(Int(sy.rounded(.down)), crop.height - 1), y1 = min(y0 + 1, crop.height - 1)
    let wy = sy - Double(y0)
    for x in 0..<ow {
      var sx = (Double(x) + 0.5) * Double(crop.width) / Double(ow) - 0.5
      sx = max(sx, 0)
      let x0 = min(Int(sx.rounded(.down)), crop.width - 1), x1 = min(x0 + 1, crop.width - 1)
      let wx = sx - Double(x0)
      for k in 0..<c {
        func at(_ yy: Int, _ xx: Int) -> Double { input[((crop.top + yy) * w + crop.left + xx) * c + k] }
        let v = (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) + wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1))
        out[(y * ow + x) * c + k] = v
      }
    }
  }
  return out
}

@Suite struct BilinearResizeTests {
  // (channels, inH, inW, outH, outW): up, down, odd, identity, 1-pixel.
  static let sizes: [(Int, Int, Int, Int, Int)] = [
    (1, 28, 28, 32, 32), (3, 32, 32, 28, 28), (3, 7, 13, 19, 5), (1, 9, 9, 9, 9), (1, 1, 1, 4, 3), (3, 5, 8, 1, 1),
  ]

  @Test(arguments: sizes)
  func floatMatchesReference(_ s: (Int, Int, Int, Int, Int)) {
    var rng = TestRNG(seed: UInt64(s.1 * 1000 + s.3))
    let input = (0..<(s.0 * s.1 * s.2)).map { _ in Float(rng.int(below: 10_000)) / 10_000 }
    var out = [Float](repeating: .nan, count: s.0 * s.3 * s.4)
    out.withUnsafeMutableBufferPointer { o in
      input.withUnsafeBufferPointer { i in
        bilinearResize(o.baseAddress!, i.baseAddress!, channels: s.0, inputHeight: s.1, inputWidth: s.2,
                       outputHeight: s.3, outputWidth: s.4)
      }
    }
    let expected = referenceResize(input.map(Double.init), channels: s.0, height: s.1, width: s.2,
                                   crop: (0, 0, s.1, s.2), outHeight: s.3, outWidth: s.4)
    var worst = 0.0
    for i in 0..<out.count { worst = max(worst, abs(Double(out[i]) - expected[i])) }
    #expect(worst < 1e-5, "max difference \(worst)")
    if s.1 == s.3 && s.2 == s.4 { #expect(out == input) }
  }

  @Test(arguments: sizes)
  func uint8MatchesReference(_ s: (Int, Int, Int, Int, Int)) {
    var rng = TestRNG(seed: UInt64(s.2 * 1000 + s.4))
    let image = PixelImage(width: s.2, height: s.1, channels: s.0, pixels: rng.bytes(s.0 * s.1 * s.2))
    let resized = image.resized(width: s.4, height: s.3)
    let expected = referenceResize(image.pixels.map(Double.init), channels: s.0, height: s.1, width: s.2,
                                   crop: (0, 0, s.1, s.2), outHeight: s.3, outWidth: s.4)
    var worst = 0.0
    for i in 0..<expected.count { worst = max(worst, abs(Double(resized.pixels[i]) - expected[i])) }
    #expect(worst <= 0.5 + 1e-3, "max difference \(worst)")
  }

  @Test func cropIsResized() {
    var rng = TestRNG(seed: 77)
    let input = (0..<(3 * 10 * 12)).map { _ in Float(rng.int(below: 1000)) }
    var out = [Float](repeating: 0, count: 3 * 8 * 8)
    out.withUnsafeMutableBufferPointer { o in
      input.withUnsafeBufferPointer { i in
        bilinearResize(o.baseAddress!, i.baseAddress!, channels: 3, inputHeight: 10, inputWidth: 12,
                       cropTop: 2, cropLeft: 3, cropHeight: 5, cropWidth: 7, outputHeight: 8, outputWidth: 8)
      }
    }
    let expected = referenceResize(input.map(Double.init), channels: 3, height: 10, width: 12,
                                   crop: (2, 3, 5, 7), outHeight: 8, outWidth: 8)
    var worst = 0.0
    for i in 0..<out.count { worst = max(worst, abs(Double(out[i]) - expected[i])) }
    #expect(worst < 1e-3, "max difference \(worst)")
  }

  @Test func knownValuesMatchPyTorch() {
    // torch.nn.functional.interpolate(torch.tensor([[[[0., 10.]]]]), size=(1, 4), mode="bilinear",
    // align_corners=False) → [0, 2.5, 7.5, 10].
    let input: [Float] = [0, 10]
    var out = [Float](repeating: 0, count: 4)
    out.withUnsafeMutableBufferPointer { o in
      input.withUnsafeBufferPointer { i in
        bilinearResize(o.baseAddress!, i.baseAddress!, channels: 1, inputHeight: 1, inputWidth: 2,
                       outputHeight: 1, outputWidth: 4)
      }
    }
    #expect(out == [0, 2.5, 7.5, 10])
  }
}
