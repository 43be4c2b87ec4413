import Testing
@testable import ImageDatasets

@Suite struct IDXReaderTests {
  @Test(arguments: ["idx-plain", "idx-gz"])
  func loadsBothSplits(_ folder: String) throws {
    let train = try FashionMNIST.load(.train, directory: Fixtures.datasets + "/" + folder)
    #expect(train.count == 6 && train.channels == 1 && train.height == 5 && train.width == 4)
    #expect(train.labels == [0, 1, 2, 3, 4, 5])
    #expect(train.classNames == FashionMNIST.classNames)
    for k in 0..<6 { #expect(Array(train.image(at: k)) == Fixtures.image(k, channels: 1, height: 5, width: 4)) }
    let test = try FashionMNIST.load(.test, directory: Fixtures.datasets + "/" + folder)
    #expect(test.count == 3 && test.labels == [0, 3, 6])
    #expect(Array(test.image(at: 2)) == Fixtures.image(102, channels: 1, height: 5, width: 4))
  }

  @Test func plainAndGzippedAgree() throws {
    let plain = try FashionMNIST.load(.train, directory: Fixtures.datasets + "/idx-plain")
    let gzipped = try FashionMNIST.load(.train, directory: Fixtures.datasets + "/idx-gz")
    #expect(plain == gzipped)
  }

  @Test func malformedFilesGiveTheirErrors() {
    let bad = Fixtures.datasets + "/idx-bad"
    #expect(throws: DatasetError.badMagic(path: bad + "/bad-magic-images-idx3-ubyte", expected: 0x803, actual: 0x802)) {
      try IDXReader.readImages(path: bad + "/bad-magic-images-idx3-ubyte")
    }
    #expect(throws: DatasetError.badMagic(path: bad + "/bad-magic-labels-idx1-ubyte", expected: 0x801, actual: 0x803)) {
      try IDXReader.readLabels(path: bad + "/bad-magic-labels-idx1-ubyte")
    }
    #expect(throws: DatasetError.truncated(path: bad + "/truncated-images-idx3-ubyte",
                                           expectedBytes: 16 + 6 * 20, actualBytes: 16 + 6 * 20 - 7)) {
      try IDXReader.readImages(path: bad + "/truncated-images-idx3-ubyte")
    }
    #expect(throws: DatasetError.trailingBytes(path: bad + "/trailing-images-idx3-ubyte",
                                               expectedBytes: 136, actualBytes: 138)) {
      try IDXReader.readImages(path: bad + "/trailing-images-idx3-ubyte")
    }
    #expect(throws: DatasetError.truncated(path: bad + "/header-only-images-idx3-ubyte", expectedBytes: 16, actualBytes: 10)) {
      try IDXReader.readImages(path: bad + "/header-only-images-idx3-ubyte")
    }
    do {
      _ = try IDXReader.readImages(path: bad + "/huge-count-images-idx3-ubyte")
      Issue.record("a header claiming 4 billion images was accepted")
    } catch {
      guard case .badHeader = error else { Issue.record("unexpected \(error)"); return }
    }
    do {
      _ = try IDXReader.readImages(path: bad + "/truncated-images-idx3-ubyte.gz")
      Issue.record("a cut gzip stream was accepted")
    } catch {
      guard case .corruptCompressedData = error else { Issue.record("unexpected \(error)"); return }
    }
  }

  @Test func countMismatchAndLabelRange() {
    let plain = Fixtures.datasets + "/idx-plain", bad = Fixtures.datasets + "/idx-bad"
    #expect(throws: DatasetError.countMismatch(images: 6, labels: 5)) {
      try IDXReader.load(imagesPath: plain + "/train-images-idx3-ubyte", labelsPath: bad + "/labels-5-idx1-ubyte",
                         classNames: FashionMNIST.classNames)
    }
    #expect(throws: DatasetError.labelOutOfRange(path: bad + "/labels-out-of-range-idx1-ubyte", index: 3, label: 10,
                                                 classCount: 10)) {
      try IDXReader.load(imagesPath: plain + "/train-images-idx3-ubyte",
                         labelsPath: bad + "/labels-out-of-range-idx1-ubyte", classNames: FashionMNIST.classNames)
    }
  }

  @Test func missingFilesAreNamed() {
    #expect(throws: DatasetError.missingFile(path: "/nonexistent/train-images-idx3-ubyte.gz")) {
      try FashionMNIST.load(.train, directory: "/nonexistent")
    }
    let error = DatasetError.missingFile(path: "/x/train-images-idx3-ubyte.gz")
    #expect(error.description == "dataset file not found: /x/train-images-idx3-ubyte.gz")
  }

  @Test(.enabled(if: FashionMNIST.isInstalledFromDebian))
  func realFashionMNISTTestSet() throws {
    let test = try FashionMNIST.load(.test)
    #expect(test.count == 10_000 && test.height == 28 && test.width == 28 && test.channels == 1)
    var perClass = [Int](repeating: 0, count: 10)
    for label in test.labels { perClass[label] += 1 }
    #expect(perClass == [Int](repeating: 1_000, count: 10))
    #expect(test.images.contains { $0 > 200 })
  }
}
