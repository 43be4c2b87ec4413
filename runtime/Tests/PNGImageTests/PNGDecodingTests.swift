import Testing
@testable import PNGImage

/// A file description for the colour-type sweep.
struct ColorCase: CustomStringConvertible, Sendable {
  let colorType: UInt8
  let bitDepth: Int
  var description: String { "colorType \(colorType), \(bitDepth)-bit" }
}

let allColorCases: [ColorCase] = [
  ColorCase(colorType: 0, bitDepth: 1), ColorCase(colorType: 0, bitDepth: 2), ColorCase(colorType: 0, bitDepth: 4),
  ColorCase(colorType: 0, bitDepth: 8), ColorCase(colorType: 0, bitDepth: 16),
  ColorCase(colorType: 2, bitDepth: 8), ColorCase(colorType: 2, bitDepth: 16),
  ColorCase(colorType: 3, bitDepth: 1), ColorCase(colorType: 3, bitDepth: 2), ColorCase(colorType: 3, bitDepth: 4),
  ColorCase(colorType: 3, bitDepth: 8),
  ColorCase(colorType: 4, bitDepth: 8), ColorCase(colorType: 4, bitDepth: 16),
  ColorCase(colorType: 6, bitDepth: 8), ColorCase(colorType: 6, bitDepth: 16),
]

/// A random file of the given colour type with odd dimensions, and its expected 8-bit RGB pixels computed
/// naively (sample scaling, palette lookup, compositing on black: (v·a + 127) / 255).
func makeCase(_ cc: ColorCase, seed: UInt64, interlaced: Bool = false)
  -> (png: [UInt8], expectedRGB: [Int], width: Int, height: Int) {
  var rng = TestRNG(seed: seed)
  let width = 13, height = 7
  let type = RawPNG.ColorType(rawValue: cc.colorType)!
  var file = RawPNG(width: width, height: height, colorType: type, bitDepth: cc.bitDepth, samples: [])
  file.interlaced = interlaced
  let maxSample = (1 << cc.bitDepth) - 1
  if type == .palette {
    let entries = 1 << min(cc.bitDepth, 4)
    file.palette = (0..<entries).map { _ in
      (UInt8(rng.int(below: 256)), UInt8(rng.int(below: 256)), UInt8(rng.int(below: 256)))
    }
    file.paletteAlpha = (0..<(entries / 2)).map { _ in UInt8(rng.int(below: 256)) }
    file.samples = (0..<(width * height)).map { _ in rng.int(below: entries) }
  } else {
    file.samples = (0..<(width * height * file.samplesPerPixel)).map { _ in rng.int(below: maxSample + 1) }
  }
  func to8(_ v: Int) -> Int {
    cc.bitDepth == 16 ? (v * 255 + 32767) / 65535 : v * 255 / maxSample
  }
  var expected: [Int] = []
  for p in 0..<(width * height) {
    var rgb: [Int], alpha = 255
    switch type {
    case .gray: rgb = Array(repeating: to8(file.samples[p]), count: 3)
    case .grayAlpha:
      rgb = Array(repeating: to8(file.samples[2 * p]), count: 3); alpha = to8(file.samples[2 * p + 1])
    case .rgb: rgb = (0..<3).map { to8(file.samples[3 * p + $0]) }
    case .rgba: rgb = (0..<3).map { to8(file.samples[4 * p + $0]) }; alpha = to8(file.samples[4 * p + 3])
    case .palette:
      let index = file.samples[p], entry = file.palette[index]
      rgb = [Int(entry.0), Int(entry.1), Int(entry.2)]
      if index < file.paletteAlpha.count { alpha = Int(file.paletteAlpha[index]) }
    }
    expected += rgb.map { ($0 * alpha + 127) / 255 }
  }
  return (file.encoded(), expected, width, height)
}

@Suite struct PNGDecodingTests {
  @Test(arguments: allColorCases)
  func everyColorTypeDecodesToRGB(_ cc: ColorCase) throws {
    let c = makeCase(cc, seed: 11 + UInt64(cc.colorType) * 100 + UInt64(cc.bitDepth))
    let image = try PixelImage(pngData: c.png, channels: .rgb)
    #expect(image.width == c.width && image.height == c.height && image.channels == 3)
    // 8-bit and lower depths are exact; 16-bit → 8-bit (and compositing after it) may round either way.
    let tolerance = cc.bitDepth == 16 ? 1 : 0
    var worst = 0
    for i in 0..<c.expectedRGB.count { worst = max(worst, abs(Int(image.pixels[i]) - c.expectedRGB[i])) }
    #expect(worst <= tolerance, "\(cc): max difference \(worst)")
  }

