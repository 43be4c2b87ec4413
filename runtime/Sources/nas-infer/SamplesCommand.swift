import CLIKit
import ImageDatasets
import PNGImage

extension NASInfer {
  static let samplesCommand = Command(
    "samples", abstract: "Write labelled test images as PNG files (inputs for classification and audits).",
    discussion: """
      Writes the first --count test images of --data as <out>/<index>-<class>.png, spread over the classes
      (one image of each class in turn). --data is 'fashion-mnist', 'fashion-mnist:DIR' or 'cifar10:DIR'.
      """,
    options: [
      .value("data", placeholder: "source", default: "fashion-mnist", help: "fashion-mnist | fashion-mnist:DIR | cifar10:DIR"),
      .value("count", placeholder: "n", default: "10", help: "How many images to write."),
      .value("out", short: "o", placeholder: "dir", help: "Folder to write them into (created)."),
    ])

  /// `nas-infer samples --data fashion-mnist --count 10 --out DIR`
  static func runSamples(_ args: ParsedArguments) throws {
    guard let out = args.value("out") else { throw args.usageError("missing --out DIR") }
    let count = try args.int("count")
    guard count > 0 else { throw args.usageError("--count must be positive") }
    let spec = try args.string("data")
    let dataset: ImageDataset
    if spec == "fashion-mnist" || spec.hasPrefix("fashion-mnist:") {
      let dir = spec == "fashion-mnist" ? FashionMNIST.debianDirectory : String(spec.dropFirst("fashion-mnist:".count))
      dataset = try FashionMNIST.load(.test, directory: dir)
    } else if spec.hasPrefix("cifar10:") {
      dataset = try CIFAR10.load(.test, directory: String(spec.dropFirst("cifar10:".count)))
    } else {
      throw args.usageError("--data must be fashion-mnist, fashion-mnist:DIR or cifar10:DIR")
    }
    // Round-robin over the classes so that a handful of images shows several of them.
    var byClass = Array(repeating: [Int](), count: dataset.classNames.count)
    for i in 0..<dataset.count { byClass[dataset.labels[i]].append(i) }
    var chosen: [Int] = []
    var round = 0
    while chosen.count < min(count, dataset.count) {
      for c in byClass.indices where round < byClass[c].count && chosen.count < count { chosen.append(byClass[c][round]) }
      round += 1
    }
    try makeDirectories(out)
    for index in chosen {
      let pixels = Array(dataset.image(at: index))
      let image = pixels.withUnsafeBufferPointer {
        interleavedImage(planar: $0, channels: dataset.channels, height: dataset.height, width: dataset.width)
      }
      let name = dataset.classNames[dataset.labels[index]].map { $0.isLetter || $0.isNumber ? $0 : "_" }
      let path = joinPath(out, "\(index)-\(String(name)).png")
      try image.writePNG(toFile: path)
      print(path)
    }
  }
}
