import ImageDatasets

extension ImageDataset {
  /// The DARTS search split (ALGORITHMS.md §3.4): the first floor(count / 2) examples in dataset order train the
  /// weights, the rest train the architecture ("val" half). Both are copies.
  public func searchSplit() -> (weights: ImageDataset, architecture: ImageDataset) {
    let half = count / 2
    return (subset(0..<half), subset(half..<count))
  }
}
