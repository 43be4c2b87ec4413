/// Scales all gradients so that their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_):
/// factor = maxNorm / (norm + 1e-6), applied only when it is below 1. Returns the norm before clipping,
/// summed in Double. A non-finite norm is returned as is and nothing is scaled (the caller decides: NaN loss).
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
  var sumOfSquares = 0.0
  for parameter in parameters {
    guard let g = parameter.gradData else { continue }
    for i in 0..<parameter.count { sumOfSquares += Double(g[i]) * Double(g[i]) }
  }
  let norm = Float(sumOfSquares.squareRoot())
  guard norm.isFinite else { return norm }
  let factor = maxNorm / (norm + 1e-6)
  if factor < 1 {
    for parameter in parameters {
      guard let g = parameter.gradData else { continue }
      for i in 0..<parameter.count { g[i] *= factor }
    }
  }
  return norm
}
