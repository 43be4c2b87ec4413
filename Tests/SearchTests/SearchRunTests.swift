@testable import Datasets
import Foundation
import ImageDatasets
import NN
import Testing
import TensorEngine
@testable import Search

/// Real, tiny searches on Fashion-MNIST images (seconds each).
@Suite(.serialized) struct SearchRunTests {
  static let available = FashionMNIST.isInstalledFromDebian

  static func data(_ count: Int = 48) throws -> LoadedData {
    try DataSource.fashionMNIST(directory: nil).load(subset: count)
  }

  /// Reference settings shrunk to seconds: 3-cell supernets, C = 4 (8 for K = 4), 2 epochs per stage.
  static func tiny(_ method: SearchMethod) -> SearchSettings {
    var s = SearchSettings.defaults(for: method)
    s.epochs = 2
    s.warmupEpochs = 1
    s.batchSize = 12
    s.layers = 3
    s.stageLayers = [3, 3, 3]
    s.initChannels = method.usesPartialChannels ? 8 : 4
    s.projectorDimension = 16
    return s
  }

  static func scratch(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "search-test-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    return path
  }

  @Test(.enabled(if: available), arguments: SearchMethod.allCases)
  func everyMethodProducesAValidGenotype(method: SearchMethod) throws {
    let out = SearchRunTests.scratch(method.rawValue)
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    var epochs = 0
    let search = try ArchitectureSearch(settings: SearchRunTests.tiny(method), data: SearchRunTests.data(),
                                        outputDirectory: out) { event in
      if case .epochFinished = event { epochs += 1 }
    }
    let genotype = try search.run()
    try genotype.validate()
    #expect(epochs == (method.isProgressive ? 6 : 2))
    if method.isProgressive { #expect(genotype.normal.skipCount <= 2) }
    let saved = try Genotype(json: Data(contentsOf: URL(fileURLWithPath: out + "/genotype.json")))
    #expect(saved == genotype)
    let lines = try String(contentsOfFile: out + "/search.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(lines.count == epochs)
    for file in ["normal.dot", "normal.svg", "reduction.dot", "reduction.svg", "checkpoint.ckpt"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
    }
  }

  @Test(.enabled(if: available))
  func ssFactorZeroReproducesPCPExactly() throws {
    var pcp = SearchRunTests.tiny(.pcp)
    pcp.stageLayers = [3]; pcp.stageOperationDrops = [7]; pcp.skipDropoutRates = [0.1]
    var ss = pcp
    ss.method = .ssPcp
    ss.ssFactor = 0
    let a = try ArchitectureSearch(settings: pcp, data: SearchRunTests.data(), outputDirectory: nil)
    let b = try ArchitectureSearch(settings: ss, data: SearchRunTests.data(), outputDirectory: nil)
    #expect(try a.run() == b.run())
    // Every logged figure (losses, accuracies, softmax(α), β) is identical; only wall-clock seconds differ.
    func withoutTimes(_ records: [String]) -> [String] {
      records.map { $0.replacingOccurrences(of: #""seconds":[0-9.e-]+,"#, with: "", options: .regularExpression) }
    }
    let same = withoutTimes(a.records) == withoutTimes(b.records)
    #expect(same, "pcp and ss-pcp with ss = 0 logged different epochs")
    #expect(a.records.count == 2)
  }

  @Test(.enabled(if: available))
  func nonFiniteLossStopsWithAClearError() throws {
    var s = SearchRunTests.tiny(.darts)
    s.learningRate = 1e30
    let search = try ArchitectureSearch(settings: s, data: SearchRunTests.data(), outputDirectory: nil)
    #expect(throws: SearchError.self) { try search.run() }
  }

  @Test func impossibleSettingsAreRejectedUpFront() throws {
    let data = LoadedData(train: ImageDataset(images: [UInt8](repeating: 0, count: 8 * 30 * 30),
                                              labels: Array(repeating: 0, count: 8), classNames: ["a"],
                                              channels: 1, height: 30, width: 30),
                          test: nil, normalization: Normalization(mean: [0.5], std: [0.5]))
    #expect(throws: SearchError.self) { _ = try ArchitectureSearch(settings: SearchRunTests.tiny(.darts), data: data, outputDirectory: nil) }
    var odd = SearchRunTests.tiny(.pc)
    odd.initChannels = 6
    let fine = LoadedData(train: ImageDataset(images: [UInt8](repeating: 0, count: 8 * 28 * 28),
                                              labels: Array(repeating: 0, count: 8), classNames: ["a"],
                                              channels: 1, height: 28, width: 28),
                          test: nil, normalization: Normalization(mean: [0.5], std: [0.5]))
    #expect(throws: SearchError.channelsNotDivisible(channels: 6, k: 4)) {
      _ = try ArchitectureSearch(settings: odd, data: fine, outputDirectory: nil)
    }
    var bad = SearchRunTests.tiny(.darts)
    bad.epochs = 0
    #expect(throws: SearchError.invalidOption("--epochs must be positive, got 0")) {
      _ = try ArchitectureSearch(settings: bad, data: fine, outputDirectory: nil)
    }
  }
}
