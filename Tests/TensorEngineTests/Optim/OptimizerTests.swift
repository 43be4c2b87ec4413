import Testing
import TensorEngine

/// Optimiser steps against values computed by hand (see the comments) with PyTorch's update rules.
@Suite struct OptimizerTests {
  func parameter(_ value: Float) -> Parameter { Parameter(name: "p", Tensor(shape: [1], values: [value])) }

  func setGradient(_ p: Parameter, _ g: Float) {
    p.zeroGrad()
    p.value.backward(gradient: Tensor(shape: [1], values: [g]))
  }

  @Test func sgdMomentumAndCoupledWeightDecay() {
    let p = parameter(1)
    let sgd = SGD([p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    setGradient(p, 0.5)
    sgd.step()
    // d = 0.5 + 0.01·1 = 0.51; buf = d; p = 1 − 0.1·0.51
    #expect(abs(p.data[0] - 0.949) < 1e-6)
    setGradient(p, 0.5)
    sgd.step()
    // d = 0.5 + 0.01·0.949; buf = 0.9·0.51 + d = 0.96849; p = 0.949 − 0.096849
    #expect(abs(p.data[0] - 0.852151) < 1e-6)
  }

  @Test func sgdSkipsParametersWithoutGradient() {
    let p = parameter(2)
    SGD([p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.1).step()
    #expect(p.data[0] == 2)
  }

  @Test func adamBiasCorrectedSteps() {
    let p = parameter(1)
    let adam = Adam([p], learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    setGradient(p, 0.5)
    adam.step()
    // m̂ = 0.5, v̂ = 0.25: p = 1 − 0.1·0.5/0.5
    #expect(abs(p.data[0] - 0.9) < 1e-6)
    setGradient(p, 0.25)
    adam.step()
    // m = 0.07, v = 0.00031225; m̂ = 0.07/0.19, v̂ = v/0.001999 → p = 0.8067820
    #expect(abs(p.data[0] - 0.806782) < 2e-6)
  }

  @Test func adamL2WeightDecayIsAddedToTheGradient() {
    // With weight decay the first step's direction is that of grad + wd·p; with grad = 0 it still moves.
    let p = parameter(1)
    let adam = Adam([p], learningRate: 0.01, weightDecay: 0.1)
    setGradient(p, 0)
    adam.step()
    #expect(abs(p.data[0] - 0.99) < 1e-6)
  }

  @Test func optimizerStateRoundTrip() {
    let a = parameter(1), b = parameter(1)
    let sgdA = SGD([a], learningRate: 0.1, momentum: 0.9), sgdB = SGD([b], learningRate: 0.1, momentum: 0.9)
    setGradient(a, 1); sgdA.step()
    let saved = Dictionary(uniqueKeysWithValues: sgdA.stateTensors().map { ($0.name, $0.tensor) })
    sgdB.loadState { saved[$0] }
    b.assign(a.value)
    setGradient(a, 1); sgdA.step()
    setGradient(b, 1); sgdB.step()
    #expect(a.data[0] == b.data[0])

    let c = parameter(1), d = parameter(1)
    let adamC = Adam([c], learningRate: 0.1), adamD = Adam([d], learningRate: 0.1)
    setGradient(c, 0.3); adamC.step()
    let savedAdam = Dictionary(uniqueKeysWithValues: adamC.stateTensors().map { ($0.name, $0.tensor) })
    adamD.loadState { savedAdam[$0] }
    d.assign(c.value)
    setGradient(c, -0.2); adamC.step()
    setGradient(d, -0.2); adamD.step()
    #expect(c.data[0] == d.data[0])
  }

  @Test func globalNormClipping() {
    let p = Parameter(name: "a", Tensor(shape: [2], values: [0, 0]))
    p.value.backward(gradient: Tensor(shape: [2], values: [3, 4]))
    let norm = clipGradientNorm([p], maxNorm: 1)
    #expect(norm == 5)
    // factor = 1 / (5 + 1e-6)
    #expect(abs(p.gradData![0] - 0.59999988) < 1e-7)
    #expect(abs(p.gradData![1] - 0.79999984) < 1e-7)
    // Below the limit nothing changes.
    let q = Parameter(name: "b", Tensor(shape: [2], values: [0, 0]))
    q.value.backward(gradient: Tensor(shape: [2], values: [0.3, 0.4]))
    clipGradientNorm([q], maxNorm: 1)
    #expect(q.gradData![0] == 0.3 && q.gradData![1] == 0.4)
  }

  @Test func cosineScheduleValues() {
    // lr(t) = 0.001 + 0.012·(1 + cos(π t / 3)), t = e + 1: 0.019, 0.007, 0.001 (last epoch at lrMin).
    let schedule = CosineSchedule(initial: 0.025, minimum: 0.001, epochs: 3)
    #expect(abs(schedule.learningRate(epoch: 0) - 0.019) < 1e-7)
    #expect(abs(schedule.learningRate(epoch: 1) - 0.007) < 1e-7)
    #expect(abs(schedule.learningRate(epoch: 2) - 0.001) < 1e-7)
    let plain = CosineSchedule(initial: 0.025, minimum: 0.001, epochs: 3, offByOne: false)
    #expect(abs(plain.learningRate(epoch: 0) - 0.025) < 1e-7)
  }
}
