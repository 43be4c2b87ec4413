import Testing
@testable import NASKernels

// Naive references: loops over the padded window written for clarity, accumulating in Double.

private struct Case: CustomStringConvertible, Sendable {
  var planes: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int
  var description: String { "\(planes)×\(height)×\(width) k\(kernel) s\(stride) p\(padding)" }
  var geometry: PoolGeometry {
    PoolGeometry(height: height, width: width, kernel: kernel, stride: stride, padding: padding)
  }
}

private let cases: [Case] = [
  Case(planes: 3, height: 7, width: 9, kernel: 3, stride: 1, padding: 1),
  Case(planes: 2, height: 8, width: 8, kernel: 3, stride: 2, padding: 1),
  Case(planes: 2, height: 9, width: 7, kernel: 3, stride: 2, padding: 1),
  Case(planes: 4, height: 8, width: 6, kernel: 2, stride: 2, padding: 0),
  Case(planes: 1, height: 8, width: 8, kernel: 5, stride: 3, padding: 0),
  Case(planes: 2, height: 11, width: 5, kernel: 5, stride: 1, padding: 2),
  Case(planes: 1, height: 1, width: 1, kernel: 1, stride: 1, padding: 0),
  // Wide planes: the stride-1 SIMD path (8 interior outputs at a time) plus scalar borders and tails.
  Case(planes: 2, height: 5, width: 21, kernel: 3, stride: 1, padding: 1),
  Case(planes: 1, height: 6, width: 19, kernel: 5, stride: 1, padding: 2),
  Case(planes: 2, height: 3, width: 17, kernel: 2, stride: 1, padding: 0),
  Case(planes: 1, height: 4, width: 32, kernel: 3, stride: 1, padding: 0),
  // Rows straddling one and two 16-float vectors, 7×7 planes, odd stride-2 sizes (padded-plane path).
  Case(planes: 5, height: 7, width: 7, kernel: 3, stride: 1, padding: 1),
  Case(planes: 2, height: 5, width: 17, kernel: 3, stride: 1, padding: 1),
  Case(planes: 2, height: 6, width: 31, kernel: 3, stride: 2, padding: 1),
  Case(planes: 6, height: 15, width: 13, kernel: 3, stride: 2, padding: 1),
  Case(planes: 1, height: 3, width: 2, kernel: 3, stride: 2, padding: 1),
  // Wide planes with stride 2: the deinterleaving SIMD path.
  Case(planes: 2, height: 5, width: 33, kernel: 3, stride: 2, padding: 1),
  Case(planes: 1, height: 4, width: 32, kernel: 2, stride: 2, padding: 0),
  Case(planes: 1, height: 6, width: 40, kernel: 5, stride: 2, padding: 2),
  Case(planes: 2, height: 3, width: 32, kernel: 3, stride: 2, padding: 1),
]

/// Deterministic distinct values (no ties), in [-1, 1).
private func distinctValues(_ count: Int, seed: Int) -> [Float] {
  var state = UInt64(truncatingIfNeeded: seed &* 2_654_435_761 &+ 12345)
  var seen = Set<Float>()
  var result: [Float] = []
  while result.count < count {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let v = Float(Int((state >> 40) % 20_000) - 10_000) / 10_000
    if seen.insert(v).inserted { result.append(v) }
  }
  return result
}

/// Real cells of window (oh, ow), as plane indices.
private func window(_ c: Case, _ oh: Int, _ ow: Int) -> [Int] {
  var cells: [Int] = []
  for kh in 0..<c.kernel {
    for kw in 0..<c.kernel {
      let ih = oh * c.stride - c.padding + kh, iw = ow * c.stride - c.padding + kw
      if ih >= 0, ih < c.height, iw >= 0, iw < c.width { cells.append(ih * c.width + iw) }
    }
  }
  return cells
}

