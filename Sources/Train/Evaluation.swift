import Datasets
import ImageDatasets
import NN
import TensorEngine

/// Test-set figures of a network: mean cross-entropy, top-1 accuracy and the confusion matrix.
public struct EvaluationResult: Equatable, Sendable {
  public var loss: Double
  public var correct: Int
  public var count: Int
  /// confusion[true class][predicted class].
  public var confusion: [[Int]]

  public var accuracy: Double { count > 0 ? Double(correct) / Double(count) : 0 }

  /// Recall per class (the diagonal over each row's total; 0 for an empty row).
  public var perClassAccuracy: [Double] {
    confusion.enumerated().map { k, row in
      let total = row.reduce(0, +)
      return total > 0 ? Double(row[k]) / Double(total) : 0
    }
  }

  /// The matrix as aligned text: one row per true class, columns = predicted classes, recall at the end.
  public func confusionTable(classNames: [String]) -> String {
    let labels = confusion.indices.map { "\($0) " + ($0 < classNames.count ? classNames[$0] : "") }
    let labelWidth = max("true\\pred".count, labels.map(\.count).max() ?? 0)
    let cellWidth = max(6, String(confusion.flatMap { $0 }.max() ?? 0).count + 1)
    func pad(_ s: String, _ width: Int, left: Bool = true) -> String {
      let fill = String(repeating: " ", count: max(0, width - s.count))
      return left ? fill + s : s + fill
    }
    var lines = [pad("true\\pred", labelWidth, left: false)
                 + (0..<confusion.count).map { pad(String($0), cellWidth) }.joined() + "  recall"]
    for (k, row) in confusion.enumerated() {
      let tenths = Int((perClassAccuracy[k] * 1000).rounded())
      lines.append(pad(labels[k], labelWidth, left: false) + row.map { pad(String($0), cellWidth) }.joined()
                   + "  \(tenths / 10).\(tenths % 10)%")
    }
    return lines.joined(separator: "\n")
  }
}

/// Runs `network` in evaluation mode (running BN statistics, no drop-path, no auxiliary head, no gradients)
/// over `dataset` in order and collects loss, accuracy and the confusion matrix. Loss is summed in Double.
/// - Parameters:
///   - dataset: images and labels; labels must be below `classes`.
///   - normalization: the statistics the network was trained with.
public func evaluate(_ network: EvaluationNetwork, on dataset: ImageDataset, normalization: Normalization,
                     batchSize: Int = 256) -> EvaluationResult {
  let classes = network.shape.classes
  var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
  var lossSum = 0.0, correct = 0
  let context = ForwardContext(training: false)
  var batches = BatchIterator(dataset: dataset, batchSize: batchSize, normalization: normalization,
                              augmentation: .test, shuffle: false, seed: 0)
  noGrad {
    while let batch = batches.next() {
      let logits = network.forward(batch.images, context)
      lossSum += Double(Tensor.crossEntropy(logits: logits, labels: batch.labels).scalarValue) * Double(batch.count)
      let values = logits.pointer
      for (n, label) in batch.labels.enumerated() {
        let row = values + n * classes
        var best = 0
        for k in 1..<classes where row[k] > row[best] { best = k }
        confusion[label][best] += 1
        if best == label { correct += 1 }
      }
    }
  }
  return EvaluationResult(loss: dataset.count > 0 ? lossSum / Double(dataset.count) : 0, correct: correct,
                          count: dataset.count, confusion: confusion)
}
