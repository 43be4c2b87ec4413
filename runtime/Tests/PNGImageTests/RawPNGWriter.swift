import SeededRandom

/// A test-only PNG writer for every colour type and bit depth, independent of libpng: samples are packed by
/// hand and compressed with stored (uncompressed) deflate blocks, so the decoder is checked against files it
/// did not write itself.
struct RawPNG {
  enum ColorType: UInt8 { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

  var width: Int
  var height: Int
  var colorType: ColorType
  var bitDepth: Int
  /// Samples row-major, interleaved per pixel (palette: one index per pixel); each < 2^bitDepth.
  var samples: [Int]
  /// Palette entries (r, g, b) for `.palette`.
  var palette: [(UInt8, UInt8, UInt8)] = []
  /// tRNS alpha for the first palette entries (`.palette` only).
  var paletteAlpha: [UInt8] = []
  /// Adam7 interlacing.
  var interlaced = false

  var samplesPerPixel: Int {
    switch colorType {
    case .gray, .palette: return 1
    case .grayAlpha: return 2
    case .rgb: return 3
    case .rgba: return 4
    }
  }

  func encoded() -> [UInt8] {
    var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    var header = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height))
    header += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
    appendChunk(&out, "IHDR", header)
    if colorType == .palette {
      appendChunk(&out, "PLTE", palette.flatMap { [$0.0, $0.1, $0.2] })
      if !paletteAlpha.isEmpty { appendChunk(&out, "tRNS", paletteAlpha) }
    }
    appendChunk(&out, "IDAT", zlibStored(scanlines()))
    appendChunk(&out, "IEND", [])
    return out
  }

  func scanlines() -> [UInt8] {
    guard interlaced else { return packRows(samples, width: width, height: height) }
    let spp = samplesPerPixel
    var raw: [UInt8] = []
    // Adam7 passes: (x start, y start, x step, y step); empty passes are left out.
    for (x0, y0, dx, dy) in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] {
      let xs = Array(stride(from: x0, to: width, by: dx)), ys = Array(stride(from: y0, to: height, by: dy))
      if xs.isEmpty || ys.isEmpty { continue }
      var sub: [Int] = []
      for y in ys { for x in xs { sub += samples[((y * width + x) * spp)..<((y * width + x + 1) * spp)] } }
      raw += packRows(sub, width: xs.count, height: ys.count)
    }
    return raw
  }

  func packRows(_ samples: [Int], width: Int, height: Int) -> [UInt8] {
    var raw: [UInt8] = []
    let perRow = width * samplesPerPixel
    for y in 0..<height {
      raw.append(0)  // filter type None
      let row = samples[(y * perRow)..<((y + 1) * perRow)]
      if bitDepth == 16 {
        for v in row { raw.append(UInt8(v >> 8)); raw.append(UInt8(v & 0xFF)) }
      } else if bitDepth == 8 {
        for v in row { raw.append(UInt8(v)) }
      } else {
        var byte = 0, used = 0
        for v in row {
          byte = (byte << bitDepth) | v
          used += bitDepth
          if used == 8 { raw.append(UInt8(byte)); byte = 0; used = 0 }
        }
        if used > 0 { raw.append(UInt8(byte << (8 - used))) }
      }
    }
    return raw
  }
}

func bigEndian32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

func appendChunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
  out += bigEndian32(UInt32(data.count))
  let body = Array(type.utf8) + data
  out += body
  out += bigEndian32(crc32(body))
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for b in bytes {
    crc ^= UInt32(b)
    for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
  }
  return ~crc
}

/// zlib stream of stored deflate blocks.
func zlibStored(_ data: [UInt8]) -> [UInt8] {
  var out: [UInt8] = [0x78, 0x01]
  var start = 0
  repeat {
    let n = min(65535, data.count - start)
    let final: UInt8 = start + n == data.count ? 1 : 0
    out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
    out += data[start..<(start + n)]
    start += n
  } while start < data.count
  var a: UInt32 = 1, b: UInt32 = 0
  for v in data { a = (a + UInt32(v)) % 65521; b = (b + a) % 65521 }
  out += bigEndian32((b << 16) | a)
  return out
}

/// The tests' seeded generator.
typealias TestRNG = SplitMix64
