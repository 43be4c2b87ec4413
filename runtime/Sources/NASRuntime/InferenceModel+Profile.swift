#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension InferenceModel {
  /// Runs the graph once like `run()`, timing every op; returns seconds per op kind ("Conv", "Add", ...),
  /// in order of first appearance. For `nas-infer bench`; not for production inference (it reads the clock
  /// around every op).
  public func runProfiled() -> [(kind: String, seconds: Double)] {
    precondition(batchSize > 0, "InferenceModel: prepare(batchSize:) before runProfiled()")
    var totals: [(kind: String, seconds: Double)] = []
    for step in steps {
      let op = model.graph.ops[step.opIndex]
      let start = monotonicSeconds()
      execute(step)
      let elapsed = monotonicSeconds() - start
      let kind: String
      if case let .conv(a) = op.kind {
        kind = a.groups > 1 && a.groups == model.valueShapes[op.inputs[0]]![0] ? "Conv(depthwise)"
          : a.kernelHeight == 1 && a.kernelWidth == 1 ? "Conv(1x1)" : "Conv"
      } else {
        kind = op.kind.description
      }
      if let i = totals.firstIndex(where: { $0.kind == kind }) { totals[i].seconds += elapsed } else { totals.append((kind, elapsed)) }
    }
    return totals
  }
}

@inline(__always)
func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
