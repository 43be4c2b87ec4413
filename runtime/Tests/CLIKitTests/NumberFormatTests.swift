import Testing
@testable import CLIKit

@Suite struct NumberFormatTests {
  @Test func fixedDecimals() {
    #expect(NumberFormat.fixed(3.14159, decimals: 2) == "3.14")
    #expect(NumberFormat.fixed(2.5, decimals: 0) == "2")        // exact tie: to even, like printf
    #expect(NumberFormat.fixed(3.5, decimals: 0) == "4")
    #expect(NumberFormat.fixed(2.675, decimals: 2) == "2.67")   // 2.675 is 2.67499999... in binary
    #expect(NumberFormat.fixed(-0.001, decimals: 2) == "-0.00")
    #expect(NumberFormat.fixed(0, decimals: 3) == "0.000")
    #expect(NumberFormat.fixed(1e20, decimals: 1) == "100000000000000000000.0")
    #expect(NumberFormat.fixed(-1234.5678, decimals: 3) == "-1234.568")
    #expect(NumberFormat.fixed(.nan, decimals: 2) == "nan")
    #expect(NumberFormat.fixed(-.infinity, decimals: 2) == "-inf")
    #expect(NumberFormat.fixed(.greatestFiniteMagnitude, decimals: 0).count == 309)
  }

  @Test func percentAndDuration() {
    #expect(NumberFormat.percent(0.8765) == "87.65%")
    #expect(NumberFormat.percent(1, decimals: 1) == "100.0%")
    #expect(NumberFormat.duration(0) == "0:00")
    #expect(NumberFormat.duration(75) == "1:15")
    #expect(NumberFormat.duration(3725) == "1:02:05")
    #expect(NumberFormat.duration(59.6) == "1:00")
    #expect(NumberFormat.duration(.nan) == "--:--")
    #expect(NumberFormat.duration(-1) == "--:--")
  }
}
