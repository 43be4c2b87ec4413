import ImageDatasets
import TensorEngine
import Testing
@testable import Datasets

func randomDataset(count: Int, channels: Int, height: Int, width: Int, seed: UInt64) -> ImageDataset {
  var bytes = TestBytes(seed: seed)
  return ImageDataset(images: bytes.bytes(count * channels * height * width),
                      labels: (0..<count).map { $0 % 3 }, classNames: ["a", "b", "c"],
                      channels: channels, height: height, width: width)
}

@Suite struct BatchIteratorTests {
  @Test func shapesAndShortLastBatch() {
    let data = randomDataset(count: 23, channels: 3, height: 5, width: 7, seed: 1)
    let norm = Normalization.computed(from: data)
    var iterator = BatchIterator(dataset: data, batchSize: 8, normalization: norm, seed: 3)
    #expect(iterator.batchCount == 3)
    var sizes: [Int] = [], seen: [Int] = []
    while let batch = iterator.next() {
      #expect(batch.images.shape == [batch.count, 3, 5, 7])
      #expect(batch.secondView == nil)
      #expect(batch.labels == batch.indices.map { data.labels[$0] })
      sizes.append(batch.count)
      seen += batch.indices
    }
    #expect(sizes == [8, 8, 7])
    #expect(seen.sorted() == Array(0..<23))
    #expect(seen != Array(0..<23))  // shuffled
  }

  @Test func testPipelineIsPlainNormalisation() {
    let data = randomDataset(count: 5, channels: 3, height: 4, width: 3, seed: 2)
    let norm = Normalization(mean: [0.1, 0.5, 0.9], std: [0.2, 0.25, 0.5])
    let batch = BatchIterator(dataset: data, batchSize: 5, normalization: norm, shuffle: false, seed: 0).first { _ in true }!
    #expect(batch.indices == [0, 1, 2, 3, 4])
    let values = batch.images.values
    for i in 0..<values.count {
      let c = (i / 12) % 3
      let expected = (Double(data.images[i]) / 255 - Double(norm.mean[c])) / Double(norm.std[c])
      #expect(abs(Double(values[i]) - expected) < 1e-5)
    }
  }

  @Test func deterministicForASeedAndThreadCount() {
    let data = randomDataset(count: 17, channels: 3, height: 8, width: 8, seed: 5)
    let norm = Normalization.computed(from: data)
    func run(seed: UInt64, epoch: Int) -> [[Float]] {
      Array(BatchIterator(dataset: data, batchSize: 6, normalization: norm, augmentation: .train(cutout: 4, padding: 2),
                          secondAugmentation: .selfSupervisedViewB, seed: seed, epoch: epoch))
        .flatMap { [$0.images.values, $0.secondView!.values, $0.indices.map(Float.init)] }
    }
    let previous = EngineThreads.count
    EngineThreads.set(1)
    let one = run(seed: 9, epoch: 0)
    EngineThreads.set(2)
    let two = run(seed: 9, epoch: 0)
    EngineThreads.set(previous)
    #expect(one == two)
    #expect(run(seed: 9, epoch: 0) == one)
    #expect(run(seed: 10, epoch: 0) != one)
    #expect(run(seed: 9, epoch: 1) != one)
  }

  @Test func streamRestartsWithANewOrder() {
    let data = randomDataset(count: 5, channels: 1, height: 2, width: 2, seed: 8)
    var stream = BatchStream(dataset: data, batchSize: 2, normalization: .identity(channels: 1), seed: 4)
    var firstPass: [Int] = [], secondPass: [Int] = []
    for _ in 0..<3 { firstPass += stream.next().indices }
    #expect(stream.epoch == 0)
    for _ in 0..<3 { secondPass += stream.next().indices }
    #expect(stream.epoch == 1)
    #expect(firstPass.sorted() == Array(0..<5) && secondPass.sorted() == Array(0..<5))
    #expect(firstPass != secondPass)
  }
}
