/// Why a network cannot be built for the requested shapes.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
  case auxiliaryHeadSize(Int)
  case oddSpatialSize(cell: Int, size: Int)
  case tooFewLayers(Int)

  public var description: String {
    switch self {
    case let .auxiliaryHeadSize(size):
      "the auxiliary head needs a 7×7 or 8×8 feature map at the second reduction cell, got \(size)×\(size)"
    case let .oddSpatialSize(cell, size):
      "cell \(cell) would reduce an odd \(size)×\(size) map; FactorizedReduce needs even sizes (use an input whose side halves twice evenly, e.g. 28 or 32)"
    case let .tooFewLayers(layers): "a network needs at least 3 cells (two reductions), got \(layers)"
    }
  }
}
