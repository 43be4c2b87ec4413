#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting without Foundation.
public enum NumberFormat {
  /// `value` with exactly `decimals` digits after the point, rounded like C's `%.*f` (the exact binary value,
  /// ties to even). NaN → `nan`, infinities → `inf` / `-inf`. `fixed(3.14159, decimals: 2)` is `3.14`.
  public static func fixed(_ value: Double, decimals: Int) -> String {
    precondition((0...30).contains(decimals), "decimals \(decimals) out of 0...30")
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    var buffer = [CChar](repeating: 0, count: 400)  // |value| < 1.8e308: ≤ 309 digits + sign + point + 30 decimals
    let count = buffer.count
    let written = withVaList([Int32(decimals), value]) { vsnprintf(&buffer, count, "%.*f", $0) }
    precondition(written > 0 && Int(written) < count, "vsnprintf returned \(written)")
    return String(decoding: buffer[0..<Int(written)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// `fraction` × 100 with `decimals` digits and a `%`: `percent(0.8765)` is `87.65%`.
  public static func percent(_ fraction: Double, decimals: Int = 2) -> String {
    fixed(fraction * 100, decimals: decimals) + "%"
  }

  /// A duration as `m:ss` or `h:mm:ss` (`75` → `1:15`, `3725` → `1:02:05`); negative or non-finite → `--:--`.
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "--:--" }
    let total = Int(seconds.rounded())
    let h = total / 3600, m = (total / 60) % 60, s = total % 60
    func two(_ x: Int) -> String { x < 10 ? "0\(x)" : "\(x)" }
    return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
  }
}
