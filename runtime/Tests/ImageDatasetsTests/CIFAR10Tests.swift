import Testing
@testable import ImageDatasets

@Suite struct CIFAR10Tests {
  @Test func loadsTrainAndTest() throws {
    let folder = Fixtures.datasets + "/cifar10"
    let train = try CIFAR10.load(.train, directory: folder)
    #expect(train.count == 10 && train.channels == 3 && train.height == 32 && train.width == 32)
    #expect(train.labels == Array(0..<10))
    #expect(train.classNames == CIFAR10.classNames)
    for k in [0, 3, 9] { #expect(Array(train.image(at: k)) == Fixtures.image(k, channels: 3, height: 32, width: 32)) }
    let test = try CIFAR10.load(.test, directory: folder)
    #expect(test.labels == [3, 1, 4])
    #expect(Array(test.image(at: 1)) == Fixtures.image(101, channels: 3, height: 32, width: 32))
  }

  @Test func malformedFiles() {
    let truncated = Fixtures.datasets + "/cifar10-bad"
    #expect(throws: DatasetError.truncated(path: truncated + "/test_batch.bin", expectedBytes: 2 * 3073,
                                           actualBytes: 2 * 3073 - 100)) {
      try CIFAR10.load(.test, directory: truncated)
    }
    let badLabel = Fixtures.datasets + "/cifar10-bad-label"
    #expect(throws: DatasetError.labelOutOfRange(path: badLabel + "/test_batch.bin", index: 1, label: 12, classCount: 10)) {
      try CIFAR10.load(.test, directory: badLabel)
    }
    #expect(throws: DatasetError.missingFile(path: truncated + "/data_batch_1.bin")) {
      try CIFAR10.load(.train, directory: truncated)
    }
    #expect(throws: DatasetError.missingFolder(path: "/nonexistent-cifar")) {
      try CIFAR10.load(.test, directory: "/nonexistent-cifar")
    }
  }
}
