// Global average pooling over NCHW planes: forward and input gradient.

/// out[p] = (1 / S) · Σ_i x[p, i] for each of `planes` planes of `planeSize` = H·W elements.
/// Sums run in a fixed order per plane (8 SIMD lanes, then the lanes, then the tail), so the result does not
/// depend on how planes are split over threads. x: (planes, S); out: (planes,).
public func globalAvgPoolForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                 planes: Int, planeSize: Int) {
  precondition(planeSize > 0, "globalAvgPoolForward: empty plane (planeSize \(planeSize))")
  let scale = 1 / Float(planeSize)
  let vectorEnd = planeSize & ~7
  for p in 0..<planes {
    let xp = x + p * planeSize
    var lanes = SIMD8<Float>.zero
    var i = 0
    while i < vectorEnd {
      lanes += UnsafeRawPointer(xp + i).loadUnaligned(as: SIMD8<Float>.self)
      i += 8
    }
    var sum = lanes.sum()
    while i < planeSize { sum += xp[i]; i += 1 }
    out[p] = sum * scale
  }
}

/// dInput[p, i] += dOut[p] / S.  dOut: (planes,); dInput: (planes, S), accumulated into.
public func globalAvgPoolBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                  planes: Int, planeSize: Int) {
  precondition(planeSize > 0, "globalAvgPoolBackward: empty plane (planeSize \(planeSize))")
  let scale = 1 / Float(planeSize)
  for p in 0..<planes {
    let share = dOut[p] * scale
    let dx = dInput + p * planeSize
    for i in 0..<planeSize { dx[i] += share }
  }
}
