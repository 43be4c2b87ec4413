/// The search algorithms of the DARTS family that `nas-search --method` accepts.
public enum SearchMethod: String, CaseIterable, Codable, Sendable {
  /// DARTS: all 8 operations on all channels, 8 cells, one stage.
  case darts
  /// PC-DARTS: partial channels (K = 4) with shuffle, edge normalisation β, warm-up.
  case pc
  /// P-DARTS: three stages 5 → 11 → 17 cells, 8 → 5 → 3 operations, skip dropout, at most 2 skips.
  case p
  /// PCP-DARTS: P-DARTS stages with PC-DARTS mixed operations and β.
  case pcp
  /// SS-PCP-DARTS: PCP-DARTS with the search loss ss·L_BarlowTwins + (1 − ss)·L_CE on two views.
  case ssPcp = "ss-pcp"

  public var usesPartialChannels: Bool { self == .pc || self == .pcp || self == .ssPcp }
  public var isProgressive: Bool { self == .p || self == .pcp || self == .ssPcp }

  public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
