import Glibc
import Testing
@testable import ImageDatasets
import SeededRandom

@Suite struct DatasetCorruptionTests {
  /// 600 truncations and byte flips of the gzipped and plain IDX fixtures: each loads or throws, never crashes,
  /// and a successful load always has the sizes its header promised.
  @Test func corruptedIDXFilesNeverCrash() throws {
    let folder = "/tmp/imagedatasets-corruption-\(getpid())"
    mkdir(folder, 0o755)
    defer { system("rm -rf '\(folder)'") }
    var rng = SplitMix64(seed: 17)
    var thrown = 0
    for trial in 0..<600 {
      let source = Fixtures.datasets + (trial % 2 == 0 ? "/idx-gz/train-images-idx3-ubyte.gz" : "/idx-plain/train-images-idx3-ubyte")
      var bytes = try readDatasetFileRaw(source)
      if trial % 3 == 0 {
        bytes = Array(bytes[0..<rng.int(below: bytes.count)])
      } else {
        for _ in 0..<(1 + rng.int(below: 3)) { bytes[rng.int(below: bytes.count)] ^= UInt8(1 + rng.int(below: 255)) }
      }
      let path = folder + "/images" + (trial % 2 == 0 ? ".gz" : "")
      writeRaw(path, bytes)
      do {
        let images = try IDXReader.readImages(path: path)
        #expect(images.pixels.count == images.count * images.rows * images.columns)
      } catch {
        #expect(!error.description.isEmpty && !error.description.contains("\n"))
        thrown += 1
      }
    }
    #expect(thrown > 300)
  }
}

/// The file's bytes exactly as stored (no gunzip).
func readDatasetFileRaw(_ path: String) throws -> [UInt8] {
  guard let f = fopen(path, "rb") else { throw DatasetError.missingFile(path: path) }
  defer { fclose(f) }
  var out: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 4096)
  while true {
    let n = fread(&buffer, 1, buffer.count, f)
    if n == 0 { break }
    out += buffer[0..<n]
  }
  return out
}

func writeRaw(_ path: String, _ bytes: [UInt8]) {
  guard let f = fopen(path, "wb") else { return }
  _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
  fclose(f)
}
