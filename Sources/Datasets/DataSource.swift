import Glibc
import ImageDatasets

/// Where the images come from, in the CLI form `fashion-mnist | fashion-mnist:DIR | cifar10:DIR | folder:DIR`.
public enum DataSource: Equatable, Sendable, CustomStringConvertible {
  /// Fashion-MNIST IDX files in `directory`, or in the Debian package's folder when nil.
  case fashionMNIST(directory: String?)
  /// CIFAR-10 binary batches in `directory`.
  case cifar10(directory: String)
  /// PNG folders, one subfolder per class: `directory/train` and `directory/test` when `directory/train` exists
  /// (test optional), otherwise `directory` itself is the training set and there is no test set.
  case folder(directory: String)

  /// Parses the CLI form. A trailing "/" on DIR is removed.
  /// - Throws: `DatasetError.invalidSource` with the reason (unknown kind, missing DIR).
  public init(parsing spec: String) throws(DatasetError) {
    let kind: Substring, directory: String?
    if let colon = spec.firstIndex(of: ":") {
      kind = spec[..<colon]
      var dir = String(spec[spec.index(after: colon)...])
      while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
      guard !dir.isEmpty else { throw DatasetError.invalidSource(spec: spec, reason: "empty directory after ':'") }
      directory = dir
    } else {
      kind = Substring(spec)
      directory = nil
    }
    switch kind {
    case "fashion-mnist": self = .fashionMNIST(directory: directory)
    case "cifar10":
      guard let directory else {
        throw DatasetError.invalidSource(spec: spec, reason: "cifar10 needs a directory: cifar10:DIR")
      }
      self = .cifar10(directory: directory)
    case "folder":
      guard let directory else {
        throw DatasetError.invalidSource(spec: spec, reason: "folder needs a directory: folder:DIR")
      }
      self = .folder(directory: directory)
    default:
      throw DatasetError.invalidSource(
        spec: spec, reason: "expected fashion-mnist, fashion-mnist:DIR, cifar10:DIR or folder:DIR")
    }
  }

  /// The CLI form.
  public var description: String {
    switch self {
    case let .fashionMNIST(directory): return directory.map { "fashion-mnist:\($0)" } ?? "fashion-mnist"
    case let .cifar10(directory): return "cifar10:\(directory)"
    case let .folder(directory): return "folder:\(directory)"
    }
  }

  /// Loads the training set (its first `subset` images when given), the test set when there is one, and the
  /// normalisation: published statistics for CIFAR-10, otherwise computed from the whole training set (before
  /// `subset` is applied, so statistics do not change with the subset size).
  /// - Throws: any `DatasetError`; `.invalidSource` when `subset` is not positive.
  public func load(subset: Int? = nil) throws(DatasetError) -> LoadedData {
    if let subset, subset <= 0 {
      throw DatasetError.invalidSource(spec: description, reason: "--subset must be positive, got \(subset)")
    }
    var train: ImageDataset, test: ImageDataset?
    switch self {
    case let .fashionMNIST(directory):
      let dir = directory ?? FashionMNIST.debianDirectory
      train = try FashionMNIST.load(.train, directory: dir)
      test = try FashionMNIST.load(.test, directory: dir)
    case let .cifar10(directory):
      train = try CIFAR10.load(.train, directory: directory)
      test = try CIFAR10.load(.test, directory: directory)
    case let .folder(directory):
      let trainFolder = directory + "/train", testFolder = directory + "/test"
      if isFolder(trainFolder) {
        train = try ImageFolder.load(directory: trainFolder)
        if isFolder(testFolder) {
          let channels: ImageChannels = train.channels == 3 ? .rgb : .gray
          let loaded = try ImageFolder.load(directory: testFolder, channels: channels,
                                            height: train.height, width: train.width)
          guard loaded.classNames == train.classNames else {
            throw DatasetError.classMismatch(train: train.classNames, test: loaded.classNames)
          }
          test = loaded
        }
      } else {
        train = try ImageFolder.load(directory: directory)
      }
    }
    let normalization = self.isCIFAR10 ? Normalization.cifar10 : Normalization.computed(from: train)
    if let subset { train = train.prefix(subset) }
    return LoadedData(train: train, test: test, normalization: normalization)
  }

  var isCIFAR10: Bool {
    if case .cifar10 = self { return true }
    return false
  }
}

/// A loaded data source: training set, optional test set, and the normalisation to apply to both.
public struct LoadedData: Sendable {
  public var train: ImageDataset
  public var test: ImageDataset?
  public var normalization: Normalization
}

func isFolder(_ path: String) -> Bool {
  var info = stat()
  return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}
