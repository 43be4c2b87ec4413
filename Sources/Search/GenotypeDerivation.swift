import NN

/// Per-edge operation weights of one cell type, ready for genotype derivation.
public struct EdgeOperationWeights: Equatable, Sendable {
  /// `operations[e]` = the candidate operations of edge e, in α column order (all 8 in DARTS/PC; the surviving
  /// subset in a P-DARTS stage).
  public var operations: [[Primitive]]
  /// `weights[e][o]` = softmax(α_e)[o], times the edge's normalised β weight for PC-DARTS.
  public var weights: [[Float]]
  public init(operations: [[Primitive]], weights: [[Float]]) {
    precondition(operations.count == weights.count && zip(operations, weights).allSatisfy { $0.count == $1.count },
                 "operations and weights must have the same shape")
    self.operations = operations
    self.weights = weights
  }

  /// W[e][o] = softmax(α_e)[o] · softmax over node(e)'s edges of β (when β is given), ALGORITHMS.md §2.3–2.4.
  public init(operations: [[Primitive]], alpha: [[Float]], beta: [Float]?, layout: EdgeLayout = EdgeLayout()) {
    var weights = alpha.map(softmax)
    if let beta {
      precondition(beta.count == layout.edgeCount, "β has \(beta.count) entries, the cell has \(layout.edgeCount) edges")
      for node in 0..<layout.nodeCount {
        let range = layout.edges(ofNode: node)
        let edgeWeights = softmax(Array(beta[range]))
        for (k, e) in range.enumerated() { weights[e] = weights[e].map { $0 * edgeWeights[k] } }
      }
    }
    self.init(operations: operations, weights: weights)
  }

  /// The strongest operation of edge e other than `none` (first maximum wins), and its weight.
  public func strongestOperation(edge e: Int) -> (op: Primitive, weight: Float)? {
    var best: (Primitive, Float)? = nil
    for (o, op) in operations[e].enumerated() where op != .none {
      if best == nil || weights[e][o] > best!.1 { best = (op, weights[e][o]) }
    }
    return best
  }
}

/// The DARTS / PC-DARTS rule (ALGORITHMS.md §2.4): per node, rank incoming edges by their strongest non-`none`
/// weight, keep the best two (stable: on ties the lower edge index wins), and on each keep the strongest
/// non-`none` operation. The stronger edge is listed first. Concat = all intermediate nodes.
public func deriveCell(_ weights: EdgeOperationWeights, layout: EdgeLayout = EdgeLayout()) -> CellGenotype {
  var edges: [GenotypeEdge] = []
  for node in 0..<layout.nodeCount {
    let candidates = layout.edges(ofNode: node).compactMap { e -> (edge: Int, op: Primitive, score: Float)? in
      weights.strongestOperation(edge: e).map { (e, $0.op, $0.weight) }
    }
    let kept = candidates.enumerated()
      .sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
      .prefix(2)
    for candidate in kept {
      edges.append(GenotypeEdge(candidate.element.op, layout.source(ofEdge: candidate.element.edge)))
    }
  }
  return CellGenotype(edges: edges, concat: Array(2..<(2 + layout.nodeCount)))
}
