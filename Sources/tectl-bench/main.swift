import ArgumentParser

struct TectlBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tectl-bench",
        abstract: "Benchmarks for tectl (long measurements that do not belong in tests).",
        subcommands: [KernelBench.self]
    )
}

TectlBench.main()
