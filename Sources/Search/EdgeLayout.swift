import Glibc

/// Flat numbering of a search cell's edges (ALGORITHMS.md §1.3): node i (0-based) reads states 0..i+1, and its
/// edges start at offset i(i+3)/2, so with 4 nodes: node 0 = edges 0–1, node 1 = 2–4, node 2 = 5–8, node 3 = 9–13.
/// α rows and β entries follow this numbering.
public struct EdgeLayout: Equatable, Sendable {
  public let nodeCount: Int
  public init(nodeCount: Int = 4) { self.nodeCount = nodeCount }

  /// Total edges: 2 + 3 + ... + (nodeCount + 1).
  public var edgeCount: Int { nodeCount * (nodeCount + 3) / 2 }

  /// Edge indices of node i; the k-th of them reads state k.
  public func edges(ofNode node: Int) -> Range<Int> {
    let start = node * (node + 3) / 2
    return start..<(start + node + 2)
  }

  /// The state an edge reads (0 = c_{k−2}, 1 = c_{k−1}, 2... = intermediate nodes).
  public func source(ofEdge edge: Int) -> Int {
    for node in 0..<nodeCount where edges(ofNode: node).contains(edge) { return edge - edges(ofNode: node).lowerBound }
    preconditionFailure("edge \(edge) out of range 0..<\(edgeCount)")
  }
}

/// Row softmax computed in Double (numerically stable), returned as Float.
public func softmax(_ row: [Float]) -> [Float] {
  guard let top = row.max() else { return [] }
  let exps = row.map { Glibc.exp(Double($0 - top)) }
  let sum = exps.reduce(0, +)
  return exps.map { Float($0 / sum) }
}
