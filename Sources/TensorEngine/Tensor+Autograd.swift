extension Tensor {
  /// Wraps an op's freshly computed result and, when grad mode is on and any input needs a gradient,
  /// records `backward` in the graph. Every differentiable op goes through here.
  ///
  /// - Parameters:
  ///   - name: op name, used in error messages.
  ///   - shape: result shape; `storage` must hold exactly its element count.
  ///   - inputs: the tensors the result depends on, in the order `backward` receives their gradients.
  ///   - backward: adds d(loss)/d(input i) into `inputGrads[i]` (nil when input i needs none).
  public static func opResult(_ name: String, shape: [Int], storage: TensorStorage, inputs: [Tensor],
                              backward: @escaping GradNode.Backward) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else {
      return Tensor(shape: shape, storage: storage)
    }
    let node = GradNode(name: name, count: storage.count, inputs: inputs.map { $0.gradNode },
                        backward: backward, isLeaf: false)
    return Tensor(shape: shape, storage: storage, gradNode: node)
  }

  /// The same values as a leaf of the graph that collects a gradient (`.grad`), like `requires_grad=True`.
  public func requiringGrad(name: String = "input") -> Tensor {
    Tensor(shape: shape, storage: storage, gradNode: .leaf(name: name, count: count))
  }

  /// The gradient accumulated at this leaf, or nil if none flowed here yet.
  public var grad: Tensor? {
    guard let node = gradNode, let g = node.gradStorage else { return nil }
    return Tensor(shape: shape, storage: TensorStorage(copying: g.pointer, count: g.count))
  }

  /// Back-propagates from a one-element tensor (the loss), seeding d(loss)/d(loss) = 1.
  public func backward() {
    precondition(count == 1, "backward() needs a one-element loss, shape is \(shape); pass a gradient instead")
    backward(gradient: Tensor(shape: shape, repeating: 1))
  }

  /// Back-propagates `gradient` (same shape as this tensor) through the recorded graph, accumulating into
  /// every leaf's gradient. Interior nodes are released as they are used: call it once per graph.
  public func backward(gradient: Tensor) {
    precondition(gradient.shape == shape, "backward gradient shape \(gradient.shape) != tensor shape \(shape)")
    guard let root = gradNode else { return }
    let seed = root.gradBuffer()
    for i in 0..<count { seed[i] += gradient.storage.pointer[i] }
    if root.isLeaf { return }

    // Reverse topological order by an iterative depth-first walk (graphs can be thousands of ops deep).
    var order: [GradNode] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(node: GradNode, expanded: Bool)] = [(root, false)]
    while let (node, expanded) = stack.popLast() {
      if expanded { order.append(node); continue }
      if visited.contains(ObjectIdentifier(node)) { continue }
      visited.insert(ObjectIdentifier(node))
      stack.append((node, true))
      for case let input? in node.inputs where !input.isLeaf && !visited.contains(ObjectIdentifier(input)) {
        stack.append((input, false))
      }
    }
    for node in order.reversed() {
      guard let backward = node.backward else {
        preconditionFailure("autograd: '\(node.name)' was already back-propagated (backward called twice on one graph)")
      }
      if let dOut = node.gradStorage {
        let inputGrads = node.inputs.map { $0?.gradBuffer() }
        backward(UnsafePointer(dOut.pointer), inputGrads)
      }
      node.releaseInterior()
    }
  }
}
