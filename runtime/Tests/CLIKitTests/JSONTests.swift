import Testing
@testable import CLIKit

@Suite struct JSONTests {
  @Test func objectKeepsInsertionOrder() {
    var line: JSONObject = ["image": "shirt.png", "class": 6, "label": "shirt"]
    line["probability"] = .float(0.87)
    line["class"] = 7  // replaced in place
    #expect(line.jsonText == #"{"image":"shirt.png","class":7,"label":"shirt","probability":0.87}"#)
    line["label"] = nil
    #expect(line.jsonText == #"{"image":"shirt.png","class":7,"probability":0.87}"#)
  }

  @Test func stringEscaping() {
    let value: JSONValue = .string("a\"b\\c\nd\te\r\u{08}\u{0C}\u{01}\u{1F}\u{7F}é✓\u{2028}😀/")
    #expect(value.jsonText == #""a\"b\\c\nd\te\r\b\f\u0001\u001f"# + "\u{7F}é✓" + #"\u2028"# + "😀/\"")
    #expect(JSONValue.object(["k\"ey": "v"]).jsonText == #"{"k\"ey":"v"}"#)
  }

  @Test func numbers() {
    #expect(JSONValue.double(.nan).jsonText == "null")
    #expect(JSONValue.double(-.infinity).jsonText == "null")
    #expect(JSONValue.float(.nan).jsonText == "null")
    #expect(JSONValue.double(0.1).jsonText == "0.1")
    #expect(JSONValue.double(1e-5).jsonText == "1e-05")
    #expect(JSONValue.double(2).jsonText == "2.0")
    #expect(JSONValue.int(-42).jsonText == "-42")
    #expect(JSONValue.float(0.87).jsonText == "0.87")
    #expect(JSONValue.double(Double(Float(0.87))).jsonText == "0.8700000047683716")
  }

  @Test func nesting() {
    let value: JSONValue = ["epoch": 3, "losses": [0.5, nil, true], "inner": ["a": [], "b": [:]]]
    #expect(value.jsonText == #"{"epoch":3,"losses":[0.5,null,true],"inner":{"a":[],"b":{}}}"#)
  }
}
