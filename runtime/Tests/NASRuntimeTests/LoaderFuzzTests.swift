import FormatFuzzing
import NASFormat
@testable import NASRuntime
import Testing

@Suite struct LoaderFuzzTests {
  /// 12,000 truncations, byte flips (with and without fixed CRCs) and boundary words of real model files, each
  /// loaded through the runtime's loader; accepted files are bound and run once. No crash, and every plain
  /// truncation or single flip (caught by the CRCs) is rejected.
  @Test(arguments: [TensorDataType.float32, .int8])
  func mutatedModelsNeverCrash(dataType: TensorDataType) throws {
    let original = try makeNetworkWriter(dataType: dataType, seed: 31).serialized()
    var rng = FuzzRNG(seed: dataType == .float32 ? 1 : 2)
    let mutations: [Mutation] = [.truncate, .flipOne, .flipAndFixChecksums, .boundaryWord]
    var accepted = 0, ran = 0, missed: [Int] = []
    for trial in 0..<6_000 {
      let (b, mustThrow) = mutations[trial % mutations.count].apply(to: original, rng: &rng)
      let model: CompactModel
      do {
        model = try CompactModelReader.parse(b)
      } catch {
        continue
      }
      if mustThrow { missed.append(trial) }
      accepted += 1
      let runner = InferenceModel(model: model, activationLimit: 1 << 20)
      do {
        try runner.prepare(batchSize: 1)
      } catch {
        continue
      }
      for i in runner.inputBuffer.indices { runner.inputBuffer[i] = Float(i % 5) - 2 }
      runner.run()
      try runner.prepare(batchSize: 1, forGradient: true)
      for i in runner.inputBuffer.indices { runner.inputBuffer[i] = Float(i % 5) - 2 }
      runner.run()
      _ = try runner.backward(labels: [0])
      ran += 1
    }
    #expect(missed.isEmpty, "mutations accepted although they must be rejected: trials \(missed.prefix(10))")
    #expect(ran <= accepted)
  }
}
