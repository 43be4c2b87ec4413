/// One chosen input of a cell node: the operation and the state it reads (0 = c_{k−2}, 1 = c_{k−1},
/// 2... = earlier intermediate nodes).
public struct GenotypeEdge: Equatable, Hashable, Sendable {
  public var op: Primitive
  public var source: Int
  public init(_ op: Primitive, _ source: Int) {
    self.op = op
    self.source = source
  }
}

/// A discrete cell: two edges per intermediate node (node i's edges at 2i and 2i+1) and the states whose
/// channel concatenation is the cell output.
public struct CellGenotype: Equatable, Sendable {
  public var edges: [GenotypeEdge]
  public var concat: [Int]
  public init(edges: [GenotypeEdge], concat: [Int] = [2, 3, 4, 5]) {
    self.edges = edges
    self.concat = concat
  }

  /// Number of intermediate nodes.
  public var nodeCount: Int { edges.count / 2 }

  /// Checks the structure: an even number of edges, sources earlier than their node, no `none` op, and
  /// concat naming intermediate nodes.
  public func validate(cell: String) throws(GenotypeError) {
    guard !edges.isEmpty, edges.count % 2 == 0 else { throw .badEdgeCount(cell: cell, count: edges.count) }
    for (k, edge) in edges.enumerated() {
      let node = k / 2
      guard edge.source >= 0, edge.source < node + 2 else {
        throw .badSource(cell: cell, node: node, source: edge.source)
      }
      guard edge.op != .none else { throw .noneOperation(cell: cell, node: node) }
    }
    guard !concat.isEmpty, concat.allSatisfy({ $0 >= 2 && $0 < nodeCount + 2 }) else {
      throw .badConcat(cell: cell, concat: concat)
    }
  }

  /// Skip-connections among the edges (the P-DARTS M = 2 rule counts these in the normal cell).
  public var skipCount: Int { edges.filter { $0.op == .skipConnect }.count }

  /// Longest path, in operations, from a cell input to the output (the concatenation counts no op).
  public var depth: Int {
    var longest = [0, 0]
    for node in 0..<nodeCount {
      let a = edges[2 * node], b = edges[2 * node + 1]
      longest.append(max(longest[a.source], longest[b.source]) + 1)
    }
    return concat.map { longest[$0] }.max() ?? 0
  }
}

/// A searched architecture: the normal and the reduction cell.
public struct Genotype: Equatable, Sendable {
  public var normal: CellGenotype
  public var reduce: CellGenotype
  public init(normal: CellGenotype, reduce: CellGenotype) {
    self.normal = normal
    self.reduce = reduce
  }

  public func validate() throws(GenotypeError) {
    try normal.validate(cell: "normal")
    try reduce.validate(cell: "reduce")
  }
}

/// Why a genotype cannot be used.
public enum GenotypeError: Error, Equatable, CustomStringConvertible {
  case badEdgeCount(cell: String, count: Int)
  case badSource(cell: String, node: Int, source: Int)
  case noneOperation(cell: String, node: Int)
  case badConcat(cell: String, concat: [Int])
  case unknownOperation(String)
  case unknownName(String)
  case malformed(String)

  public var description: String {
    switch self {
    case let .badEdgeCount(cell, count): "\(cell) cell: needs two edges per node, got \(count) edges"
    case let .badSource(cell, node, source):
      "\(cell) cell: node \(node) reads state \(source), but only states 0..\(node + 1) exist before it"
    case let .noneOperation(cell, node): "\(cell) cell: node \(node) uses 'none', which a genotype cannot contain"
    case let .badConcat(cell, concat): "\(cell) cell: concat \(concat) must name intermediate nodes"
    case let .unknownOperation(name):
      "unknown operation '\(name)' (known: \(Primitive.allCases.map(\.rawValue).joined(separator: ", ")))"
    case let .unknownName(name):
      "unknown genotype '\(name)' (built in: \(Genotype.publishedNames.joined(separator: ", ")), or a genotype.json path)"
    case let .malformed(why): "malformed genotype: \(why)"
    }
  }
}
