/// The training curves as a standalone SVG: loss (left panel) and accuracy (right panel) against the epoch,
/// train in blue, test in orange. Written by hand, no dependencies.
public enum TrainingCurves {
  public static func svg(_ records: [TrainingRecord], title: String) -> String {
    let epochs = records.map { Double($0.epoch + 1) }
    let trainLoss = records.map { Double($0.trainLoss) }
    let testLoss = records.compactMap { $0.testLoss.map(Double.init) }
    let trainAccuracy = records.map { Double($0.trainAccuracy) * 100 }
    let testAccuracy = records.compactMap { $0.testAccuracy.map { Double($0) * 100 } }
    let testEpochs = records.compactMap { $0.testAccuracy == nil ? nil : Double($0.epoch + 1) }
    let width = 900.0, height = 380.0
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(Int(width / 2))" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>

      """
    out += panel(x: 60, y: 40, width: 360, height: 290, label: "loss", epochs: epochs,
                 series: [(epochs, trainLoss, "#1f77b4", "train"), (testEpochs, testLoss, "#ff7f0e", "test")])
    out += panel(x: 510, y: 40, width: 360, height: 290, label: "accuracy (%)", epochs: epochs,
                 series: [(epochs, trainAccuracy, "#1f77b4", "train"), (testEpochs, testAccuracy, "#ff7f0e", "test")])
    out += "</svg>\n"
    return out
  }

  static func panel(x: Double, y: Double, width: Double, height: Double, label: String, epochs: [Double],
                    series: [([Double], [Double], String, String)]) -> String {
    let allValues = series.flatMap(\.1).filter(\.isFinite)
    var low = allValues.min() ?? 0, high = allValues.max() ?? 1
    if high - low < 1e-9 { (low, high) = (low - 0.5, high + 0.5) }
    let margin = (high - low) * 0.05
    (low, high) = (low - margin, high + margin)
    let firstEpoch = 1.0, lastEpoch = max(epochs.last ?? 1, 2)
    func px(_ e: Double) -> Double { x + (e - firstEpoch) / (lastEpoch - firstEpoch) * width }
    func py(_ v: Double) -> Double { y + height - (v - low) / (high - low) * height }
    var out = "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"none\" stroke=\"#888\"/>\n"
    for k in 0...4 {
      let v = low + (high - low) * Double(k) / 4
      out += "<line x1=\"\(f(x))\" y1=\"\(f(py(v)))\" x2=\"\(f(x + width))\" y2=\"\(f(py(v)))\" stroke=\"#eee\"/>\n"
      out += "<text x=\"\(f(x - 5))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(f(v, 3))</text>\n"
      let e = firstEpoch + (lastEpoch - firstEpoch) * Double(k) / 4
      out += "<text x=\"\(f(px(e)))\" y=\"\(f(y + height + 16))\" text-anchor=\"middle\">\(f(e, lastEpoch - firstEpoch >= 4 ? 0 : 1))</text>\n"
    }
    out += "<text x=\"\(f(x + width / 2))\" y=\"\(f(y + height + 32))\" text-anchor=\"middle\">epoch</text>\n"
    out += "<text x=\"\(f(x + 10))\" y=\"\(f(y + 16))\">\(escape(label))</text>\n"
    for (k, (xs, ys, color, name)) in series.enumerated() {
      let points = zip(xs, ys).filter { $0.1.isFinite }.map { "\(f(px($0.0))),\(f(py($0.1)))" }
      if points.count > 1 {
        out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
      }
      for p in points where points.count <= 60 {
        let xy = p.split(separator: ",")
        out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(color)\"/>\n"
      }
      let ly = y + 16 + Double(k + 1) * 16
      out += "<line x1=\"\(f(x + width - 80))\" y1=\"\(f(ly - 4))\" x2=\"\(f(x + width - 60))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
      out += "<text x=\"\(f(x + width - 55))\" y=\"\(f(ly))\">\(name)</text>\n"
    }
    return out
  }

  /// Fixed-point text with at most `decimals` digits (no Foundation).
  static func f(_ value: Double, _ decimals: Int = 1) -> String {
    guard value.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((abs(value) * scale).rounded())
    let whole = scaled / Int(scale), fraction = scaled % Int(scale)
    var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
      let digits = String(fraction)
      text += "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
    return text
  }

  static func escape(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "&": out += "&amp;"
      case "\"": out += "&quot;"
      default: out.append(c)
      }
    }
    return out
  }
}
