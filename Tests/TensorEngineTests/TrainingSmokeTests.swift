import Glibc
import Foundation
import ImageDatasets
import Testing
import TensorEngine

/// A small CNN trained end to end with the engine: the whole stack (conv, pool, linear, cross-entropy,
/// autograd, SGD) has to work together for the accuracy to rise well above chance.
final class TinyCNN {
  let conv1, conv2, fc: Parameter
  let bias1, bias2, fcBias: Parameter

  init(seed: UInt64) {
    var rng = PRNG(seed: seed)
    func uniform(_ shape: [Int], fanIn: Int) -> Tensor {
      let bound = 1 / Float(fanIn).squareRoot()
      return Tensor.randomUniform(shape, low: -bound, high: bound, using: &rng)
    }
    conv1 = Parameter(name: "conv1", uniform([8, 1, 3, 3], fanIn: 9))
    bias1 = Parameter(name: "bias1", uniform([8], fanIn: 9))
    conv2 = Parameter(name: "conv2", uniform([16, 8, 3, 3], fanIn: 72))
    bias2 = Parameter(name: "bias2", uniform([16], fanIn: 72))
    fc = Parameter(name: "fc", uniform([10, 16 * 7 * 7], fanIn: 784))
    fcBias = Parameter(name: "fcBias", uniform([10], fanIn: 784))
  }

  var parameters: [Parameter] { [conv1, bias1, conv2, bias2, fc, fcBias] }

  /// x: (N, 1, 28, 28) -> logits (N, 10)
  func callAsFunction(_ x: Tensor) -> Tensor {
    var h = x.conv2d(weight: conv1.value, bias: bias1.value, padding: 1).relu().maxPool2d(kernel: 2, stride: 2)
    h = h.conv2d(weight: conv2.value, bias: bias2.value, padding: 1).relu().maxPool2d(kernel: 2, stride: 2)
    return h.reshaped([x.shape[0], -1]).linear(weight: fc.value, bias: fcBias.value)
  }
}

/// (images scaled to [0,1] minus 0.5, labels) for dataset items `range`.
func batch(_ data: ImageDataset, _ indices: ArraySlice<Int>) -> (Tensor, [Int]) {
  var values: [Float] = []
  values.reserveCapacity(indices.count * data.imageSize)
  for i in indices { values += data.image(at: i).map { Float($0) / 255 - 0.5 } }
  return (Tensor(shape: [indices.count, data.channels, data.height, data.width], values: values),
          indices.map { data.labels[$0] })
}


@Suite(.serialized) struct TrainingSmokeTests {
  @Test(.enabled(if: FashionMNIST.isInstalledFromDebian, "needs the dataset-fashion-mnist package"))
  func tinyCNNLearnsFashionMNIST() throws {
    let train = try FashionMNIST.load(.train).prefix(3000)
    let test = try FashionMNIST.load(.test).prefix(1000)
    let model = TinyCNN(seed: 1)
    let sgd = SGD(model.parameters, learningRate: 0.05, momentum: 0.9)
    var rng = PRNG(seed: 2)
    var step = 0
    for _ in 0..<4 {                               // 4 epochs of 94 steps = 376 steps
      let order = rng.permutation(train.count)
      for start in stride(from: 0, to: order.count, by: 32) {
        let (x, y) = batch(train, order[start..<min(start + 32, order.count)])
        sgd.zeroGrad()
        let loss = Tensor.crossEntropy(logits: model(x), labels: y)
        #expect(loss.scalarValue.isFinite)
        loss.backward()
        sgd.step()
        step += 1
      }
    }
    var correct = 0
    noGrad {
      for start in stride(from: 0, to: test.count, by: 100) {
        let (x, y) = batch(test, Array(0..<test.count)[start..<min(start + 100, test.count)])
        correct += Tensor.top1Correct(logits: model(x), labels: y)
      }
    }
    let accuracy = Double(correct) / Double(test.count)
    print("tiny CNN: \(step) steps, test accuracy \(accuracy)")
    #expect(accuracy > 0.6, "test accuracy \(accuracy) after \(step) steps; chance is 0.1")
  }

  /// 1,000 training steps must not grow the resident set: the graph, saved tensors and gradients of each step
  /// are released when the step ends. Measured by `nas-bench --rss-check` in a process of its own (in this process
  /// other suites allocate concurrently and move the resident set).
  @Test(.enabled(if: TrainingSmokeTests.bench != nil, "needs the built nas-bench"))
  func trainingLoopKeepsAFlatResidentSet() throws {
    let output = try runCapturingOutput(TrainingSmokeTests.bench!, ["--rss-check"])
    guard let range = output.range(of: "\"rss_growth_kib\":"),
          let growth = Int(output[range.upperBound...].prefix { $0 == "-" || $0.isNumber }) else {
      Issue.record("unexpected output: \(output)")
      return
    }
    print("resident set growth over steps 100–1000: \(growth) KiB")
    #expect(output.contains("\"rss_after_100_steps_kib\":") && !output.contains("_kib\":0,"))
    #expect(growth < 4096, "resident set grew by \(growth) KiB over 900 steps")
  }

  /// nas-bench next to the test bundle.
  static var bench: String? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for dir in [bundle, bundle.deletingLastPathComponent()] {
      let path = dir.appendingPathComponent("nas-bench").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }

  func runCapturingOutput(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}
