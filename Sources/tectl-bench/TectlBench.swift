import ArgumentParser

/// Long measurements, one subcommand per file (never timed tests). Build with `swift build -c release`.
@main
struct TectlBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tectl-bench",
        abstract: "tectl benchmarks (run release builds: swift build -c release).",
        subcommands: [SolveBench.self, SeedsBench.self, FileBench.self, RandomBench.self, KernelBench.self, TelemetryBench.self, FailoverBench.self]
    )
}
