import ArgumentParser
import Foundation
import TECore
import TEEmit
import TENetlink
import TEPolicy

struct Emit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Emit switch configuration (FRR or SONiC) that carries the plan's weights.",
        discussion: """
            Plans as `tectl plan` does (from --snapshot, or live link state), then renders the plan \
            with the policy's frr: or sonic: section (docs/emit.md). One device's configuration goes \
            to stdout; with several devices, give --device NAME or --output DIR (one file per device). \
            Routes that are kept (no usable next-hop) are left out, with a note on stderr.
            """,
        subcommands: [EmitFRR.self, EmitSONiC.self]
    )
}

/// Options shared by `emit frr` and `emit sonic`.
struct EmitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Policy file (YAML, policy v1) with an frr: or sonic: section.", valueName: "FILE"))
    var policy: String

    @Option(name: .long, help: ArgumentHelp("Snapshot of inputs (JSON, docs/snapshot.md); default: read the live namespace.", valueName: "FILE"))
    var snapshot: String?

    @Option(name: .long, help: ArgumentHelp("Write one file per device into DIR (created if missing) instead of stdout.", valueName: "DIR"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp("Print only this device's configuration.", valueName: "NAME"))
    var device: String?

    /// Loads the policy, plans, renders with `render`, and writes the result.
    func run(_ render: (LoadedPolicy, TECore.Plan) throws(EmitError) -> EmitResult) async throws {
        let loaded = try loadPolicyOrExit(policy)
        let snap: Snapshot
        if let snapshot {
            snap = try readSnapshotFileOrExit(snapshot)
        } else {
            snap = try await readLiveSnapshotOrExit(policy: loaded)
        }
        let plan = Planner(policy: loaded.policy).plan(snapshot: snap)
        let result: EmitResult
        do {
            result = try render(loaded, plan)
        } catch {
            printError("tectl: \(policy): \(error)")
            throw ExitCode(1)
        }
        for w in plan.warnings + result.warnings { printError("tectl: warning: \(w)") }
        var files = result.files
        if let device {
            files = files.filter { $0.device == device }
            if files.isEmpty {
                printError("tectl: no device \"\(device)\" (devices: \(result.files.map(\.device).joined(separator: ", ")))")
                throw ExitCode(1)
            }
        }
        if let output {
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                for f in files {
                    try Data(f.contents.utf8).write(to: URL(fileURLWithPath: output).appendingPathComponent(f.fileName))
                    print("\(output)/\(f.fileName)")
                }
            } catch {
                printError("tectl: \(output): \(error.localizedDescription)")
                throw ExitCode(2)
            }
            return
        }
        guard files.count == 1, let only = files.first else {
            printError("tectl: \(files.count) devices (\(files.map(\.device).joined(separator: ", "))): give --device NAME or --output DIR")
            throw ExitCode(1)
        }
        print(only.contents, terminator: "")
    }
}

struct EmitFRR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frr",
        abstract: "FRR 8.4 configuration: link-bandwidth route-maps (bgp form) or weighted nexthop-groups (static form)."
    )

    @OptionGroup var options: EmitOptions

    func run() async throws {
        try await options.run { loaded, plan throws(EmitError) in
            guard let frr = loaded.extensions.frr else { throw .missingSection("frr") }
            return try FRRConfigRenderer.render(plan, settings: frr, source: (loaded.file as NSString).lastPathComponent)
        }
    }
}

struct EmitSONiC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonic",
        abstract: "SONiC APPL_DB ROUTE_TABLE entries (swssconfig JSON), weights quantized to the ASIC group size."
    )

    @OptionGroup var options: EmitOptions

    func run() async throws {
        try await options.run { loaded, plan throws(EmitError) in
            guard let sonic = loaded.extensions.sonic else { throw .missingSection("sonic") }
            return try SONiCRouteRenderer.render(plan, settings: sonic)
        }
    }
}
