/// A node of the define-by-run autograd graph: one per op result (or parameter) that needs a gradient.
///
/// Interior nodes hold the op's backward closure, which *adds* into the gradient buffers of its inputs
/// (so a value with several consumers needs no special case). After the backward walk has used an interior
/// node, its closure and gradient buffer are released, which frees everything the op saved.
/// Leaf nodes (parameters, inputs marked for gradients) keep their gradient across calls: it accumulates
/// until `zeroGrad()`.
public final class GradNode {
  /// Accumulates the gradient of this node's inputs, given d(loss)/d(this node's output).
  /// `inputGrads[i]` is nil where input i needs no gradient.
  public typealias Backward = (_ dOut: UnsafePointer<Float>, _ inputGrads: [UnsafeMutablePointer<Float>?]) -> Void

  public let count: Int
  public let isLeaf: Bool
  /// Op name for error messages and debugging.
  public let name: String
  let inputs: [GradNode?]
  var backward: Backward?
  /// Gradient buffer, allocated zeroed on first use.
  public private(set) var gradStorage: TensorStorage?

  init(name: String, count: Int, inputs: [GradNode?], backward: Backward?, isLeaf: Bool) {
    self.name = name
    self.count = count
    self.inputs = inputs
    self.backward = backward
    self.isLeaf = isLeaf
  }

  /// A leaf that collects gradients for a tensor of `count` elements.
  public static func leaf(name: String, count: Int) -> GradNode {
    GradNode(name: name, count: count, inputs: [], backward: nil, isLeaf: true)
  }

  /// The gradient buffer, allocating it zeroed when absent.
  public func gradBuffer() -> UnsafeMutablePointer<Float> {
    if let storage = gradStorage { return storage.pointer }
    let storage = TensorStorage(zeros: count)
    gradStorage = storage
    return storage.pointer
  }

  /// Drops the accumulated gradient (a later backward starts from zero).
  public func zeroGrad() { gradStorage = nil }

  func releaseInterior() {
    backward = nil
    gradStorage = nil
  }
}
