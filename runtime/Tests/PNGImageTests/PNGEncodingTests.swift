import Glibc
import Testing
@testable import PNGImage

@Suite struct PNGEncodingTests {
  @Test(arguments: [(1, 1, 1), (7, 5, 1), (33, 17, 1), (1, 1, 3), (7, 5, 3), (33, 17, 3)])
  func roundTripInMemory(_ size: (Int, Int, Int)) throws {
    var rng = TestRNG(seed: UInt64(size.0 * 100 + size.1 * 10 + size.2))
    let image = PixelImage(width: size.0, height: size.1, channels: size.2,
                           pixels: rng.bytes(size.0 * size.1 * size.2))
    let data = try image.pngData()
    let back = try PixelImage(pngData: data, channels: size.2 == 3 ? .rgb : .gray)
    #expect(back == image)
  }

  @Test func roundTripThroughAFileIsAtomic() throws {
    var rng = TestRNG(seed: 99)
    let image = PixelImage(width: 19, height: 11, channels: 3, pixels: rng.bytes(19 * 11 * 3))
    let folder = "/tmp/pngimage-tests-\(getpid())"
    mkdir(folder, 0o755)
    defer { system("rm -rf '\(folder)'") }
    let path = folder + "/out.png"
    try image.writePNG(toFile: path)
    try image.writePNG(toFile: path)  // overwrite in place
    #expect(try PixelImage(pngFile: path, channels: .rgb) == image)
    // Only the final file remains (no temporary left behind).
    #expect(listFolder(folder) == ["out.png"])
    #expect(throws: PNGError.self) { try image.writePNG(toFile: "/nonexistent-folder/out.png") }
  }

  @Test func conversionsBetweenGrayAndRGB() {
    let gray = PixelImage(width: 3, height: 1, channels: 1, pixels: [0, 128, 255])
    let rgb = gray.converted(to: .rgb)
    #expect(rgb.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255])
    #expect(rgb.converted(to: .gray) == gray)
    let colour = PixelImage(width: 1, height: 1, channels: 3, pixels: [255, 0, 0])
    #expect(colour.converted(to: .gray).pixels == [76])  // 0.299 · 255 = 76.2
    #expect(colour.planar() == [255, 0, 0])
    let two = PixelImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
    #expect(two.planar() == [1, 4, 2, 5, 3, 6])
  }
}

func listFolder(_ path: String) -> [String] {
  guard let dir = opendir(path) else { return [] }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names.sorted()
}
