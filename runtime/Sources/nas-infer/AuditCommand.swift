import CLIKit
import ImageDatasets
import NASFormat
import NASRuntime
import PNGImage

extension NASInfer {
  /// `nas-infer audit --model M --data DIR|fashion-mnist --eps ... [--attack fgsm|pgd] ...`
  static func runAudit(_ args: ParsedArguments) throws {
    guard let dataSpec = args.value("data") else { throw args.usageError("missing --data DIR|fashion-mnist") }
    let epsilons = try args.doubles("eps").map { Float($0) }
    guard !epsilons.isEmpty else { throw args.usageError("--eps needs at least one value") }
    for e in epsilons where !(e >= 0 && e <= 1) { throw args.usageError("--eps values must be in [0, 1], got \(e)") }
    let attack: Attack
    switch try args.string("attack") {
    case "fgsm": attack = .fgsm
    case "pgd":
      let steps = try args.int("pgd-steps")
      guard steps >= 1 else { throw args.usageError("--pgd-steps must be ≥ 1, got \(steps)") }
      var stepSize: Float? = nil
      if args.value("pgd-step-size") != nil {
        let a = try args.float("pgd-step-size")
        guard a > 0 && a.isFinite else { throw args.usageError("--pgd-step-size must be > 0, got \(a)") }
        stepSize = a
      }
      attack = .pgd(steps: steps, stepSize: stepSize)
    case let other: throw args.usageError("--attack must be fgsm or pgd, got '\(other)'")
    }
    let batchSize = try args.int("batch-size")
    guard batchSize >= 1 else { throw args.usageError("--batch-size must be ≥ 1, got \(batchSize)") }
    let threads = try args.int("threads")
    guard threads >= 1 else { throw args.usageError("--threads must be ≥ 1, got \(threads)") }
    var limit: Int? = nil
    if args.value("limit") != nil {
      let n = try args.int("limit")
      guard n >= 1 else { throw args.usageError("--limit must be ≥ 1, got \(n)") }
      limit = n
    }
    let seedText = try args.string("seed")
    guard let seed = UInt64(seedText) else { throw args.usageError("--seed must be a non-negative integer, got '\(seedText)'") }

    let modelPath = try args.string("model")
    let runner = try InferenceModel(path: modelPath, threads: threads)
    let header = runner.header
    var (images, labels) = try loadAuditData(dataSpec, header: header)
    if let limit, limit < labels.count {
      labels = Array(labels.prefix(limit))
      images = Array(images.prefix(limit * runner.inputCount))
    }

    var saveDirectory: String? = nil
    if let dir = args.value("save-adversarial") {
      try makeDirectories(dir)
      saveDirectory = dir
    }
    let audit = AdversarialAudit(epsilons: epsilons, attack: attack, batchSize: batchSize, seed: seed)
    var saveError: (any Error)? = nil
    let result = try audit.run(model: runner, images: images, labels: labels) { e, index, pixels, predicted in
      guard let dir = saveDirectory, epsilons[e] > 0, saveError == nil else { return }
      let quantised = pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
      let image = quantised.withUnsafeBufferPointer {
        interleavedImage(planar: $0, channels: header.inputChannels, height: header.inputHeight, width: header.inputWidth)
      }
      let folder = dir + "/eps-\(epsilons[e])"
      let file = folder + "/\(index)-label\(labels[index])-pred\(predicted).png"
      do {
        try makeDirectories(folder)
        try image.writePNG(toFile: file)
      } catch {
        saveError = error
      }
    }
    if let saveError { throw saveError }

    print(report(result, attack: attack, names: header.classNames, model: modelPath, data: dataSpec))
    if let jsonPath = args.value("json") {
      try writeFileAtomically(jsonPath, text: jsonReport(result, attack: attack, names: header.classNames,
                                                         model: modelPath, data: dataSpec, seed: seed).jsonText + "\n")
    }
  }

