import Datasets
import ImageDatasets
import NN
import Search
import TensorEngine

/// One weight step and one architecture step of the PC-DARTS supernet at the size issue 3 names
/// (C = 16, L = 8, K = 4, batch 64, 1×28×28, 10 classes), at 1 and 2 threads. The peer figures are the
/// PyTorch reference measured on this kind of machine (7.15 s / 6.88 s per weight / arch step at 2 threads,
/// 9.27 / 9.58 at 1 thread), quoted by the issue, not re-measured here: PyTorch is not installed.
func searchStepBenchmarkCases() -> [BenchmarkCase] {
  var cases: [BenchmarkCase] = []
  for threads in [1, 2] {
    for kind in ["weight", "arch"] {
      // The engine's GEMM choice (`.automatic`) against OpenBLAS for every product, in the same run.
      for (suffix, policy) in [("", EngineGemm.Policy.automatic), ("-openblas", .openBLAS)] {
        cases.append(BenchmarkCase(
          name: "search/pc-darts/\(kind)-step\(suffix)", shape: "C16 L8 K4 n64 1x28x28 k10", threads: threads, flops: 0
        ) { repeats in
          EngineThreads.set(threads)
          EngineGemm.policy = policy
          defer { EngineGemm.policy = .automatic }
          let (stage, batch) = makePCDARTSStep()
          var step = 0
          return measure(repeats: repeats, warmups: 1, prepare: { () -> ForwardContext in
            step += 1
            return ForwardContext(training: true, seed: UInt64(step))
          }, run: { context in
            _ = kind == "weight" ? stage.weightStep(batch, context) : stage.architectureStep(batch, context)
          })
        })
      }
    }
  }
  return cases
}

/// A PC-DARTS stage and a batch of 64 synthetic 28×28 images (uniform noise; the step's cost does not depend on
/// the pixel values).
func makePCDARTSStep() -> (SearchStage, Batch) {
  var settings = SearchSettings.defaults(for: .pc)
  settings.batchSize = 64
  let shape = NetworkShape(inputChannels: 1, height: 28, width: 28, classes: 10)
  let supernet = try! Supernet(SupernetConfiguration(shape: shape, layers: 8, initChannels: 16, partialChannels: 4,
                                                     edgeNormalization: true), seed: 2)
  let stage = SearchStage(supernet: supernet, settings: settings, projectorSeed: 3)
  var rng = PRNG(seed: 5)
  let images = (0..<(64 * 28 * 28)).map { _ in UInt8(truncatingIfNeeded: rng.nextInt(below: 256)) }
  let dataset = ImageDataset(images: images, labels: (0..<64).map { $0 % 10 }, classNames: (0..<10).map { "\($0)" },
                             channels: 1, height: 28, width: 28)
  var batches = BatchIterator(dataset: dataset, batchSize: 64, normalization: .identity(channels: 1), seed: 1)
  return (stage, batches.next()!)
}
