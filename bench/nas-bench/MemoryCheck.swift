import Glibc
import TensorEngine

/// `nas-bench --rss-check`: 1,000 training steps of a small CNN (batch 8, 1×28×28) in a process of its own, printing
/// the resident-set growth between step 100 and step 1000 as JSON. Tests run it as a subprocess, because in the test
/// process other suites allocate concurrently and move the resident set.
enum MemoryCheck {
  static func run() -> Never {
    EngineThreads.set(1)
    var rng = PRNG(seed: 4)
    func parameter(_ name: String, _ shape: [Int], _ std: Float) -> Parameter {
      Parameter(name: name, Tensor.randomNormal(shape, std: std, using: &rng))
    }
    let conv1 = parameter("conv1", [8, 1, 3, 3], 0.3), conv2 = parameter("conv2", [16, 8, 3, 3], 0.1)
    let fc = parameter("fc", [10, 16 * 7 * 7], 0.03)
    let sgd = SGD([conv1, conv2, fc], learningRate: 0.01, momentum: 0.9)
    let x = Tensor.randomNormal([8, 1, 28, 28], using: &rng)
    let labels = (0..<8).map { $0 % 10 }
    var afterWarmup = 0
    for step in 0..<1000 {
      sgd.zeroGrad()
      var h = x.conv2d(weight: conv1.value, padding: 1).relu().maxPool2d(kernel: 2, stride: 2)
      h = h.conv2d(weight: conv2.value, padding: 1).relu().maxPool2d(kernel: 2, stride: 2)
      Tensor.crossEntropy(logits: h.reshaped([8, -1]).linear(weight: fc.value), labels: labels).backward()
      sgd.step()
      if step == 99 { afterWarmup = residentKiB() }
    }
    let end = residentKiB()
    print("{\"steps\":1000,\"rss_after_100_steps_kib\":\(afterWarmup),\"rss_after_1000_steps_kib\":\(end),"
          + "\"rss_growth_kib\":\(end - afterWarmup)}")
    exit(0)
  }

  /// VmRSS from /proc/self/status, in KiB (0 when unavailable).
  static func residentKiB() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, file) != nil {
      let text = String(cString: line)
      if text.hasPrefix("VmRSS:") {
        return Int(text.dropFirst(6).filter { $0.isNumber }.map(String.init).joined()) ?? 0
      }
    }
    return 0
  }
}
