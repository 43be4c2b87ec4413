// swift-tools-version:6.0
// Front end (engine, data, search, training) and export. The runtime is a package of its own (runtime/),
// depended on by path; it never depends on anything here.
import PackageDescription

let package = Package(
  name: "EdgeNAS",
  products: [
    .executable(name: "nas-search", targets: ["nas-search"]),
    .executable(name: "nas-train", targets: ["nas-train"]),
    .executable(name: "nas-export", targets: ["nas-export"]),
    .executable(name: "nas-bench", targets: ["nas-bench"]),
  ],
  dependencies: [
    .package(path: "runtime"),
  ],
  targets: [
    // MARK: System libraries
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),

    // MARK: Front end
    .target(name: "TensorEngine",
            dependencies: ["CBLAS", .product(name: "NASKernels", package: "runtime")]),
    .target(name: "NN", dependencies: ["TensorEngine", .product(name: "NASFormat", package: "runtime"),
                                      .product(name: "FileIO", package: "runtime")]),
    .target(name: "Search", dependencies: ["NN", "TensorEngine", "Datasets"]),
    .target(name: "Train", dependencies: ["NN", "TensorEngine", "Datasets",
                                         .product(name: "FileIO", package: "runtime")]),
    .target(name: "Datasets",
            dependencies: ["TensorEngine", .product(name: "ImageDatasets", package: "runtime")]),

    // MARK: Command-line tools (thin; logic lives in the libraries)
    .executableTarget(name: "nas-search", dependencies: ["Search", "Datasets", "NN", "TensorEngine",
                                                          .product(name: "CLIKit", package: "runtime"),
                                                          .product(name: "FileIO", package: "runtime")]),

    .executableTarget(name: "nas-train", dependencies: ["Train", "Datasets", "NN", "TensorEngine",
                                                         .product(name: "CLIKit", package: "runtime"),
                                                         .product(name: "FileIO", package: "runtime")]),

    // MARK: Export (trained network -> frozen graph -> ONNX and the compact format)
    .target(name: "Freezer", dependencies: ["NN", "TensorEngine", .product(name: "NASFormat", package: "runtime")],
            path: "export/Freezer"),
    .target(name: "ONNXBridge", path: "export/ONNXBridge",
            cxxSettings: [.define("ONNX_NAMESPACE", to: "onnx"), .define("ONNX_ML", to: "1")],
            linkerSettings: [.linkedLibrary("onnx"), .linkedLibrary("onnx_proto"), .linkedLibrary("protobuf")]),
    .target(name: "ONNXWriter", dependencies: ["Freezer", "ONNXBridge", .product(name: "CLIKit", package: "runtime")],
            path: "export/ONNXWriter"),
    .executableTarget(name: "nas-export", dependencies: ["Freezer", "ONNXWriter", "NN", "Datasets",
                                                          .product(name: "NASFormat", package: "runtime"),
                                                          .product(name: "CLIKit", package: "runtime"),
                                                          .product(name: "FileIO", package: "runtime")],
                      path: "export/nas-export"),

    // MARK: Benchmarks
    .executableTarget(name: "nas-bench", dependencies: ["TensorEngine", "NN", "Datasets", "Search",
                                                         .product(name: "CLIKit", package: "runtime")], path: "bench/nas-bench"),

    // MARK: Tests
    .target(name: "EngineTestSupport", dependencies: ["TensorEngine"], path: "Tests/EngineTestSupport"),
    .testTarget(name: "TensorEngineTests", dependencies: ["TensorEngine", "EngineTestSupport", "Datasets"]),
    .testTarget(name: "NNTests", dependencies: ["NN", "EngineTestSupport"]),
    .testTarget(name: "SearchTests", dependencies: ["Search", "NN"]),
    .testTarget(name: "TrainTests", dependencies: ["Train", "NN", "Datasets", "EngineTestSupport"]),
    .testTarget(name: "ExportTests", dependencies: ["Freezer", "ONNXWriter", "NN", "Datasets",
                                                    .product(name: "CLIKit", package: "runtime"),
                                                    .product(name: "NASFormat", package: "runtime"),
                                                    .product(name: "NASRuntime", package: "runtime")]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "EngineTestSupport"]),
  ],
  swiftLanguageModes: [.v5],
  cxxLanguageStandard: .cxx17
)
