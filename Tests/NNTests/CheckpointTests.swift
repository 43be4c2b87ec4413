import Glibc
import Testing
import TensorEngine
@testable import NN

@Suite struct CheckpointTests {
  func sample() -> Checkpoint {
    var checkpoint = Checkpoint(metadata: #"{"epoch": 3}"#)
    checkpoint.set("a.weight", Tensor(shape: [2, 3], values: [1, -2, 3.5, 0, .pi, -0]))
    checkpoint.set("scalar", Tensor(scalar: 7))
    return checkpoint
  }

  @Test func roundTripIsExact() throws {
    let decoded = try Checkpoint(decoding: sample().encoded())
    #expect(decoded.metadata == #"{"epoch": 3}"#)
    #expect(decoded.entries.map(\.name) == ["a.weight", "scalar"])
    #expect(decoded["a.weight"]?.shape == [2, 3])
    #expect(decoded["a.weight"]?.values.map(\.bitPattern) == sample()["a.weight"]?.values.map(\.bitPattern))
    #expect(decoded["scalar"]?.shape == [] && decoded["scalar"]?.scalarValue == 7)
  }

  @Test func everyTruncationAndByteFlipIsDetected() {
    let bytes = sample().encoded()
    for length in 0..<bytes.count {
      #expect(throws: CheckpointError.self) { try Checkpoint(decoding: Array(bytes[0..<length])) }
    }
    var rng = PRNG(seed: 5)
    for _ in 0..<2000 {
      var damaged = bytes
      let position = rng.nextInt(below: damaged.count)
      damaged[position] ^= UInt8(1 + rng.nextInt(below: 255))
      #expect(throws: CheckpointError.self) { try Checkpoint(decoding: damaged) }
    }
    #expect(throws: CheckpointError.notACheckpoint) { try Checkpoint(decoding: Array("PK\u{3}\u{4}junk".utf8)) }
  }

  @Test func restoreChecksNamesAndShapes() throws {
    let p = Parameter(name: "a.weight", Tensor(zeros: [2, 3]))
    try sample().restore([p])
    #expect(p.value.values[2] == 3.5)
    let wrong = Parameter(name: "scalar", Tensor(zeros: [2]))
    #expect(throws: CheckpointError.shapeMismatch(name: "scalar", expected: [2], found: [])) { try sample().restore([wrong]) }
    #expect(throws: CheckpointError.missingTensor("nope")) { try sample().restore([Parameter(name: "nope", Tensor(zeros: [1]))]) }
  }

  @Test func fileRoundTripAndErrors() throws {
    let path = "/tmp/nn-checkpoint-test-\(getpid()).ckpt"
    try sample().write(to: path)
    #expect(try Checkpoint.read(path: path)["scalar"]?.scalarValue == 7)
    unlink(path)
    #expect(throws: CheckpointError.self) { try Checkpoint.read(path: path) }
  }
}
