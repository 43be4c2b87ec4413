import Foundation
import TensorEngine

/// Everything needed to rebuild a trained evaluation network besides its tensors: the architecture, the input
/// it expects, its classes and the normalisation its inputs went through. Stored as the metadata of a model
/// checkpoint (`model.ckpt`), read by `nas-train eval`, `--init-from` and `nas-export`.
public struct ModelDescription: Equatable {
  public static let kind = "edgenas-model"

  public var genotype: Genotype
  public var shape: NetworkShape
  public var initChannels: Int
  public var layers: Int
  public var auxiliary: Bool
  public var classNames: [String]
  /// Per-channel mean and std applied to pixel/255 before the network.
  public var mean: [Float]
  public var std: [Float]
  /// Free-form facts (epoch, accuracy, data source, …), kept as JSON values.
  public var extra: [String: String]

  public init(genotype: Genotype, shape: NetworkShape, initChannels: Int, layers: Int, auxiliary: Bool,
              classNames: [String], mean: [Float], std: [Float], extra: [String: String] = [:]) {
    self.genotype = genotype
    self.shape = shape
    self.initChannels = initChannels
    self.layers = layers
    self.auxiliary = auxiliary
    self.classNames = classNames
    self.mean = mean
    self.std = std
    self.extra = extra
  }

  /// A fresh network of this description (weights to be restored from the checkpoint).
  public func makeNetwork(seed: UInt64 = 0) throws -> EvaluationNetwork {
    try EvaluationNetwork(genotype: genotype, shape: shape, initChannels: initChannels, layers: layers,
                          auxiliary: auxiliary, seed: seed)
  }

  public func json() -> String {
    let object: [String: Any] = [
      "kind": ModelDescription.kind, "genotype": genotype.jsonObject(),
      "input": [shape.inputChannels, shape.height, shape.width], "classes": shape.classes,
      "init_channels": initChannels, "layers": layers, "auxiliary": auxiliary, "class_names": classNames,
      "mean": mean.map { Double($0) }, "std": std.map { Double($0) }, "extra": extra,
    ]
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }

  public init(json: String) throws(CheckpointError) {
    guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
          object["kind"] as? String == ModelDescription.kind else {
      throw .corrupt("not a model checkpoint (no '\(ModelDescription.kind)' metadata; is it a search checkpoint?)")
    }
    guard let genotypeObject = object["genotype"],
          let genotypeData = try? JSONSerialization.data(withJSONObject: genotypeObject),
          let genotype = try? Genotype(json: genotypeData) else { throw .corrupt("model metadata has no valid genotype") }
    guard let input = object["input"] as? [Int], input.count == 3, let classes = object["classes"] as? Int,
          let initChannels = object["init_channels"] as? Int, let layers = object["layers"] as? Int,
          let auxiliary = object["auxiliary"] as? Bool, let classNames = object["class_names"] as? [String],
          let mean = object["mean"] as? [Double], let std = object["std"] as? [Double],
          mean.count == input[0], std.count == input[0], classNames.count == classes
    else { throw .corrupt("model metadata is incomplete or inconsistent") }
    self.init(genotype: genotype,
              shape: NetworkShape(inputChannels: input[0], height: input[1], width: input[2], classes: classes),
              initChannels: initChannels, layers: layers, auxiliary: auxiliary, classNames: classNames,
              mean: mean.map { Float($0) }, std: std.map { Float($0) },
              extra: (object["extra"] as? [String: String]) ?? [:])
  }
}

extension Checkpoint {
  /// A model checkpoint: the description as metadata, every parameter and buffer of `network` by name.
  public init(model network: EvaluationNetwork, description: ModelDescription) {
    self.init(metadata: description.json())
    set(network.parameters)
    for buffer in network.buffers { set(buffer.name, Tensor(shape: [buffer.count], values: buffer.read())) }
  }

  /// Copies parameters and buffers into `network` (names and shapes must match).
  public func restore(into network: EvaluationNetwork) throws(CheckpointError) {
    try restore(network.parameters)
    for buffer in network.buffers {
      guard let saved = self[buffer.name] else { throw .missingTensor(buffer.name) }
      guard saved.count == buffer.count else {
        throw .shapeMismatch(name: buffer.name, expected: [buffer.count], found: saved.shape)
      }
      buffer.write(saved.values)
    }
  }

  /// Reads a model checkpoint and rebuilds its network with the trained weights.
  public static func loadModel(path: String) throws -> (network: EvaluationNetwork, description: ModelDescription) {
    let checkpoint = try Checkpoint.read(path: path)
    let description: ModelDescription
    do { description = try ModelDescription(json: checkpoint.metadata) } catch { throw CheckpointError.inFile(path: path, error) }
    let network = try description.makeNetwork()
    do { try checkpoint.restore(into: network) } catch { throw CheckpointError.inFile(path: path, error) }
    return (network, description)
  }
}