private func referenceMaxPool(_ x: [Float], _ c: Case) -> (out: [Float], argmax: [Int]) {
  let g = c.geometry
  var out: [Float] = [], argmax: [Int] = []
  for p in 0..<c.planes {
    for oh in 0..<g.outHeight {
      for ow in 0..<g.outWidth {
        var best = -1
        for cell in window(c, oh, ow) where best < 0 || x[p * c.height * c.width + cell] > x[p * c.height * c.width + best] {
          best = cell  // strict '>': the first maximum in row-major order wins
        }
        out.append(x[p * c.height * c.width + best]); argmax.append(best)
      }
    }
  }
  return (out, argmax)
}

private func referenceAvgPool(_ x: [Float], _ c: Case) -> [Float] {
  let g = c.geometry
  var out: [Float] = []
  for p in 0..<c.planes {
    for oh in 0..<g.outHeight {
      for ow in 0..<g.outWidth {
        let cells = window(c, oh, ow)
        let sum = cells.reduce(0.0) { $0 + Double(x[p * c.height * c.width + $1]) }
        out.append(Float(sum / Double(cells.count)))
      }
    }
  }
  return out
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
  precondition(a.count == b.count)
  return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct PoolingTests {
  @Test(arguments: cases)
  fileprivate func maxPoolForwardMatchesReference(_ c: Case) {
    let g = c.geometry
    let x = distinctValues(c.planes * c.height * c.width, seed: c.height * 31 + c.kernel)
    var out = [Float](repeating: .nan, count: c.planes * g.outputPlaneCount)
    var argmax = [Int32](repeating: -1, count: out.count)
    x.withUnsafeBufferPointer { xb in
      out.withUnsafeMutableBufferPointer { ob in
        argmax.withUnsafeMutableBufferPointer { ab in
          maxPool2dForward(ob.baseAddress!, ab.baseAddress!, xb.baseAddress!, planes: c.planes, geometry: g)
        }
      }
    }
    let reference = referenceMaxPool(x, c)
    #expect(out == reference.out, "\(c)")
    #expect(argmax.map(Int.init) == reference.argmax, "\(c)")
  }

  @Test(arguments: cases)
  fileprivate func maxPoolBackwardRoutesToArgmax(_ c: Case) {
    let g = c.geometry
    let x = distinctValues(c.planes * c.height * c.width, seed: c.width * 17 + c.stride)
    let dOut = distinctValues(c.planes * g.outputPlaneCount, seed: 99)
    var out = [Float](repeating: 0, count: dOut.count)
    var argmax = [Int32](repeating: 0, count: dOut.count)
    var dInput = [Float](repeating: 0.5, count: x.count)  // accumulates on top of 0.5
    x.withUnsafeBufferPointer { xb in
      out.withUnsafeMutableBufferPointer { ob in
        argmax.withUnsafeMutableBufferPointer { ab in
          maxPool2dForward(ob.baseAddress!, ab.baseAddress!, xb.baseAddress!, planes: c.planes, geometry: g)
        }
      }
    }
    argmax.withUnsafeBufferPointer { ab in
      dOut.withUnsafeBufferPointer { db in
        dInput.withUnsafeMutableBufferPointer { dxb in
          maxPool2dBackward(dxb.baseAddress!, db.baseAddress!, ab.baseAddress!, planes: c.planes, geometry: g)
        }
      }
    }
    var expected = [Double](repeating: 0.5, count: x.count)
    let reference = referenceMaxPool(x, c)
    for p in 0..<c.planes {
      for o in 0..<g.outputPlaneCount {
        expected[p * c.height * c.width + reference.argmax[p * g.outputPlaneCount + o]] += Double(dOut[p * g.outputPlaneCount + o])
      }
    }
    #expect(maxDifference(dInput, expected.map { Float($0) }) < 1e-5, "\(c)")
  }

  @Test func maxPoolPaddingNeverWinsAndTiesGoFirst() {
    // All-negative plane: a padded zero would win if padding were 0 instead of −∞.
    let g = PoolGeometry(height: 2, width: 2, kernel: 3, stride: 1, padding: 1)
    let x: [Float] = [-4, -3, -2, -2]
    var out = [Float](repeating: 0, count: 4)
    var argmax = [Int32](repeating: 0, count: 4)
    maxPool2dForward(&out, &argmax, x, planes: 1, geometry: g)
    #expect(out == [-2, -2, -2, -2])
    #expect(argmax == [2, 2, 2, 2])  // index 2 and 3 tie at −2: the first in row-major order wins
  }

  @Test(arguments: cases)
  fileprivate func maxPoolTiesGoToTheFirstMaximum(_ c: Case) {
    // Only four distinct values: many ties, on the SIMD and the scalar path.
    let g = c.geometry
    let x = distinctValues(c.planes * c.height * c.width, seed: 7).map { Float(Int(($0 + 1) * 2)) }
    var out = [Float](repeating: .nan, count: c.planes * g.outputPlaneCount)
    var argmax = [Int32](repeating: -1, count: out.count)
    maxPool2dForward(&out, &argmax, x, planes: c.planes, geometry: g)
    let reference = referenceMaxPool(x, c)
    #expect(out == reference.out, "\(c)")
    #expect(argmax.map(Int.init) == reference.argmax, "\(c)")
  }

  @Test func maxPoolPropagatesNaNOnTheSIMDPath() {
    let g = PoolGeometry(height: 3, width: 20, kernel: 3, stride: 1, padding: 1)
    var x = [Float](repeating: 1, count: 60)
    x[20 + 5] = .nan
    var out = [Float](repeating: 0, count: 60)
    var argmax = [Int32](repeating: 0, count: 60)
    maxPool2dForward(&out, &argmax, x, planes: 1, geometry: g)
    for oh in 0..<3 {
      for ow in 0..<20 {
        let covers = abs(ow - 5) <= 1
        #expect(out[oh * 20 + ow].isNaN == covers, "output (\(oh), \(ow))")
        if covers { #expect(argmax[oh * 20 + ow] == 25) }
      }
    }
  }

  @Test func maxPoolPropagatesNaNOnTheStride2SIMDPath() {
    let g = PoolGeometry(height: 2, width: 34, kernel: 3, stride: 2, padding: 1)
    var x = [Float](repeating: 1, count: 68)
    x[34 + 9] = .nan  // row 1, column 9: covered by output columns 4 (cols 7–9) and 5 (cols 9–11)
    var out = [Float](repeating: 0, count: g.outputPlaneCount)
    maxPool2dForward(&out, nil, x, planes: 1, geometry: g)
    for oh in 0..<g.outHeight {
      for ow in 0..<g.outWidth {
        #expect(out[oh * g.outWidth + ow].isNaN == (ow == 4 || ow == 5), "output (\(oh), \(ow))")
      }
    }
  }

  /// Without argmax (inference), strides 1 and 2 take the padded-plane path (from `poolPaddedMinimumPlanes`
  /// planes on; called directly here for any count): the same values as the window path and the reference, ties
  /// included.
  @Test(arguments: cases)
  fileprivate func maxPoolWithoutArgmaxMatchesWindowPath(_ c: Case) {
    let g = c.geometry
    for (name, x) in [("distinct", distinctValues(c.planes * c.height * c.width, seed: c.height * 13 + c.width)),
                      ("ties", distinctValues(c.planes * c.height * c.width, seed: 8).map { Float(Int(($0 + 1) * 2)) })] {
      var padded = [Float](repeating: .nan, count: c.planes * g.outputPlaneCount)
      var windows = padded, viaAPI = padded
      var argmax = [Int32](repeating: -1, count: padded.count)
      if c.stride <= 2 { poolForwardPadded(&padded, x, planes: c.planes, geometry: g, maximum: true) }
      maxPool2dForward(&viaAPI, nil, x, planes: c.planes, geometry: g)
      maxPool2dForward(&windows, &argmax, x, planes: c.planes, geometry: g)
      let reference = referenceMaxPool(x, c).out
      #expect(viaAPI == reference, "\(c) \(name)")
      if c.stride <= 2 {
        #expect(padded == reference, "\(c) \(name)")
        #expect(padded == windows, "\(c) \(name)")
      }
    }
  }

  /// The padded path hands planes holding a NaN to the window path, whichever slot of its two-plane pipeline
  /// they fall in (first, middle, last plane); the other planes are unaffected.
  @Test(arguments: [1, 2])
  func maxPoolWithoutArgmaxPropagatesNaNPerPlane(_ stride: Int) {
    let g = PoolGeometry(height: 7, width: 9, kernel: 3, stride: stride, padding: 1)
    let planes = 5
    var x = distinctValues(planes * 63, seed: 3)
    for plane in [0, 2, 4] { x[plane * 63 + 3 * 9 + 4] = .nan }  // row 3, column 4
    var out = [Float](repeating: 0, count: planes * g.outputPlaneCount)
    maxPool2dForward(&out, nil, x, planes: planes, geometry: g)
    let c = Case(planes: planes, height: 7, width: 9, kernel: 3, stride: stride, padding: 1)
    for plane in 0..<planes {
      for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
          let o = plane * g.outputPlaneCount + oh * g.outWidth + ow
          let covers = plane % 2 == 0 && window(c, oh, ow).contains(3 * 9 + 4)
          if covers {
            #expect(out[o].isNaN, "plane \(plane) output (\(oh), \(ow))")
          } else {
            let cells = window(c, oh, ow).map { x[plane * 63 + $0] }
            #expect(out[o] == cells.max()!, "plane \(plane) output (\(oh), \(ow))")
          }
        }
      }
    }
  }

  @Test func maxPoolPropagatesNaN() {
    let g = PoolGeometry(height: 2, width: 2, kernel: 2, stride: 2, padding: 0)
    let x: [Float] = [1, .nan, 5, 2]
    var out: [Float] = [0]
    maxPool2dForward(&out, nil, x, planes: 1, geometry: g)
    #expect(out[0].isNaN)
  }

  @Test(arguments: cases)
  fileprivate func avgPoolForwardMatchesReference(_ c: Case) {
    let g = c.geometry
    let x = distinctValues(c.planes * c.height * c.width, seed: c.planes * 7 + c.padding)
    var out = [Float](repeating: .nan, count: c.planes * g.outputPlaneCount)
    avgPool2dForward(&out, x, planes: c.planes, geometry: g)
    let d = maxDifference(out, referenceAvgPool(x, c))
    #expect(d < 1e-6, "\(c): max diff \(d)")
  }

  /// Strides 1 and 2 take the padded-plane path (from `poolPaddedMinimumPlanes` planes on; called directly here):
  /// bit for bit the window path's values (same sums, same divisions).
  @Test(arguments: cases)
  fileprivate func avgPoolPaddedPathMatchesWindowPath(_ c: Case) {
    let g = c.geometry
    let x = distinctValues(c.planes * c.height * c.width, seed: c.width * 5 + c.kernel)
    guard c.stride <= 2 else { return }
    var padded = [Float](repeating: .nan, count: c.planes * g.outputPlaneCount)
    var windows = padded
    poolForwardPadded(&padded, x, planes: c.planes, geometry: g, maximum: false)
    avgPool2dForwardWindows(&windows, x, planes: c.planes, geometry: g)
    #expect(padded == windows, "\(c): max diff \(maxDifference(padded, windows))")
  }

  @Test(arguments: cases)
  fileprivate func avgPoolBackwardIsTheTransposeOfForward(_ c: Case) {
    // <avg(x), dOut> = <x, avgᵀ(dOut)> for the linear map avg; checked against a naive scatter in Double.
    let g = c.geometry
    let dOut = distinctValues(c.planes * g.outputPlaneCount, seed: 5)
    var dInput = [Float](repeating: 0, count: c.planes * c.height * c.width)
    avgPool2dBackward(&dInput, dOut, planes: c.planes, geometry: g)
    var expected = [Double](repeating: 0, count: dInput.count)
    for p in 0..<c.planes {
      for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
          let cells = window(c, oh, ow)
          for cell in cells {
            expected[p * c.height * c.width + cell] += Double(dOut[p * g.outputPlaneCount + oh * g.outWidth + ow]) / Double(cells.count)
          }
        }
      }
    }
    let d = maxDifference(dInput, expected.map { Float($0) })
    #expect(d < 1e-5, "\(c): max diff \(d)")
  }

  @Test func avgPoolExcludesPaddingFromDivisor() {
    // Corner window of a 3×3 kernel with padding 1 covers 4 real cells: mean of 1, 2, 4, 5 = 3.
    let g = PoolGeometry(height: 3, width: 3, kernel: 3, stride: 1, padding: 1)
    let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    var out = [Float](repeating: 0, count: 9)
    avgPool2dForward(&out, x, planes: 1, geometry: g)
    #expect(out[0] == 3)
    #expect(out[4] == 5)
    #expect(out[1] == 3.5)  // (1+2+3+4+5+6)/6
  }

  @Test func geometryArithmeticAndValidation() {
    #expect(PoolGeometry(height: 32, width: 32, kernel: 3, stride: 2, padding: 1).outHeight == 16)
    #expect(PoolGeometry(height: 7, width: 7, kernel: 3, stride: 2, padding: 1).outWidth == 4)
    #expect(PoolGeometry(height: 8, width: 8, kernel: 5, stride: 3, padding: 0).outHeight == 2)
    #expect(PoolGeometry(height: 7, width: 7, kernel: 2, stride: 2, padding: 0).outHeight == 3)
    #expect(PoolGeometry.validate(height: 4, width: 4, kernel: 3, stride: 1, padding: 2) != nil)
    #expect(PoolGeometry.validate(height: 2, width: 2, kernel: 5, stride: 1, padding: 0) != nil)
    #expect(PoolGeometry.validate(height: 4, width: 4, kernel: 0, stride: 1, padding: 0) != nil)
    #expect(PoolGeometry.validate(height: 4, width: 4, kernel: 3, stride: 1, padding: 1) == nil)
    // Interior output columns: windows wholly inside horizontally.
    #expect(PoolGeometry(height: 3, width: 32, kernel: 3, stride: 1, padding: 1).interiorColumns == 1..<31)
    #expect(PoolGeometry(height: 3, width: 32, kernel: 3, stride: 2, padding: 1).interiorColumns == 1..<16)
    #expect(PoolGeometry(height: 3, width: 33, kernel: 3, stride: 2, padding: 1).interiorColumns == 1..<16)
    #expect(PoolGeometry(height: 2, width: 32, kernel: 2, stride: 2, padding: 0).interiorColumns == 0..<16)
    #expect(PoolGeometry(height: 2, width: 2, kernel: 3, stride: 1, padding: 1).interiorColumns.isEmpty)
  }

  @Test(arguments: [1, 7, 8, 9, 49, 64])
  func globalAvgPoolMatchesReference(_ planeSize: Int) {
    let planes = 3
    let x = distinctValues(planes * planeSize, seed: planeSize)
    var out = [Float](repeating: .nan, count: planes)
    globalAvgPoolForward(&out, x, planes: planes, planeSize: planeSize)
    var expected: [Float] = []
    for p in 0..<planes {
      expected.append(Float(x[(p * planeSize)..<((p + 1) * planeSize)].reduce(0.0) { $0 + Double($1) } / Double(planeSize)))
    }
    #expect(maxDifference(out, expected) < 1e-6, "planeSize \(planeSize)")

    let dOut: [Float] = [0.5, -1, 2]
    var dInput = [Float](repeating: 1, count: x.count)
    globalAvgPoolBackward(&dInput, dOut, planes: planes, planeSize: planeSize)
    for p in 0..<planes {
      for i in 0..<planeSize {
        #expect(abs(dInput[p * planeSize + i] - (1 + dOut[p] / Float(planeSize))) < 1e-6)
      }
    }
  }
}
