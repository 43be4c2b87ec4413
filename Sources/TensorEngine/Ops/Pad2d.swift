// Zero padding of the H, W axes of an NCHW tensor.

/// out = x framed by zeros: out[p, top + r, left + q] = x[p, r, q], every other cell 0.
/// x: (planes, H, W); out: (planes, H + top + bottom, W + left + right).
func pad2dForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, planes: Int, height: Int, width: Int,
                  top: Int, bottom: Int, left: Int, right: Int) {
  let oh = height + top + bottom, ow = width + left + right
  out.update(repeating: 0, count: planes * oh * ow)
  for p in 0..<planes {
    for r in 0..<height {
      (out + (p * oh + top + r) * ow + left).update(from: x + (p * height + r) * width, count: width)
    }
  }
}

extension Tensor {
  /// Zero-pads every (n, c) plane: (N, C, H + top + bottom, W + left + right). The gradient is the
  /// interior of the output gradient.
  public func padded2d(top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
    let (n, c, h, w) = nchw("padded2d input")
    precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
                 "padded2d: negative padding (\(top), \(bottom), \(left), \(right)) for shape \(shape)")
    let planes = n * c, oh = h + top + bottom, ow = w + left + right
    let out = TensorStorage(uninitialized: planes * oh * ow)
    pad2dForward(out.pointer, pointer, planes: planes, height: h, width: w, top: top, bottom: bottom, left: left, right: right)
    return Tensor.opResult("padded2d", shape: [n, c, oh, ow], storage: out, inputs: [self]) { dOut, grads in
      // The backward of padding is the slice that removes it.
      if let dx = grads[0] {
        for plane in 0..<planes {
          for r in 0..<h {
            let d = dx + (plane * h + r) * w, s = dOut + (plane * oh + top + r) * ow + left
            for q in 0..<w { d[q] += s[q] }
          }
        }
      }
    }
  }
}
