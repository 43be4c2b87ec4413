import Glibc
import Testing
import TensorEngine
import EngineTestSupport

@Suite struct AutogradTests {
  @Test func addAndReluGradients() {
    // Values kept away from the ReLU kink at 0.
    var values = randomTensor([3, 5, 7], seed: 1).values
    for i in values.indices where abs(values[i]) < 0.05 { values[i] = 0.3 }
    let x = Tensor(shape: [3, 5, 7], values: values)
    let y = randomTensor([3, 5, 7], seed: 2)
    let report = checkGradients([x, y]) { t in (t[0] + t[1]).relu() + t[0] }
    #expect(report.passed, "\(report)")
  }

  @Test func valueUsedTwiceAccumulates() {
    let x = Tensor(shape: [4], values: [1, -2, 3, 0.5]).requiringGrad()
    let y = x + x + x
    y.backward(gradient: Tensor(shape: [4], repeating: 1))
    #expect(x.grad!.values == [3, 3, 3, 3])
  }

  @Test func noGradRecordsNothing() {
    let x = Tensor(shape: [2], values: [1, 2]).requiringGrad()
    let y = noGrad { x + x }
    #expect(!y.requiresGrad)
    #expect((x + x).requiresGrad)
  }

  @Test func parameterGradientAccumulatesUntilZeroed() {
    let p = Parameter(name: "w", Tensor(shape: [2], values: [1, -1]))
    for _ in 0..<2 { p.value.relu().backward(gradient: Tensor(shape: [2], values: [5, 5])) }
    #expect(p.grad!.values == [10, 0])
    p.zeroGrad()
    #expect(p.grad == nil)
  }

  @Test func seededGeneratorIsReproducible() {
    var a = PRNG(seed: 42), b = PRNG(seed: 42)
    let xs = (0..<100).map { _ in a.normal() }
    let ys = (0..<100).map { _ in b.normal() }
    #expect(xs == ys)
    let mean = xs.reduce(0, +) / 100
    #expect(abs(mean) < 0.3)
    var c = PRNG(seed: 43)
    #expect(c.normal() != xs[0])
  }
}

@Suite struct ParameterFreezingTests {
  @Test func frozenParameterGetsNoGradientButInputsStillDo() {
    let w = Parameter(name: "w", Tensor(shape: [3], values: [1, 2, 3]))
    let x = Tensor(shape: [3], values: [0.5, -1, 2]).requiringGrad()
    w.requiresGrad = false
    w.value.multiplied(by: x).backward(gradient: Tensor(shape: [3], repeating: 1))
    #expect(w.grad == nil)
    #expect(x.grad?.values == [1, 2, 3])
    w.requiresGrad = true
    w.value.multiplied(by: x).backward(gradient: Tensor(shape: [3], repeating: 1))
    #expect(w.grad?.values == [0.5, -1, 2])
  }
}

@Suite struct GradModeTests {
  /// A noGrad scope on one thread must not stop another thread from recording its graph.
  @Test func gradModeIsPerThread() async {
    let x = Tensor(shape: [2], values: [1, 2]).requiringGrad()
    await withTaskGroup(of: Bool.self) { group in
      group.addTask {
        noGrad { usleep(200_000) }   // holds a noGrad scope open on its thread
        return true
      }
      group.addTask {
        usleep(50_000)
        return (x + x).requiresGrad
      }
      for await recorded in group { #expect(recorded) }
    }
    #expect(GradMode.isEnabled)
  }
}