  @Test(arguments: allColorCases)
  func interlacedFilesDecodeLikeProgressiveOnes(_ cc: ColorCase) throws {
    let plain = makeCase(cc, seed: 31), interlaced = makeCase(cc, seed: 31, interlaced: true)
    #expect(plain.png != interlaced.png)
    let a = try PixelImage(pngData: plain.png, channels: .rgb), b = try PixelImage(pngData: interlaced.png, channels: .rgb)
    // 16-bit interlaced files take a separate path (see the decoder), so they may differ by one step.
    let tolerance = cc.bitDepth == 16 ? 1 : 0
    let againstPlain = zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    let againstExpected = zip(b.pixels, interlaced.expectedRGB).map { abs(Int($0) - $1) }.max() ?? 0
    #expect(a.width == b.width && a.height == b.height && againstPlain <= tolerance, "max difference \(againstPlain)")
    #expect(againstExpected <= tolerance, "max difference \(againstExpected)")
  }

  @Test(arguments: allColorCases)
  func everyColorTypeDecodesToGray(_ cc: ColorCase) throws {
    let c = makeCase(cc, seed: 23 + UInt64(cc.colorType) * 100 + UInt64(cc.bitDepth))
    let image = try PixelImage(pngData: c.png, channels: .gray)
    #expect(image.channels == 1 && image.pixels.count == c.width * c.height)
    let tolerance = cc.bitDepth == 16 ? 1 : 0
    var worst = 0
    for p in 0..<(c.width * c.height) {
      let r = UInt8(c.expectedRGB[3 * p]), g = UInt8(c.expectedRGB[3 * p + 1]), b = UInt8(c.expectedRGB[3 * p + 2])
      // Naive PIL luma in Double: 0.299 r + 0.587 g + 0.114 b.
      let weighted: Double = 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)
      let reference = Int(weighted.rounded())
      worst = max(worst, abs(Int(image.pixels[p]) - reference))
    }
    // The fixed-point luma may differ from the Double formula by one step at rounding boundaries.
    #expect(worst <= tolerance + 1, "\(cc): max difference \(worst)")
  }

  @Test func grayFilesStayExactAsGray() throws {
    var rng = TestRNG(seed: 5)
    let samples = (0..<(9 * 4)).map { _ in rng.int(below: 256) }
    let png = RawPNG(width: 9, height: 4, colorType: .gray, bitDepth: 8, samples: samples).encoded()
    let image = try PixelImage(pngData: png, channels: .gray)
    #expect(image.pixels.map(Int.init) == samples)
  }

  @Test func tooLargeHeaderIsRejectedBeforeAllocation() throws {
    let png = RawPNG(width: 100_000, height: 100_000, colorType: .gray, bitDepth: 8, samples: []).encodedHeaderOnly()
    #expect(throws: PNGError.imageTooLarge(width: 100_000, height: 100_000, maxPixels: PixelImage.defaultMaxPixels)) {
      try PixelImage(pngData: png, channels: .gray)
    }
    let small = RawPNG(width: 20, height: 20, colorType: .gray, bitDepth: 8, samples: Array(repeating: 7, count: 400))
    #expect(throws: PNGError.imageTooLarge(width: 20, height: 20, maxPixels: 399)) {
      try PixelImage(pngData: small.encoded(), channels: .gray, maxPixels: 399)
    }
  }

  @Test func notAPNG() {
    #expect(throws: PNGError.notPNG) { try PixelImage(pngData: [], channels: .gray) }
    #expect(throws: PNGError.notPNG) { try PixelImage(pngData: Array("GIF89a and more".utf8), channels: .rgb) }
    #expect(PNGError.notPNG.description == "not a PNG file")
  }

  @Test func truncatedImageData() throws {
    let samples = Array(repeating: 100, count: 31 * 17)
    let png = RawPNG(width: 31, height: 17, colorType: .gray, bitDepth: 8, samples: samples).encoded()
    let cut = Array(png[0..<(png.count / 2)])
    #expect(throws: PNGError.truncated) { try PixelImage(pngData: cut, channels: .gray) }
    #expect(throws: PNGError.truncated) { try PixelImage(pngData: Array(png[0..<12]), channels: .gray) }
  }

  @Test func missingFile() {
    #expect(throws: PNGError.fileNotFound(path: "/nonexistent/x.png")) {
      try PixelImage(pngFile: "/nonexistent/x.png", channels: .gray)
    }
  }
}

extension RawPNG {
  /// Signature + IHDR + a short IDAT + IEND: enough for the header to be read, no real pixel data.
  func encodedHeaderOnly() -> [UInt8] {
    var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    appendChunk(&out, "IHDR", bigEndian32(UInt32(width)) + bigEndian32(UInt32(height)) + [UInt8(bitDepth), colorType.rawValue, 0, 0, 0])
    appendChunk(&out, "IDAT", zlibStored([0, 0, 0, 0]))
    appendChunk(&out, "IEND", [])
    return out
  }
}
