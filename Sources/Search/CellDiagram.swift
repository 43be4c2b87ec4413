import Foundation
import NN

/// Drawings of a cell like the DARTS papers' figures: inputs c_{k−2}, c_{k−1} on the left, intermediate nodes
/// 0..3, edges labelled with their operation, and every concatenated node feeding c_{k}.
public enum CellDiagram {
  static func stateName(_ state: Int) -> String {
    switch state {
    case 0: "c_{k-2}"
    case 1: "c_{k-1}"
    default: "\(state - 2)"
    }
  }

  /// Graphviz DOT source (render with `dot -Tpng`).
  public static func dot(_ cell: CellGenotype, title: String) -> String {
    var lines = ["digraph \"\(title)\" {", "  rankdir=LR;",
                 "  node [style=filled, shape=rect, align=center, fontsize=20, height=0.5, width=0.5, penwidth=2, fontname=\"helvetica\"];",
                 "  edge [fontsize=20, fontname=\"helvetica\"];",
                 "  \"c_{k-2}\" [fillcolor=darkseagreen2];", "  \"c_{k-1}\" [fillcolor=darkseagreen2];"]
    for node in 0..<cell.nodeCount { lines.append("  \"\(node)\" [fillcolor=lightblue];") }
    lines.append("  \"c_{k}\" [fillcolor=palegoldenrod];")
    for (k, edge) in cell.edges.enumerated() {
      lines.append("  \"\(stateName(edge.source))\" -> \"\(k / 2)\" [label=\"\(edge.op.rawValue)\", fillcolor=gray];")
    }
    for state in cell.concat { lines.append("  \"\(stateName(state))\" -> \"c_{k}\" [fillcolor=gray];") }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  /// A self-contained SVG drawing (no Graphviz needed).
  public static func svg(_ cell: CellGenotype, title: String) -> String {
    let nodeCount = cell.nodeCount
    let width = 260 + 170 * nodeCount, height = 360
    func position(_ state: Int) -> (x: Double, y: Double) {
      switch state {
      case 0: return (70, 100)
      case 1: return (70, 260)
      default:
        let i = state - 2
        return (Double(230 + 160 * i), i % 2 == 0 ? 120 : 240)
      }
    }
    let output = (x: Double(width - 70), y: 180.0)
    var parts: [String] = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\">",
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"12\" y=\"24\" font-size=\"18\" font-weight=\"bold\">\(title) cell</text>",
    ]
    func curve(from a: (x: Double, y: Double), to b: (x: Double, y: Double), bend: Double, label: String?) {
      let mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2 + bend
      let start = (a.x + 32, a.y), end = (b.x - 32, b.y)
      parts.append("<path d=\"M \(f(start.0)) \(f(start.1)) Q \(f(mx)) \(f(my)) \(f(end.0)) \(f(end.1))\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>")
      if let label {
        let lx = 0.25 * start.0 + 0.5 * mx + 0.25 * end.0, ly = 0.25 * start.1 + 0.5 * my + 0.25 * end.1
        parts.append("<text x=\"\(f(lx))\" y=\"\(f(ly - 4))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1a3d6d\">\(label)</text>")
      }
    }
    for (k, edge) in cell.edges.enumerated() {
      let bend = k % 2 == 0 ? -28.0 : 28.0
      curve(from: position(edge.source), to: position(k / 2 + 2), bend: bend, label: edge.op.rawValue)
    }
    for state in cell.concat { curve(from: position(state), to: output, bend: 0, label: nil) }
    func box(_ p: (x: Double, y: Double), _ text: String, _ fill: String) {
      parts.append("<rect x=\"\(f(p.x - 32))\" y=\"\(f(p.y - 18))\" width=\"64\" height=\"36\" rx=\"6\" fill=\"\(fill)\" stroke=\"#333\" stroke-width=\"2\"/>")
      parts.append("<text x=\"\(f(p.x))\" y=\"\(f(p.y + 6))\" font-size=\"16\" text-anchor=\"middle\">\(text)</text>")
    }
    box(position(0), "c_{k-2}", "#b4eeb4")
    box(position(1), "c_{k-1}", "#b4eeb4")
    for node in 0..<nodeCount { box(position(node + 2), "\(node)", "#add8e6") }
    box(output, "c_{k}", "#eee8aa")
    parts.append("</svg>")
    return parts.joined(separator: "\n") + "\n"
  }

  static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
