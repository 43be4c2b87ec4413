import PNGImage
import Testing
@testable import ImageDatasets

@Suite struct ImageFolderTests {
  @Test func grayFolderInSortedOrder() throws {
    let train = try ImageFolder.load(directory: Fixtures.datasets + "/folder/train")
    #expect(train.classNames == ["ankle", "bag", "coat"])
    #expect(train.labels == [0, 0, 1, 1, 2, 2])
    #expect(train.channels == 1 && train.height == 5 && train.width == 6)
    for k in 0..<6 { #expect(Array(train.image(at: k)) == Fixtures.image(k, channels: 1, height: 5, width: 6)) }
    let test = try ImageFolder.load(directory: Fixtures.datasets + "/folder/test")
    #expect(test.labels == [0, 1, 2])
    #expect(Array(test.image(at: 2)) == Fixtures.image(102, channels: 1, height: 5, width: 6))
  }

  @Test func rgbFolderIsResizedToTheFirstSize() throws {
    let data = try ImageFolder.load(directory: Fixtures.datasets + "/folder-rgb")
    #expect(data.classNames == ["blue", "red"] && data.labels == [0, 0, 1])
    #expect(data.channels == 3 && data.height == 5 && data.width == 6)
    #expect(Array(data.image(at: 1)) == Fixtures.image(1, channels: 3, height: 5, width: 6))
    // The 12×10 image is halved with bilinear resampling; compare with PixelImage.resized directly.
    var interleaved: [UInt8] = []
    for y in 0..<10 { for x in 0..<12 { for c in 0..<3 { interleaved.append(Fixtures.pixel(2, c, y, x)) } } }
    let expected = PixelImage(width: 12, height: 10, channels: 3, pixels: interleaved).resized(width: 6, height: 5)
    #expect(Array(data.image(at: 2)) == expected.planar())
  }

  @Test func explicitChannelsAndSize() throws {
    let data = try ImageFolder.load(directory: Fixtures.datasets + "/folder-rgb", channels: .gray, height: 8, width: 8)
    #expect(data.channels == 1 && data.height == 8 && data.width == 8 && data.count == 3)
    let rgb = try ImageFolder.load(directory: Fixtures.datasets + "/folder/test", channels: .rgb)
    #expect(rgb.channels == 3)
    let plane = Fixtures.image(100, channels: 1, height: 5, width: 6)
    #expect(Array(rgb.image(at: 0)) == plane + plane + plane)
  }

  @Test func badFolders() {
    let empty = Fixtures.datasets + "/folder-empty-class"
    #expect(throws: DatasetError.emptyFolder(path: empty + "/hollow")) { try ImageFolder.load(directory: empty) }
    #expect(throws: DatasetError.emptyFolder(path: Fixtures.datasets + "/folder-empty-class/hollow")) {
      try ImageFolder.load(directory: Fixtures.datasets + "/folder-empty-class/hollow")
    }
    #expect(throws: DatasetError.missingFolder(path: "/nonexistent-folder")) {
      try ImageFolder.load(directory: "/nonexistent-folder")
    }
    do {
      _ = try ImageFolder.load(directory: Fixtures.datasets + "/folder-corrupt")
      Issue.record("a corrupt PNG was accepted")
    } catch {
      guard case let .badImage(path, _) = error else { Issue.record("unexpected \(error)"); return }
      #expect(path.hasSuffix("folder-corrupt/only/0.png"))
    }
  }

  @Test func subsetAndPrefix() throws {
    let train = try ImageFolder.load(directory: Fixtures.datasets + "/folder/train")
    let middle = train.subset(2..<5)
    #expect(middle.labels == [1, 1, 2] && middle.images == Array(train.images[(2 * 30)..<(5 * 30)]))
    #expect(train.prefix(100) == train)
    #expect(train.prefix(0).count == 0)
  }
}
