import TensorEngine

/// State a forward pass needs besides its input: training or evaluation mode, the random generator for
/// dropout-like ops, and the current drop-path probability. One instance is shared by every layer of a pass.
public final class ForwardContext {
  public var training: Bool
  public var rng: PRNG
  /// Drop-path probability for this epoch (evaluation network only; 0 disables it).
  public var dropPathProbability: Float

  public init(training: Bool, seed: UInt64 = 0, dropPathProbability: Float = 0) {
    self.training = training
    self.rng = PRNG(seed: seed)
    self.dropPathProbability = dropPathProbability
  }
}

/// Non-trainable state that belongs in a checkpoint (BatchNorm running statistics), read and written through
/// accessors because its owner keeps it in its own form.
public struct NamedBuffer {
  public let name: String
  public let count: Int
  public let read: () -> [Float]
  public let write: ([Float]) -> Void
  public init(name: String, count: Int, read: @escaping () -> [Float], write: @escaping ([Float]) -> Void) {
    self.name = name
    self.count = count
    self.read = read
    self.write = write
  }
}

/// A building block with parameters. Composite layers list their children's parameters in a fixed order,
/// so parameter lists (and checkpoints) are stable across runs.
public protocol Layer: AnyObject {
  /// Trainable parameters, each with a dotted path name ("cells.3.edges.2.op.weight").
  var parameters: [Parameter] { get }
  /// Non-trainable state saved with the parameters.
  var buffers: [NamedBuffer] { get }
  func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor
}

extension Layer {
  public var buffers: [NamedBuffer] { [] }
  /// Number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// Joins a parent path and a child name with a dot.
@inlinable
public func joinName(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }
