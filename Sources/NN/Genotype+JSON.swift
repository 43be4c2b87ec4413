import Foundation

/// genotype.json: `{"normal": [{"op": "sep_conv_3x3", "source": 0}, ...], "normal_concat": [2, 3, 4, 5],
/// "reduce": [...], "reduce_concat": [...]}` — the DARTS Genotype tuple with named fields.
extension Genotype {
  public func jsonObject() -> [String: Any] {
    func edges(_ cell: CellGenotype) -> [[String: Any]] { cell.edges.map { ["op": $0.op.rawValue, "source": $0.source] } }
    return ["normal": edges(normal), "normal_concat": normal.concat, "reduce": edges(reduce), "reduce_concat": reduce.concat]
  }

  /// Pretty-printed JSON with sorted keys (stable output for diffs and tests).
  public func jsonString() -> String {
    let data = try! JSONSerialization.data(withJSONObject: jsonObject(), options: [.prettyPrinted, .sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }

  /// Parses and validates genotype JSON.
  public init(json data: Data) throws(GenotypeError) {
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: data) } catch { throw .malformed("not valid JSON") }
    guard let object = parsed as? [String: Any] else { throw .malformed("top level must be an object") }
    func cell(_ key: String) throws(GenotypeError) -> CellGenotype {
      guard let list = object[key] as? [[String: Any]] else { throw .malformed("'\(key)' must be a list of {op, source}") }
      var edges: [GenotypeEdge] = []
      for entry in list {
        guard let name = entry["op"] as? String else { throw .malformed("'\(key)' entry without an 'op' string") }
        guard let op = Primitive(rawValue: name) else { throw .unknownOperation(name) }
        guard let source = entry["source"] as? Int else { throw .malformed("'\(key)' entry without an integer 'source'") }
        edges.append(GenotypeEdge(op, source))
      }
      let concat = (object[key + "_concat"] as? [Int]) ?? Array(2..<(2 + edges.count / 2))
      return CellGenotype(edges: edges, concat: concat)
    }
    self.init(normal: try cell("normal"), reduce: try cell("reduce"))
    try validate()
  }

  /// A built-in name (`DARTS_V2`, ...) or a path to a genotype.json file.
  public static func load(nameOrPath: String) throws(GenotypeError) -> Genotype {
    if publishedNames.contains(where: { $0.caseInsensitiveCompare(nameOrPath) == .orderedSame })
      || !FileManager.default.fileExists(atPath: nameOrPath) {
      if nameOrPath.hasSuffix(".json") { throw .malformed("cannot read '\(nameOrPath)': no such file") }
      return try published(nameOrPath)
    }
    guard let data = FileManager.default.contents(atPath: nameOrPath) else {
      throw .malformed("cannot read '\(nameOrPath)'")
    }
    return try Genotype(json: data)
  }
}
