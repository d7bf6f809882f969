import ArgumentParser
import Foundation
import TECore
import TENetlink
import TEPolicy

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what tectl owns in the kernel and, with --policy, whether it matches the plan.",
        discussion: """
            Owned means: nexthops, groups, routes and rules that carry the protocol number \
            (--protocol, or ownership.protocol of --policy; default 250). Changes nothing. Exit status 0, \
            or 1 when --policy is given and the kernel does not match its plan.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Policy file: also compare the kernel with its plan.", valueName: "FILE"))
    var policy: String?

    @Option(name: .long, help: "Protocol number that marks tectl's objects (default: the policy's, or 250).")
    var `protocol`: UInt8?

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let loaded = try policy.map { try loadPolicyOrExit($0) }
        // With a policy, the plan is computed from the same inputs `run --once` uses.
        var sampled: LiveInputs?
        if let loaded { sampled = LiveInputs(snapshot: try await readLiveSnapshotOrExit(policy: loaded, measured: false)) }
        var ownership = loaded?.policy.ownership ?? Ownership()
        if let p = `protocol` { ownership.protocolNumber = p }
        let text: String
        var matches = true
        do {
            let inputs = try sampled ?? LiveInputs.read()
            var names: [Int32: String] = [:]
            for (name, index) in inputs.interfaces { names[index] = name }
            var diff: KernelDiff?
            let kernel: KernelState
            if let loaded {
                let session = try KernelSession(ownership: ownership)
                kernel = try session.read(tables: Set(loaded.policy.classes.map(\.table)))
                let plan = Planner(policy: loaded.policy, maxGroupWeight: session.features.maxGroupWeight).plan(snapshot: inputs.snapshot)
                let desired = DesiredState.build(plan: plan, policy: loaded.policy, interfaces: inputs.interfaces, features: session.features, kernel: kernel)
                diff = session.reconciler.diff(desired: desired, kernel: kernel)
                matches = diff?.isEmpty ?? true
            } else {
                kernel = try KernelState.read(socket: RouteSocket(), protocolNumber: ownership.protocolNumber, tables: [])
            }
            let owned = kernel.owned(by: ownership.protocolNumber)
            switch format {
            case .text: text = KernelReport.statusText(owned, protocolNumber: ownership.protocolNumber, interfaces: names, diff: diff)
            case .json: text = try KernelReport.statusJSON(owned, protocolNumber: ownership.protocolNumber, interfaces: names, diff: diff)
            }
        } catch let error as NetlinkError {
            printError("tectl: \(error)")
            throw ExitCode(2)
        }
        print(text, terminator: "")
        if !matches { throw ExitCode(1) }
    }
}
