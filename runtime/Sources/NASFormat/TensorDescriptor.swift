/// How a tensor's elements are stored in the file.
public enum TensorDataType: UInt8, Equatable, Sendable, CaseIterable, CustomStringConvertible {
  /// IEEE-754 binary32, little-endian.
  case float32 = 0
  /// IEEE-754 binary16, little-endian (rounded to nearest even when written).
  case float16 = 1
  /// Signed 8-bit, symmetric, one scale per output channel (dimension 0): value = q × scale[channel].
  /// Scales are fp32 in `TTAB` (1.0) and fp16 in `TTBV` (1.1).
  case int8 = 2

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .float32: return 4
    case .float16: return 2
    case .int8: return 1
    }
  }

  public var description: String {
    switch self {
    case .float32: return "fp32"
    case .float16: return "fp16"
    case .int8: return "int8"
    }
  }
}

/// One entry of the tensor table: what a tensor is and where its bytes are in the file.
public struct TensorDescriptor: Equatable, Sendable {
  /// Unique, non-empty, at most `FormatLimits.maxNameLength` UTF-8 bytes.
  public var name: String
  public var dataType: TensorDataType
  /// 1 to 8 dimensions, each ≥ 1; for weights, dimension 0 is the output channel.
  public var shape: [Int]
  /// Absolute byte offset in the file, inside the DATA section: a multiple of 64.
  public var offset: Int
  /// `elementCount × dataType.byteSize`.
  public var byteLength: Int
  /// For `.int8`: `shape[0]` finite, non-negative scales; empty otherwise.
  public var scales: [Float]

  public init(name: String, dataType: TensorDataType, shape: [Int], offset: Int, byteLength: Int,
              scales: [Float] = []) {
    self.name = name
    self.dataType = dataType
    self.shape = shape
    self.offset = offset
    self.byteLength = byteLength
    self.scales = scales
  }

  /// Product of the dimensions, or nil if it overflows.
  public var elementCount: Int? { checkedProduct(shape) }
}

/// Product of `dims`, or nil on overflow or a negative factor.
@usableFromInline func checkedProduct(_ dims: [Int]) -> Int? {
  var product = 1
  for d in dims {
    guard d >= 0 else { return nil }
    let (p, overflow) = product.multipliedReportingOverflow(by: d)
    if overflow { return nil }
    product = p
  }
  return product
}
