import Testing
@testable import PNGImage

@Suite struct PNGCorruptionTests {
  /// 2,400 corruptions (truncations, single and multiple byte flips, garbage tails) of valid files: each must
  /// either throw a PNGError or decode to an image of the declared size; never crash.
  @Test func randomCorruptionsNeverCrash() throws {
    var rng = TestRNG(seed: 2026)
    var sources: [[UInt8]] = []
    let compressed = PixelImage(width: 23, height: 9, channels: 3, pixels: rng.bytes(23 * 9 * 3))
    sources.append(try compressed.pngData())
    sources.append(try PixelImage(width: 8, height: 8, channels: 1, pixels: [UInt8](repeating: 9, count: 64)).pngData())
    for cc in [ColorCase(colorType: 3, bitDepth: 4), ColorCase(colorType: 6, bitDepth: 16), ColorCase(colorType: 0, bitDepth: 1)] {
      sources.append(makeCase(cc, seed: 3).png)
    }
    var failures = 0, successes = 0
    for trial in 0..<2_400 {
      var data = sources[trial % sources.count]
      switch trial % 4 {
      case 0: data = Array(data[0..<rng.int(below: data.count)])
      case 1: data[rng.int(below: data.count)] ^= UInt8(1 + rng.int(below: 255))
      case 2: for _ in 0..<(1 + rng.int(below: 8)) { data[rng.int(below: data.count)] = UInt8(rng.int(below: 256)) }
      default:
        let keep = rng.int(below: data.count)
        data = Array(data[0..<keep]) + rng.bytes(rng.int(below: 64))
      }
      do {
        let image = try PixelImage(pngData: data, channels: trial % 3 == 0 ? .gray : .rgb, maxPixels: 1 << 20)
        #expect(image.pixels.count == image.width * image.height * image.channels)
        successes += 1
      } catch {
        #expect(!error.description.isEmpty)
        failures += 1
      }
    }
    #expect(failures + successes == 2_400)
    #expect(failures > 1_000)  // most corruptions are detected (CRC, zlib checks)
  }
}
