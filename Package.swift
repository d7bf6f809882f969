// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "tectl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tectl", targets: ["tectl"]),
        .executable(name: "tectl-bench", targets: ["tectl-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C: libnl-3 / libnl-route-3 from Debian (libnl-3-dev, libnl-route-3-dev).
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]
        ),
        // What Swift cannot call directly: nexthop messages, setns, kernel UAPI bits newer than the headers.
        .target(name: "CNetlinkShim", dependencies: ["CNetlink"]),

        // Pure model, solver, plan. No I/O.
        .target(name: "TECore", swiftSettings: strict),
        .target(
            name: "TEPolicy",
            dependencies: ["TECore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "TENetlink",
            dependencies: [
                "TECore", "CNetlink", "CNetlinkShim",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TETelemetry",
            dependencies: [
                "TECore", "TEPolicy", "TENetlink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(name: "TEEmit", dependencies: ["TECore", "TEPolicy"], swiftSettings: strict),
        // Network-namespace lab: used by the kernel tests and by `tectl lab`.
        .target(name: "TELab", dependencies: ["TECore", "CNetlinkShim"], swiftSettings: strict),
        .target(
            name: "TEDaemon",
            dependencies: [
                "TECore", "TEPolicy", "TENetlink", "TETelemetry", "TEEmit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tectl",
            dependencies: [
                "TECore", "TEPolicy", "TENetlink", "TETelemetry", "TEEmit", "TEDaemon", "TELab",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The benchmark's solve instances (fat-trees, WAN meshes, small random ones), shared with the tests.
        .target(name: "TEInstances", dependencies: ["TECore"], swiftSettings: strict),
        .executableTarget(
            name: "tectl-bench",
            dependencies: [
                "TECore", "TEPolicy", "TENetlink", "TETelemetry", "TEDaemon", "TELab", "TEInstances",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        .testTarget(
            name: "TECoreTests",
            dependencies: ["TECore", "TEInstances", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "TEPolicyTests", dependencies: ["TEPolicy", "TECore"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "TEEmitTests", dependencies: ["TEEmit", "TEPolicy", "TECore", "CNetlinkShim"], swiftSettings: strict),
        .testTarget(name: "TENetlinkTests", dependencies: ["TENetlink", "TEPolicy", "TECore", "TELab"], swiftSettings: strict),
        .testTarget(
            name: "TETelemetryTests",
            dependencies: [
                "TETelemetry", "TEPolicy", "TECore", "TELab", "TENetlink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(name: "TEDaemonTests", dependencies: ["TEDaemon", "TEPolicy", "TECore", "TELab", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
    ]
)
