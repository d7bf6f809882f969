import ArgumentParser
import Foundation
import TECore
import TEEmit
import TENetlink
import TEPolicy

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dry run: print the route plan. Changes nothing.",
        discussion: """
            Reads link state from --snapshot (no root needed), or live from netlink in the current \
            network namespace. Per route: class, table, group, and per next-hop its weight, share, and \
            the inputs that produced it. A route with no usable next-hop is reported as kept: tectl \
            never plans an empty group.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Policy file (YAML, policy v1).", valueName: "FILE"))
    var policy: String

    @Option(name: .long, help: ArgumentHelp("Snapshot of inputs (JSON, docs/snapshot.md); default: read the live namespace.", valueName: "FILE"))
    var snapshot: String?

    @Option(name: .long, help: "Output format: text (like ip route) or json (docs/plan-json.md).")
    var format: OutputFormat = .text

    func run() async throws {
        let loaded = try loadPolicyOrExit(policy)
        let snap: Snapshot
        var live: LiveInputs?
        if let snapshot {
            snap = try readSnapshotFileOrExit(snapshot)
        } else {
            snap = try await readLiveSnapshotOrExit(policy: loaded)
            live = LiveInputs(snapshot: snap)
        }
        // Live: the diff against the kernel (a dry-run reconcile) follows the plan.
        let diff = live.flatMap { KernelDiffSection.compute(policy: loaded.policy, inputs: $0) }
        let plan = Planner(policy: loaded.policy, maxGroupWeight: diff?.maxGroupWeight ?? 256).plan(snapshot: snap)
        switch format {
        case .text:
            print(PlanTextRenderer.render(plan, protocolNumber: loaded.policy.ownership.protocolNumber), terminator: "")
            if let diff { print(diff.text(plan: plan, policy: loaded.policy), terminator: "") }
        case .json:
            let json = try PlanJSONRenderer.render(plan)
            print(diff.map { $0.json(merging: json, plan: plan, policy: loaded.policy) } ?? json, terminator: "")
        }
    }
}

/// A decoding error as a path and a reason (`links[2].carrier: expected Bool`).
func describeDecodingError(_ error: Error) -> String {
    func path(_ keys: [CodingKey]) -> String {
        keys.reduce("") { acc, key in
            if let i = key.intValue { return acc + "[\(i)]" }
            return acc.isEmpty ? key.stringValue : acc + "." + key.stringValue
        }
    }
    switch error as? DecodingError {
    case .keyNotFound(let key, let ctx)?: return "\(path(ctx.codingPath + [key])): missing"
    case .typeMismatch(let type, let ctx)?: return "\(path(ctx.codingPath)): expected \(type)"
    case .valueNotFound(let type, let ctx)?: return "\(path(ctx.codingPath)): expected \(type), found null"
    case .dataCorrupted(let ctx)?: return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
    default: return "\(error)"
    }
}
