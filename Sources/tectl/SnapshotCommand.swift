import ArgumentParser
import Foundation
import TECore
import TENetlink
import TEPolicy
import TETelemetry

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write the current inputs (links, GPU feeds, latency) as a snapshot (JSON).",
        discussion: """
            Reads the links of the current network namespace (counters over one control interval, \
            so utilization and drop rates are real), every feed of the policy, and the latency of \
            every next-hop, and writes them in the format of docs/snapshot.md. \
            `tectl plan --policy FILE --snapshot SNAPSHOT` then reproduces the plan that \
            `tectl plan --policy FILE` printed from the same inputs (bug reports, audits). \
            A feed that is stale or failing is recorded with its state and message, never fatal.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Policy file (YAML, policy v1).", valueName: "FILE"))
    var policy: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the snapshot here instead of standard output.", valueName: "FILE"))
    var output: String?

    func run() async throws {
        let loaded = try loadPolicyOrExit(policy)
        let snap = try await readLiveSnapshotOrExit(policy: loaded)
        let data = try snap.encoded() + Data("\n".utf8)
        if let output {
            do {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                printError("\(output): cannot write: \(error.localizedDescription)")
                throw ExitCode(2)
            }
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
