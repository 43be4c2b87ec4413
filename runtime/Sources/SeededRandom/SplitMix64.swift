/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator with the same sequence on every platform.
/// The PGD audit's random starts, the format fuzzer's corruptions and the test fixtures all draw from this one
/// definition, so a seed names the same sequence everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in 0..<n (0 when n ≤ 1); the modulo bias is negligible for the small n used here.
  public mutating func int(below n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

  /// Uniform in [0, 1), 24 random bits.
  public mutating func unitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

  /// Uniform in [lo, hi).
  public mutating func float(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unitFloat() }

  /// `count` values uniform in [lo, hi).
  public mutating func floats(_ count: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
    (0..<count).map { _ in float(lo, hi) }
  }

  /// `count` random bytes.
  public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
