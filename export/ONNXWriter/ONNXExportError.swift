/// Why an ONNX model could not be produced.
public enum ONNXExportError: Error, Equatable, CustomStringConvertible {
  /// Only opsets 13 and 17 are written (both cover every op used, with the same semantics).
  case unsupportedOpset(Int)
  /// libonnx rejected the model (check_model or strict shape inference); the message is libonnx's.
  case invalidModel(String)

  public var description: String {
    switch self {
    case let .unsupportedOpset(opset): return "opset \(opset) is not supported (use 17 or 13)"
    case let .invalidModel(message): return "the ONNX model failed validation: \(message)"
    }
  }
}
