import Testing
@testable import CLIKit

/// Collects output and serves a scripted clock.
private final class Recorder: @unchecked Sendable {
  var text = ""
  var now = 0.0
}

@Suite struct ProgressReporterTests {
  private func reporter(_ mode: ProgressReporter.Mode, _ recorder: Recorder) -> ProgressReporter {
    ProgressReporter(mode: mode, output: { recorder.text += $0 }, clock: { recorder.now })
  }

  private func runTwoEpochs(_ progress: inout ProgressReporter, _ recorder: Recorder) {
    progress.begin(epochs: 2, stepsPerEpoch: 4)
    for epoch in 1...2 {
      for step in 1...4 {
        recorder.now += 0.25
        progress.update(epoch: epoch, step: step, loss: 1.0 / Double(step), accuracy: 0.5)
      }
      progress.endEpoch(epoch: epoch, loss: 0.25, accuracy: 0.875, extra: "valid 90.00%")
    }
  }

  @Test func plainModeWritesOneLinePerEpoch() {
    let recorder = Recorder()
    var progress = reporter(.plain, recorder)
    runTwoEpochs(&progress, recorder)
    #expect(recorder.text == """
      epoch 1/2  loss 0.2500  acc 87.50%  ETA 0:01  valid 90.00%
      epoch 2/2  loss 0.2500  acc 87.50%  ETA 0:00  valid 90.00%

      """)
    #expect(!recorder.text.contains("\r"))
  }

  @Test func silentModeWritesNothing() {
    let recorder = Recorder()
    var progress = reporter(.silent, recorder)
    runTwoEpochs(&progress, recorder)
    #expect(recorder.text == "")
  }

  @Test func terminalModeRedrawsInPlace() {
    let recorder = Recorder()
    var progress = reporter(.terminal, recorder)
    progress.redrawInterval = 0.4  // with 0.25 s steps: draws at steps 1, 3 and the last step
    runTwoEpochs(&progress, recorder)
    let lines = recorder.text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 3 && lines[2].isEmpty)
    #expect(recorder.text.hasPrefix("\repoch 1/2  step 1/4  loss 1.0000  acc 50.00%  ETA 0:02\u{1B}[K"))
    #expect(recorder.text.components("\r") == 8)  // 3 redraws + 1 epoch line, twice
    #expect(lines[0].hasSuffix("\repoch 1/2  loss 0.2500  acc 87.50%  ETA 0:01  valid 90.00%\u{1B}[K"))
  }
}

extension String {
  fileprivate func components(_ separator: Character) -> Int { filter { $0 == separator }.count }
}
