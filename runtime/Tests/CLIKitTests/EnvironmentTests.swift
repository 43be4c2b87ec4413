import Testing
@testable import CLIKit

@Suite struct EnvironmentTests {
  @Test func environment() {
    #expect(Environment.value("PATH") != nil)
    #expect(Environment.value("CLIKIT_SURELY_UNSET_VARIABLE") == nil)
    let t0 = Environment.monotonicSeconds()
    #expect(Environment.monotonicSeconds() >= t0)
  }
}
