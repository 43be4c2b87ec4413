import Foundation
import Datasets
import ImageDatasets
import NN
import TensorEngine
import Testing
@testable import Train

/// `evaluate` against a naive pass: one eval-mode forward of the whole set, argmax per row, loss in Double.
@Suite struct EvaluationTests {
  @Test func confusionMatrixAndLossMatchANaivePass() throws {
    let classes = 4, n = 37
    var rng = PRNG(seed: 5)
    let images = (0..<(n * 8 * 8)).map { _ in UInt8(rng.nextInt(below: 256)) }
    let labels = (0..<n).map { _ in rng.nextInt(below: classes) }
    let dataset = ImageDataset(images: images, labels: labels, classNames: ["a", "b", "c", "d"], channels: 1,
                               height: 8, width: 8)
    let network = try EvaluationNetwork(genotype: try Genotype.published("PC_DARTS"),
                                        shape: NetworkShape(inputChannels: 1, height: 8, width: 8, classes: classes),
                                        initChannels: 4, layers: 3, auxiliary: false, seed: 2)
    let normalization = Normalization(mean: [0.4], std: [0.3])
    let result = evaluate(network, on: dataset, normalization: normalization, batchSize: 10)

    var all = BatchIterator(dataset: dataset, batchSize: n, normalization: normalization, shuffle: false, seed: 0)
    let batch = all.next()!
    let logits = noGrad { network.forward(batch.images, ForwardContext(training: false)) }.values
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    var loss = 0.0
    for i in 0..<n {
      let row = (0..<classes).map { Double(logits[i * classes + $0]) }
      let predicted = row.indices.max { row[$0] < row[$1] }!
      confusion[labels[i]][predicted] += 1
      let top = row.max()!
      loss += log(row.map { exp($0 - top) }.reduce(0, +)) + top - row[labels[i]]
    }
    #expect(result.confusion == confusion)
    #expect(result.count == n)
    #expect(result.correct == (0..<classes).reduce(0) { $0 + confusion[$1][$1] })
    #expect(abs(result.loss - loss / Double(n)) < 1e-4)
    let table = result.confusionTable(classNames: dataset.classNames)
    #expect(table.split(separator: "\n").count == classes + 1)
  }
}
