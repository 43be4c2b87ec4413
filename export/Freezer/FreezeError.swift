/// Why a network cannot be frozen.
public enum FreezeError: Error, Equatable, CustomStringConvertible {
  /// The network uses an operation the export formats cannot express (e.g. the `none` candidate).
  case unsupportedOperation(cell: Int, edge: Int, operation: String)
  /// A layer does not have the structure the freezer expects (a network built by other code).
  case unexpectedLayer(name: String, expected: String)
  /// A weight or folded value is NaN or infinite.
  case nonFiniteWeight(name: String)

  public var description: String {
    switch self {
    case let .unsupportedOperation(cell, edge, operation):
      return "cell \(cell), edge \(edge): operation '\(operation)' cannot be exported"
    case let .unexpectedLayer(name, expected):
      return "layer '\(name)' is not a \(expected) as the evaluation network should have there"
    case let .nonFiniteWeight(name):
      return "tensor '\(name)' has a NaN or infinite value (diverged training?)"
    }
  }
}