  /// Planar 8-bit images of the model's input size and their labels in the model's class order.
  static func loadAuditData(_ spec: String, header: ModelHeader) throws -> (images: [UInt8], labels: [Int]) {
    let channels = try imageChannels(for: header)
    var dataset: ImageDataset
    if spec == "fashion-mnist" || spec.hasPrefix("fashion-mnist:") {
      let dir = spec == "fashion-mnist" ? FashionMNIST.debianDirectory : String(spec.dropFirst("fashion-mnist:".count))
      dataset = try FashionMNIST.load(.test, directory: dir)
    } else {
      dataset = try ImageFolder.load(directory: spec, channels: channels, height: header.inputHeight,
                                     width: header.inputWidth)
    }
    guard dataset.classNames.count == header.classCount else {
      throw CLIError.failure("data has \(dataset.classNames.count) classes, the model has \(header.classCount)")
    }
    // Folder names that all match the model's class names (ignoring case) are mapped by name, else by position.
    let modelNames = header.classNames.map { $0.lowercased() }
    var labelMap = Array(0..<header.classCount)
    let byName = dataset.classNames.map { modelNames.firstIndex(of: $0.lowercased()) }
    if byName.allSatisfy({ $0 != nil }), Set(byName.map { $0! }).count == byName.count { labelMap = byName.map { $0! } }
    let labels = dataset.labels.map { labelMap[$0] }
    if dataset.channels == header.inputChannels && dataset.height == header.inputHeight
      && dataset.width == header.inputWidth {
      return (dataset.images, labels)
    }
    // Convert each image (e.g. Fashion-MNIST for a 3×32×32 model).
    var images: [UInt8] = []
    images.reserveCapacity(dataset.count * header.inputShape.reduce(1, *))
    for i in 0..<dataset.count {
      let planar = Array(dataset.image(at: i))
      let image = planar.withUnsafeBufferPointer {
        interleavedImage(planar: $0, channels: dataset.channels, height: dataset.height, width: dataset.width)
      }
      images += image.resized(width: header.inputWidth, height: header.inputHeight).converted(to: channels).planar()
    }
    dataset.images = []
    return (images, labels)
  }

  static func report(_ r: AuditResult, attack: Attack, names: [String], model: String, data: String) -> String {
    var lines = ["model \(model), data \(data), attack \(attack), \(r.total) images", "",
                 pad("epsilon", 10) + pad("accuracy", 10) + "mean L∞"]
    for (e, eps) in r.epsilons.enumerated() {
      lines.append(pad("\(eps)", 10) + pad(NumberFormat.percent(r.accuracy[e]), 10)
                     + NumberFormat.fixed(r.meanLInf[e], decimals: 4))
    }
    lines.append("")
    lines.append("per-class accuracy:")
    lines.append(pad("class", 14) + r.epsilons.map { pad("ε=\($0)", 10) }.joined())
    for c in 0..<names.count {
      var line = pad(name(c, names), 14)
      for e in r.epsilons.indices {
        let total = r.totalPerClass[c]
        line += pad(total == 0 ? "-" : NumberFormat.percent(Double(r.correctPerClass[e][c]) / Double(total)), 10)
      }
      lines.append(line)
    }
    return lines.joined(separator: "\n")
  }

  static func jsonReport(_ r: AuditResult, attack: Attack, names: [String], model: String, data: String,
                         seed: UInt64) -> JSONObject {
    var attackObject: JSONObject = ["name": .string(attack == .fgsm ? "fgsm" : "pgd")]
    if case let .pgd(steps, stepSize) = attack {
      attackObject = ["name": "pgd", "steps": .int(steps), "step_size": stepSize.map { .float($0) } ?? .null]
    }
    let perEpsilon: [JSONValue] = r.epsilons.indices.map { e in
      let perClass: [JSONValue] = names.indices.map { c in
        .object(["class": .int(c), "label": .string(name(c, names)), "total": .int(r.totalPerClass[c]),
                 "correct": .int(r.correctPerClass[e][c]),
                 "accuracy": r.totalPerClass[c] == 0 ? .null
                   : .double(Double(r.correctPerClass[e][c]) / Double(r.totalPerClass[c]))])
      }
      return .object(["epsilon": .float(r.epsilons[e]), "correct": .int(r.correct[e]), "accuracy": .double(r.accuracy[e]),
                      "mean_linf": .double(r.meanLInf[e]), "max_linf": .double(r.maxLInf[e]),
                      "per_class": .array(perClass)])
    }
    return ["model": .string(model), "data": .string(data), "attack": .object(attackObject),
            "seed": .string(String(seed)), "images": .int(r.total), "results": .array(perEpsilon)]
  }

  static func pad(_ s: String, _ width: Int) -> String {
    let n = s.count
    return n >= width ? s + " " : s + String(repeating: " ", count: width - n)
  }
}
