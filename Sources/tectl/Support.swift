import ArgumentParser
import Foundation
import TECore
import TEPolicy
import TETelemetry

/// Output format shared by the commands that print for both people and scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Loads a policy or prints every diagnostic and exits 1.
func loadPolicyOrExit(_ path: String) throws -> LoadedPolicy {
    do {
        return try PolicyLoader.load(path: path)
    } catch {
        printError(error.description)
        throw ExitCode(1)
    }
}

/// Reads a snapshot file (docs/snapshot.md) or prints why not and exits 1.
func readSnapshotFileOrExit(_ path: String) throws -> Snapshot {
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("\(path): cannot read the file")
        throw ExitCode(1)
    }
    do {
        return try Snapshot.decode(data)
    } catch {
        printError("\(path): not a valid snapshot: \(describeDecodingError(error))")
        throw ExitCode(1)
    }
}

/// Reads the live inputs of a policy in the current namespace: links, feeds (docs/feeds.md) and
/// latency. `measured` reads counters over one control interval so utilization is real (`plan`,
/// `snapshot`, `emit`); otherwise one sample without counter history, utilization 0 (`run
/// --once`, `status`; the controller measures every cycle). `probeLatency: false` leaves the
/// next-hops' latency out (no class prefers latency). Exits 1 when a `dev` of the policy
/// does not exist here, 2 when netlink cannot be read.
func readLiveSnapshotOrExit(policy loaded: LoadedPolicy, measured: Bool = true, probeLatency: Bool = true) async throws -> Snapshot {
    let collector = probeLatency ? TelemetryCollector(policy: loaded.policy) : TelemetryCollector(policy: loaded.policy, latency: nil)
    let snap: Snapshot
    do {
        snap = measured ? try await collector.snapshot() : try await collector.sample()
    } catch {
        printError("tectl: \(error)")
        throw ExitCode(2)
    }
    let problems = loaded.checkHost(interfaces: Set(snap.links.map(\.name)))
    if !problems.isEmpty {
        printError(problems.map(\.description).joined(separator: "\n"))
        throw ExitCode(1)
    }
    return snap
}
