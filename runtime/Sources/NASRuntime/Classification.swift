#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One ranked class of a prediction.
public struct ClassScore: Equatable, Sendable {
  public var classIndex: Int
  public var probability: Float

  public init(classIndex: Int, probability: Float) {
    self.classIndex = classIndex
    self.probability = probability
  }
}

/// softmax(logits), computed max-shifted in Float.
public func softmax(_ logits: UnsafeBufferPointer<Float>) -> [Float] {
  guard let m = logits.max() else { return [] }
  var p = logits.map { expf($0 - m) }
  let sum = p.reduce(0, +)
  for i in p.indices { p[i] /= sum }
  return p
}

/// The `k` most probable classes, most probable first; ties go to the lower class index.
public func topClasses(_ logits: UnsafeBufferPointer<Float>, k: Int) -> [ClassScore] {
  let p = softmax(logits)
  let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
  return order.prefix(max(k, 0)).map { ClassScore(classIndex: $0, probability: p[$0]) }
}

/// The index of the largest logit (the first on ties).
public func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
  var best = 0
  for i in logits.indices where logits[i] > logits[best] { best = i }
  return best
}
