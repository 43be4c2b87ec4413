extension Tensor {
  /// The `none` op of the search space: zeros of shape (N, C, ⌈H/s⌉, ⌈W/s⌉) for an (N, C, H, W) input,
  /// carrying no gradient (a constant).
  public static func zerosLike(_ x: Tensor, stride: Int = 1) -> Tensor {
    let (n, c, h, w) = x.nchw("zerosLike input")
    precondition(stride >= 1, "zerosLike: stride \(stride) must be ≥ 1")
    return Tensor(zeros: [n, c, (h + stride - 1) / stride, (w + stride - 1) / stride])
  }
}
