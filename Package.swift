// swift-tools-version: 6.1
//
// Levee Node. The core modules (Levee*) import only the standard library and are compiled a second
// time, unchanged, as Embedded Swift for the STM32F407 by `make firmware`. Host-only code (the Linux
// board, the command-line tools, interop tests) lives in the other targets and may use anything.
import PackageDescription

// The core's generics (a task's `lock`, the CoAP server over the node's resource table, the
// interpreter over its host) are specialised across modules in release builds, as the firmware's
// whole-program build does: without it the host node ran them unspecialised, through metadata
// lookups and copies of whole resources, and spent twice the CPU per request.
let core: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "LeveeNode",
    products: [
        .executable(name: "levee-node", targets: ["levee-node"]),
        .executable(name: "levee", targets: ["levee"]),
        .executable(name: "wasm-spec", targets: ["wasm-spec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // ---- The allocation-free core (also built for armv7em-none-none-eabi) ----
        .target(name: "LeveeBase", swiftSettings: core),
        .target(name: "LeveeCrypto", dependencies: ["LeveeBase"], swiftSettings: core),
        .target(name: "LeveeScheduler", dependencies: ["LeveeBase"], swiftSettings: core),
        .target(name: "LeveeNet", dependencies: ["LeveeBase"], swiftSettings: core),
        .target(name: "LeveeCoAP", dependencies: ["LeveeBase"], swiftSettings: core),
        .target(name: "LeveeWasm", dependencies: ["LeveeBase"], swiftSettings: core),
        .target(name: "LeveeOTA", dependencies: ["LeveeBase", "LeveeCrypto", "LeveeWasm"], swiftSettings: core),
        .target(name: "LeveeApp",
                dependencies: ["LeveeBase", "LeveeScheduler", "LeveeNet", "LeveeCoAP", "LeveeWasm", "LeveeOTA"],
                swiftSettings: core),
        .target(name: "LeveeSelfTest",
                dependencies: ["LeveeBase", "LeveeCrypto", "LeveeScheduler", "LeveeNet", "LeveeCoAP", "LeveeWasm", "LeveeOTA", "LeveeApp"]),

        // ---- Host side ----
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CPcap", path: "Sources/CPcap"),
        .systemLibrary(name: "CLibCoap", path: "Sources/CLibCoap", pkgConfig: "libcoap-3-notls"),
        .target(name: "LeveeLinux", dependencies: ["LeveeApp", "LeveeNet", "LeveeScheduler", "LeveeOTA", "CPcap", "CLinux"],
                swiftSettings: core),
        .executableTarget(name: "levee-node", dependencies: [
            "LeveeLinux", "LeveeOTA", "LeveeUpdateHost", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "LeveeLoad", dependencies: [
            "LeveeCoAP", "CLinux", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: core),
        .target(name: "LeveeWasmHost", dependencies: ["LeveeWasm"]),
        .executableTarget(name: "wasm-spec", dependencies: ["LeveeWasmHost"]),
        .target(name: "LeveeUpdateHost", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "levee", dependencies: [
            "LeveeApp", "LeveeWasm", "LeveeWasmHost", "LeveeLoad", "LeveeOTA", "LeveeUpdateHost",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // ---- Tests ----
        .testTarget(name: "LeveeBaseTests", dependencies: ["LeveeBase"]),
        .testTarget(name: "LeveeOTATests", dependencies: ["LeveeBase", "LeveeOTA", "LeveeCrypto", "LeveeWasm", "LeveeUpdateHost", "LeveeLinux", "LeveeTestSupport"]),
        .testTarget(name: "LeveeCryptoTests", dependencies: ["LeveeCrypto", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "LeveeWasmTests", dependencies: ["LeveeWasm", "LeveeWasmHost"]),
        .target(name: "LeveeTestSupport", path: "Tests/LeveeTestSupport"),
        .testTarget(name: "LeveeAppTests", dependencies: ["LeveeApp", "LeveeLinux", "LeveeTestSupport"]),
        .testTarget(name: "LeveeAppDomainTests", dependencies: ["LeveeApp", "LeveeLinux"]),
        .testTarget(name: "LeveeSelfTestTests", dependencies: ["LeveeSelfTest"]),
        .testTarget(name: "LeveeLoadTests", dependencies: ["LeveeLoad", "LeveeTestSupport"]),
        .testTarget(name: "LeveeNetTests", dependencies: ["LeveeNet"]),
        .testTarget(name: "LANTests", dependencies: ["LeveeLinux", "LeveeNet", "LeveeApp"], exclude: ["lan-test.sh", "lan_bench.py", "socket-capture-test.sh", "hostile_frames.py"]),
        .target(name: "LeveeMallocCounter", path: "Tests/LeveeMallocCounter"),
        .executableTarget(name: "alloc-bench", dependencies: ["LeveeApp", "LeveeWasmHost", "LeveeMallocCounter"],
                          path: "Benchmarks/AllocBench"),
        .executableTarget(name: "sched-bench", dependencies: ["LeveeScheduler", "LeveeMallocCounter"], path: "Benchmarks/SchedulerBench"),
        .testTarget(name: "LeveeSchedulerTests", dependencies: ["LeveeScheduler", "LeveeMallocCounter"], exclude: ["golden"]),
        .testTarget(name: "CoAPInteropTests", dependencies: ["CLibCoap", "LeveeCoAP", "LeveeApp", "LeveeTestSupport"]),
        .testTarget(name: "LeveeCoAPTests", dependencies: ["LeveeCoAP", "LeveeApp", "LeveeMallocCounter"]),
    ]
)
