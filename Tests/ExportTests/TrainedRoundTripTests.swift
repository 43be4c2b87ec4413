import Foundation
import Datasets
import Freezer
import NASFormat
import NASRuntime
import NN
import ONNXWriter
import Testing
import TensorEngine

/// The round trip: train a tiny network for a few steps on real Fashion-MNIST images (so BatchNorm
/// statistics are learned, not set), save the model checkpoint, export it, run the compact file with the runtime.
@Suite struct TrainedRoundTripTests {
  @Test func trainedNetworkRoundTripsThroughCheckpointCompactFileAndRuntime() throws {
    let data = try DataSource(parsing: "fashion-mnist").load(subset: 64)
    let test = try #require(data.test)
    let description = ModelDescription(
      genotype: try Genotype.published("DARTS_V2"),
      shape: NetworkShape(inputChannels: 1, height: 28, width: 28, classes: data.train.classNames.count),
      initChannels: 8, layers: 5, auxiliary: true, classNames: data.train.classNames,
      mean: data.normalization.mean, std: data.normalization.std)
    let network = try description.makeNetwork(seed: 1)
    let optimizer = SGD(network.parameters, learningRate: 0.05, momentum: 0.9)
    let context = ForwardContext(training: true, seed: 3, dropPathProbability: 0.2)
    for batch in BatchIterator(dataset: data.train, batchSize: 16, normalization: data.normalization,
                               augmentation: .train(), seed: 4) {
      optimizer.zeroGrad()
      let (logits, auxiliary) = network.forwardWithAuxiliary(batch.images, context)
      var loss = Tensor.crossEntropy(logits: logits, labels: batch.labels)
      if let auxiliary { loss = loss + Tensor.crossEntropy(logits: auxiliary, labels: batch.labels).scaled(by: 0.4) }
      loss.backward()
      optimizer.step()
    }
    let directory = ExportFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/model.ckpt"
    try Checkpoint(model: network, description: description).write(to: path)
    let (graph, _) = try Freezer.freeze(checkpointPath: path)
    _ = try ONNXWriter.serialize(graph)

    var images = BatchIterator(dataset: test, batchSize: 16, normalization: data.normalization, shuffle: false, seed: 0)
    let first = images.next()
    let x = try #require(first).images
    let expected = ExportFixtures.engineLogits(network, x).values
    let model = try CompactModelReader.parse(try graph.compactWriter(precision: .fp32).serialized())
    let runner = InferenceModel(model: model)
    try runner.prepare(batchSize: 16)
    let input = runner.inputBuffer, values = x.values
    for i in 0..<values.count { input[i] = values[i] }
    let actual = Array(runner.run())
    let difference = ExportFixtures.maxDifference(actual, expected)
    #expect(difference <= 1e-4, "max |runtime − engine| = \(difference)")
    #expect(ExportFixtures.argmaxes(actual, classes: 10) == ExportFixtures.argmaxes(expected, classes: 10))

    // What nas-export reports for int8, here on real test images.
    let int8 = FrozenGraph(compactModel: try graph.compactWriter(precision: .int8).model())
    let report = PrecisionReport(reference: graph, candidate: int8, inputs: x)
    let spread = expected.map(abs).max()!
    print("TrainedRoundTripTests: int8 vs fp32 on \(report.samples) Fashion-MNIST test images: agreement "
          + "\(report.top1Agreement), max logit difference \(report.maxLogitDifference) (max |logit| \(spread))")
    #expect(report.maxLogitDifference < 0.1 * spread)
  }
}
