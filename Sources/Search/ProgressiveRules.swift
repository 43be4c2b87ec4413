import Glibc
import NN

/// The search-space rules of P-DARTS (ALGORITHMS.md §4): which operations survive each stage, the skip-connect
/// dropout schedule, and the final cell with at most M skip-connects in the normal cell.
public enum ProgressiveRules {
  /// Removes the `count` weakest operations of every edge after a stage.
  ///
  /// - Parameters:
  ///   - operations: each edge's surviving operations (α column order).
  ///   - probabilities: softmax(α_e) over those operations.
  ///   - isLastStage: after the last stage `none`, where still present, is removed first, plus the `count − 1`
  ///     weakest others; otherwise the `count` weakest are removed, `none` included like any other op.
  /// Ties remove the lower column first (argmin takes the first minimum, as the reference does).
  public static func dropOperations(_ operations: [[Primitive]], probabilities: [[Float]], count: Int,
                                    isLastStage: Bool) -> [[Primitive]] {
    zip(operations, probabilities).map { ops, probs in
      var remaining = Array(zip(ops, probs))
      var toRemove = count
      if isLastStage, let zero = remaining.firstIndex(where: { $0.0 == .none }) {
        remaining.remove(at: zero)
        toRemove -= 1
      }
      for _ in 0..<max(0, min(toRemove, remaining.count - 1)) {
        var weakest = 0
        for k in remaining.indices where remaining[k].1 < remaining[weakest].1 { weakest = k }
        remaining.remove(at: weakest)
      }
      return remaining.map(\.0)
    }
  }

  /// Skip-connect dropout rate for 0-based `epoch` of a stage with `epochs` epochs, the first `warmup` of which
  /// update only weights: r·(E−1−e)/E during warm-up, then r·exp(−0.2·(e−W)) (the jump back to r at e = W is the
  /// reference's behaviour).
  public static func skipDropoutRate(base: Float, epoch: Int, epochs: Int, warmup: Int) -> Float {
    if epoch < warmup { return base * Float(epochs - 1 - epoch) / Float(epochs) }
    return base * Float(exp(-0.2 * Double(epoch - warmup)))
  }

  /// The final cell after the last stage (§4.4): each edge keeps its strongest non-`none` candidate; node 0 keeps
  /// both edges, later nodes their two strongest. With `maxSkips`, while the cell has more skip-connects than that,
  /// the kept skip edge with the smallest skip probability loses it (probability set to 0, cumulatively), every
  /// edge re-chooses its op, and the edges are selected again.
  ///
  /// - Parameters:
  ///   - operations: each edge's last-stage candidates.
  ///   - probabilities: softmax(α_e) over them (`none` included in the denominator).
  ///   - edgeScale: optional per-edge multiplier for the edge ranking (PCP-DARTS: the normalised β weight); the
  ///     op choice within an edge never depends on it.
  public static func finalCell(operations: [[Primitive]], probabilities: [[Float]], edgeScale: [Float]? = nil,
                               maxSkips: Int?, layout: EdgeLayout = EdgeLayout()) -> CellGenotype {
    var p = zip(operations, probabilities).map { ops, probs in
      zip(ops, probs).map { $0 == .none ? 0 : $1 }
    }
    while true {
      var chosen: [(op: Primitive, probability: Float)?] = []
      for (e, ops) in operations.enumerated() {
        var best: (Primitive, Float)? = nil
        for (o, op) in ops.enumerated() where op != .none {
          if best == nil || p[e][o] > best!.1 { best = (op, p[e][o]) }
        }
        chosen.append(best)
      }
      var edges: [(edge: Int, op: Primitive)] = []
      for node in 0..<layout.nodeCount {
        let range = layout.edges(ofNode: node)
        let ranked = range.compactMap { e in chosen[e].map { (e, $0.op, $0.probability * (edgeScale?[e] ?? 1)) } }
          .enumerated()
          .sorted { $0.element.2 != $1.element.2 ? $0.element.2 > $1.element.2 : $0.offset < $1.offset }
          .prefix(2)
        edges += ranked.map { ($0.element.0, $0.element.1) }
      }
      let skipEdges = edges.filter { $0.op == .skipConnect }.map(\.edge)
      let removable = skipEdges.filter { p[$0][operations[$0].firstIndex(of: .skipConnect)!] > 0 }
      guard let limit = maxSkips, skipEdges.count > limit, !removable.isEmpty else {
        return CellGenotype(edges: edges.map { GenotypeEdge($0.op, layout.source(ofEdge: $0.edge)) },
                            concat: Array(2..<(2 + layout.nodeCount)))
      }
      let weakest = removable.min { a, b in
        let pa = p[a][operations[a].firstIndex(of: .skipConnect)!]
        let pb = p[b][operations[b].firstIndex(of: .skipConnect)!]
        return pa != pb ? pa < pb : a < b
      }!
      p[weakest][operations[weakest].firstIndex(of: .skipConnect)!] = 0
    }
  }
}
