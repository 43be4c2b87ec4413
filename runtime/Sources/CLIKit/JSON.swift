/// A JSON value for `--json` output lines. Numbers that are NaN or infinite are written as `null`.
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case int(Int)
  /// Written with the shortest representation that round-trips a Double.
  case double(Double)
  /// Written with the shortest representation that round-trips a Float (`0.87`, not `0.8700000047683716`).
  case float(Float)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// The compact JSON text (no spaces, no newline).
  public var jsonText: String {
    var out = ""
    write(to: &out)
    return out
  }

  func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case let .bool(b): out += b ? "true" : "false"
    case let .int(i): out += String(i)
    case let .double(d): out += d.isFinite ? d.description : "null"
    case let .float(f): out += f.isFinite ? f.description : "null"
    case let .string(s): JSONValue.writeString(s, to: &out)
    case let .array(items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case let .object(object): object.write(to: &out)
    }
  }

  /// Writes `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\t`, ... or `\u00XX`,
  /// U+2028/U+2029 as `\u2028`/`\u2029`; everything else as UTF-8.
  static func writeString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case "\u{2028}": out += "\\u2028"
      case "\u{2029}": out += "\\u2029"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .int(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(nilLiteral: ()) { self = .null }
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

/// A JSON object that keeps its keys in insertion order, so output lines have stable keys.
public struct JSONObject: Equatable, Sendable, ExpressibleByDictionaryLiteral {
  public private(set) var entries: [(key: String, value: JSONValue)] = []

  public init() {}

  public init(_ pairs: [(String, JSONValue)]) {
    for (k, v) in pairs { self[k] = v }
  }

  public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }

  /// Reading finds the key; writing replaces its value in place or appends the key at the end (nil removes it).
  public subscript(key: String) -> JSONValue? {
    get { entries.first(where: { $0.key == key })?.value }
    set {
      let i = entries.firstIndex(where: { $0.key == key })
      switch (i, newValue) {
      case let (i?, v?): entries[i].value = v
      case let (nil, v?): entries.append((key, v))
      case let (i?, nil): entries.remove(at: i)
      case (nil, nil): break
      }
    }
  }

  /// The compact JSON text, e.g. `{"image":"a.png","class":6}`.
  public var jsonText: String {
    var out = ""
    write(to: &out)
    return out
  }

  func write(to out: inout String) {
    out += "{"
    for (i, entry) in entries.enumerated() {
      if i > 0 { out += "," }
      JSONValue.writeString(entry.key, to: &out)
      out += ":"
      entry.value.write(to: &out)
    }
    out += "}"
  }

  public static func == (a: JSONObject, b: JSONObject) -> Bool {
    a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }
}
