// swift-tools-version:6.0
// The on-device runtime: Swift standard library, Glibc, libpng and zlib only. No Foundation, no BLAS,
// no training code. Builds alone: `cd runtime && swift build -c release`.
import PackageDescription

let package = Package(
  name: "NASRuntimePackage",
  products: [
    .library(name: "FileIO", targets: ["FileIO"]),
    .library(name: "NASKernels", targets: ["NASKernels"]),
    .library(name: "NASFormat", targets: ["NASFormat"]),
    .library(name: "PNGImage", targets: ["PNGImage"]),
    .library(name: "ImageDatasets", targets: ["ImageDatasets"]),
    .library(name: "CLIKit", targets: ["CLIKit"]),
    .library(name: "NASRuntime", targets: ["NASRuntime"]),
    .executable(name: "nas-infer", targets: ["nas-infer"]),
  ],
  targets: [
    // MARK: System libraries
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

    // MARK: Libraries
    .target(name: "FileIO"),
    .target(name: "SeededRandom"),
    .target(name: "NASKernels"),
    .target(name: "NASFormat", dependencies: ["FileIO"]),
    .target(name: "PNGImage", dependencies: ["CPNG", "FileIO"]),
    .target(name: "ImageDatasets", dependencies: ["PNGImage", "CZlib", "FileIO"]),
    .target(name: "CLIKit", dependencies: ["FileIO"]),
    .target(name: "NASRuntime", dependencies: ["NASFormat", "NASKernels", "SeededRandom"]),
    .executableTarget(name: "nas-infer", dependencies: ["NASRuntime", "NASFormat", "PNGImage", "ImageDatasets",
                                                         "CLIKit", "FileIO"]),

    // MARK: Tools
    .target(name: "FormatFuzzing", dependencies: ["NASFormat", "SeededRandom"]),
    .executableTarget(name: "nas-format-fuzz", dependencies: ["NASFormat", "CLIKit", "FormatFuzzing"]),

    // MARK: Tests
    .testTarget(name: "FileIOTests", dependencies: ["FileIO"]),
    .testTarget(name: "NASKernelsTests", dependencies: ["NASKernels"]),
    .testTarget(name: "NASFormatTests", dependencies: ["NASFormat", "FormatFuzzing", "SeededRandom"]),
    .testTarget(name: "PNGImageTests", dependencies: ["PNGImage", "SeededRandom"]),
    .testTarget(name: "ImageDatasetsTests", dependencies: ["ImageDatasets", "PNGImage", "SeededRandom"]),
    .testTarget(name: "CLIKitTests", dependencies: ["CLIKit"]),
    .testTarget(name: "NASRuntimeTests", dependencies: ["NASRuntime", "NASFormat", "NASKernels", "PNGImage", "ImageDatasets",
                                                       "FormatFuzzing", "SeededRandom"]),
  ],
  swiftLanguageModes: [.v5]
)
