/// Paths of the committed fixtures (fixtures/datasets/, written by fixtures/gen/make_dataset_fixtures.py).
enum Fixtures {
  /// The repository root: three folders above runtime/Tests/ImageDatasetsTests/.
  static let root: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(4)
    return parts.joined(separator: "/")
  }()
  static let datasets = root + "/fixtures/datasets"

  /// The generator's pixel rule: example k, channel c, row y, column x.
  static func pixel(_ k: Int, _ c: Int, _ y: Int, _ x: Int) -> UInt8 { UInt8((k * 31 + c * 67 + y * 13 + x * 7) % 256) }

  /// Image k as (channels, height, width) bytes.
  static func image(_ k: Int, channels: Int, height: Int, width: Int) -> [UInt8] {
    var out: [UInt8] = []
    for c in 0..<channels { for y in 0..<height { for x in 0..<width { out.append(pixel(k, c, y, x)) } } }
    return out
  }
}
