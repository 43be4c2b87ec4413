import ImageDatasets
import Testing
@testable import Datasets

/// The committed fixtures (fixtures/datasets/, from fixtures/gen/make_dataset_fixtures.py).
let fixtureDatasets: String = {
  var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(3)
  return parts.joined(separator: "/") + "/fixtures/datasets"
}()

@Suite struct DataSourceTests {
  @Test func parsesTheCLIForms() throws {
    #expect(try DataSource(parsing: "fashion-mnist") == .fashionMNIST(directory: nil))
    #expect(try DataSource(parsing: "fashion-mnist:/data/fm/") == .fashionMNIST(directory: "/data/fm"))
    #expect(try DataSource(parsing: "cifar10:/data/c10") == .cifar10(directory: "/data/c10"))
    #expect(try DataSource(parsing: "folder:rel/dir") == .folder(directory: "rel/dir"))
    #expect(DataSource.cifar10(directory: "/x").description == "cifar10:/x")
    for bad in ["", "mnist", "cifar10", "folder", "folder:", "cifar100:/x"] {
      #expect(throws: DatasetError.self) { try DataSource(parsing: bad) }
    }
    do {
      _ = try DataSource(parsing: "imagenet")
    } catch {
      #expect(error.description
              == "invalid dataset 'imagenet': expected fashion-mnist, fashion-mnist:DIR, cifar10:DIR or folder:DIR")
    }
  }

  @Test func missingDatasetGivesOneLineError() {
    do {
      _ = try DataSource(parsing: "fashion-mnist:/nonexistent/fm").load()
      Issue.record("loading a missing dataset succeeded")
    } catch {
      #expect(error == .missingFile(path: "/nonexistent/fm/train-images-idx3-ubyte.gz"))
      #expect(error.description == "dataset file not found: /nonexistent/fm/train-images-idx3-ubyte.gz")
      #expect(!error.description.contains("\n"))
    }
    #expect(throws: DatasetError.missingFolder(path: "/nonexistent/c10")) {
      try DataSource.cifar10(directory: "/nonexistent/c10").load()
    }
    #expect(throws: DatasetError.missingFolder(path: "/nonexistent/f")) {
      try DataSource.folder(directory: "/nonexistent/f").load()
    }
  }

  @Test func loadsFashionMNISTLayoutWithSubset() throws {
    let full = try DataSource(parsing: "fashion-mnist:" + fixtureDatasets + "/idx-gz").load()
    #expect(full.train.count == 6 && full.test?.count == 3)
    let subset = try DataSource.fashionMNIST(directory: fixtureDatasets + "/idx-plain").load(subset: 4)
    #expect(subset.train.count == 4 && subset.train.labels == [0, 1, 2, 3])
    #expect(subset.normalization == full.normalization)  // statistics come from the whole training set
    #expect(subset.normalization == Normalization.computed(from: full.train))
    #expect(throws: DatasetError.self) { try DataSource.fashionMNIST(directory: fixtureDatasets + "/idx-plain").load(subset: 0) }
  }

  @Test func cifarUsesPublishedStatistics() throws {
    let data = try DataSource.cifar10(directory: fixtureDatasets + "/cifar10").load()
    #expect(data.train.count == 10 && data.test?.count == 3)
    #expect(data.normalization == .cifar10)
  }

  @Test func foldersWithAndWithoutSplits() throws {
    let split = try DataSource.folder(directory: fixtureDatasets + "/folder").load()
    #expect(split.train.count == 6 && split.test?.count == 3)
    #expect(split.train.classNames == ["ankle", "bag", "coat"])
    let single = try DataSource.folder(directory: fixtureDatasets + "/folder-rgb").load()
    #expect(single.train.count == 3 && single.test == nil && single.train.channels == 3)
  }
}

@Suite struct SearchSplitTests {
  @Test(arguments: [6, 5, 1])
  func halvesInDatasetOrder(_ n: Int) throws {
    let train = try FashionMNIST.load(.train, directory: fixtureDatasets + "/idx-plain").prefix(n)
    let (weights, architecture) = train.searchSplit()
    #expect(weights.count == n / 2 && architecture.count == n - n / 2)
    #expect(weights.labels + architecture.labels == train.labels)
    #expect(weights.images + architecture.images == train.images)
  }
}

@Suite struct RealFashionMNISTTests {
  /// The Debian package's files: 60,000 + 10,000 images; training statistics match the published
  /// Fashion-MNIST values (mean 0.2860, std 0.3530); the search split halves the training set.
  @Test(.enabled(if: FashionMNIST.isInstalledFromDebian))
  func loadsWithPublishedStatistics() throws {
    let data = try DataSource(parsing: "fashion-mnist").load()
    #expect(data.train.count == 60_000 && data.test?.count == 10_000)
    #expect(abs(data.normalization.mean[0] - 0.2860) < 1e-4 && abs(data.normalization.std[0] - 0.3530) < 1e-4)
    let (weights, architecture) = data.train.searchSplit()
    #expect(weights.count == 30_000 && architecture.count == 30_000)
    #expect(weights.labels[0] == data.train.labels[0] && architecture.labels[0] == data.train.labels[30_000])
  }
}
