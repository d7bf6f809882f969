import ArgumentParser

@main
struct Tectl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tectl",
        abstract: "Adaptive traffic engineering for AI datacenter hosts: congestion- and GPU-aware weighted ECMP.",
        discussion: """
            tectl reads link state, GPU-utilization feeds and latency, computes weighted-ECMP weights per \
            traffic class, and programs Linux nexthop groups (or prints the plan, or emits switch config).

            Start with `tectl validate POLICY` and `tectl plan --policy POLICY --snapshot SNAPSHOT`.
            Exit status: 0 success, 1 invalid input or the kernel does not match the plan, 2 runtime failure.
            """,
        version: TectlVersion.current,
        subcommands: [Validate.self, Plan.self, Run.self, Status.self, Flush.self, SnapshotCommand.self, Solve.self, Emit.self, LabCommand.self]
    )
}

enum TectlVersion {
    static let current = "0.1.0-dev"
}
