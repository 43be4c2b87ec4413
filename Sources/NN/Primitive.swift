/// The eight candidate operations of the DARTS search space, in the reference order (index 0 = `none`,
/// index 3 = `skip_connect`; α columns follow this order). Raw values are the references' names, used in
/// genotype JSON.
public enum Primitive: String, CaseIterable, Codable, Sendable {
  case none = "none"
  case maxPool3x3 = "max_pool_3x3"
  case avgPool3x3 = "avg_pool_3x3"
  case skipConnect = "skip_connect"
  case sepConv3x3 = "sep_conv_3x3"
  case sepConv5x5 = "sep_conv_5x5"
  case dilConv3x3 = "dil_conv_3x3"
  case dilConv5x5 = "dil_conv_5x5"

  /// Position in the reference primitive list.
  public var index: Int { Primitive.allCases.firstIndex(of: self)! }

  /// Short label for diagrams and tables.
  public var shortName: String {
    switch self {
    case .none: "none"
    case .maxPool3x3: "max"
    case .avgPool3x3: "avg"
    case .skipConnect: "skip"
    case .sepConv3x3: "sep3"
    case .sepConv5x5: "sep5"
    case .dilConv3x3: "dil3"
    case .dilConv5x5: "dil5"
    }
  }
}
