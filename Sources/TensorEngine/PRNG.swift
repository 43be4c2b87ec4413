import Glibc

/// Seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in the engine, data pipeline and search draws from one of these, so a run with the
/// same seed is bit-identical on the same machine. Normal deviates use Box–Muller in Double.
public struct PRNG: RandomNumberGenerator {
  @usableFromInline var s0, s1, s2, s3: UInt64

  public init(seed: UInt64) {
    var x = seed
    func splitMix(_ x: inout UInt64) -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
  }

  @inlinable
  public mutating func next() -> UInt64 {
    let result = rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 45)
    return result
  }

  @inlinable @inline(__always)
  func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// Uniform in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform Float in [low, high).
  @inlinable
  public mutating func uniform(_ low: Float = 0, _ high: Float = 1) -> Float {
    low + (high - low) * Float(nextDouble())
  }

  /// Uniform integer in 0..<bound (bound > 0), without modulo bias.
  @inlinable
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "nextInt(below:) needs a positive bound, got \(bound)")
    return Int(next(upperBound: UInt64(bound)))
  }

  /// Standard normal deviate (Box–Muller).
  public mutating func normal() -> Float {
    var u1 = nextDouble()
    while u1 <= .leastNormalMagnitude { u1 = nextDouble() }
    let u2 = nextDouble()
    return Float((-2 * Glibc.log(u1)).squareRoot() * Glibc.cos(2 * Double.pi * u2))
  }

  /// True with probability `p`.
  @inlinable
  public mutating func bernoulli(_ p: Double) -> Bool { nextDouble() < p }

  /// Fisher–Yates permutation of 0..<n.
  public mutating func permutation(_ n: Int) -> [Int] {
    var result = Array(0..<n)
    if n < 2 { return result }
    for i in stride(from: n - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      result.swapAt(i, j)
    }
    return result
  }
}
