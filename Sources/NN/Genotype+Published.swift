extension Genotype {
  /// Names accepted by `Genotype.published(_:)`.
  public static let publishedNames = ["DARTS_V1", "DARTS_V2", "PC_DARTS", "PDARTS"]

  /// The published CIFAR-10 cells (ALGORITHMS.md §8; DARTS, PC-DARTS and P-DARTS genotypes.py).
  public static func published(_ name: String) throws(GenotypeError) -> Genotype {
    switch name.uppercased().replacingDashes() {
    case "DARTS_V1", "DARTS":
      return try Genotype(short: "sep3(1) sep3(0) skip(0) sep3(1) skip(0) sep3(1) sep3(0) skip(2)",
                          reduce: "max(0) max(1) skip(2) max(0) max(0) skip(2) skip(2) avg(0)")
    case "DARTS_V2":
      return try Genotype(short: "sep3(0) sep3(1) sep3(0) sep3(1) sep3(1) skip(0) skip(0) dil3(2)",
                          reduce: "max(0) max(1) skip(2) max(1) max(0) skip(2) skip(2) max(1)")
    case "PC_DARTS", "PC_DARTS_CIFAR":
      return try Genotype(short: "sep3(1) skip(0) sep3(0) dil3(1) sep5(0) sep3(1) avg(0) dil3(1)",
                          reduce: "sep5(1) max(0) sep5(1) sep5(2) sep3(0) sep3(3) sep3(1) sep3(2)")
    case "PDARTS":
      return try Genotype(short: "skip(0) dil3(1) skip(0) sep3(1) sep3(1) sep3(3) sep3(0) dil5(4)",
                          reduce: "avg(0) sep5(1) sep3(0) dil5(2) max(0) dil3(1) dil3(1) dil5(3)")
    default:
      throw .unknownName(name)
    }
  }

  /// Parses the short notation of the papers' tables: "sep3(0) skip(1) ..." (two entries per node).
  init(short normal: String, reduce: String) throws(GenotypeError) {
    self.init(normal: CellGenotype(edges: try Genotype.parseShort(normal)),
              reduce: CellGenotype(edges: try Genotype.parseShort(reduce)))
  }

  static func parseShort(_ text: String) throws(GenotypeError) -> [GenotypeEdge] {
    var edges: [GenotypeEdge] = []
    for token in text.split(separator: " ") {
      guard let open = token.firstIndex(of: "("), token.last == ")",
            let source = Int(token[token.index(after: open)..<token.index(before: token.endIndex)]) else {
        throw .malformed("bad entry '\(token)'")
      }
      let label = String(token[..<open])
      guard let op = Primitive.allCases.first(where: { $0.shortName == label }) else {
        throw .unknownOperation(label)
      }
      edges.append(GenotypeEdge(op, source))
    }
    return edges
  }

  /// The short notation, e.g. for logs: "normal: sep3(0) sep3(1) · ... | reduce: ...".
  public var shortDescription: String {
    func cell(_ c: CellGenotype) -> String {
      stride(from: 0, to: c.edges.count, by: 2).map { k in
        c.edges[k..<min(k + 2, c.edges.count)].map { "\($0.op.shortName)(\($0.source))" }.joined(separator: " ")
      }.joined(separator: " · ")
    }
    return "normal: \(cell(normal)) | reduce: \(cell(reduce))"
  }
}

extension String {
  fileprivate func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
