import Logging
import TECore
import TENetlink

/// The kernel backend as the controller's programmer: each reconcile dumps what the kernel has,
/// diffs it against the plan and sends only the difference (TENetlink `KernelSession`), so an
/// unchanged plan writes nothing. The session is not Sendable; the actor keeps it on one task at
/// a time.
public actor KernelProgrammer: RouteProgrammer {
    private let session: KernelSession
    /// Largest sum of group weights the running kernel takes (plan and damp with it).
    public nonisolated let maxGroupWeight: Int

    public init(ownership: Ownership, logger: Logger) throws(NetlinkError) {
        let session = try KernelSession(ownership: ownership, logger: logger)
        self.session = session
        self.maxGroupWeight = session.features.maxGroupWeight
    }

    /// What a reconcile could not do: refused requests, objects tectl does not own, or a kernel
    /// that still differs afterwards.
    public struct Mismatch: Error, CustomStringConvertible {
        public var problems: [String]
        public var description: String { "the kernel does not match the plan: " + problems.joined(separator: "; ") }
    }

    public func reconcile(_ plan: Plan, policy: Policy, dryRun: Bool) async throws -> ProgramReport {
        var interfaces: [String: Int32] = [:]
        for link in try LinkDump.links() { interfaces[link.name] = link.ifindex }
        let r = try session.reconcile(plan: plan, policy: policy, interfaces: interfaces, dryRun: dryRun)
        if !dryRun && !r.matches {
            throw Mismatch(problems: r.failures.map(\.description) + r.conflicts + r.remaining.map { "still different: \($0)" })
        }
        var report = ProgramReport(changes: r.notes + r.operations.map(\.description))
        for op in r.operations {
            switch op {
            case .createNexthop, .createGroup, .createRoute, .addRule: report.created += 1
            case .replaceNexthop, .replaceGroup, .replaceRoute: report.updated += 1
            case .deleteRule, .deleteRoute, .deleteGroup, .deleteNexthop: report.deleted += 1
            }
        }
        return report
    }

    /// The weights of the groups tectl has installed, per route entry (its damper key) and
    /// next-hop name, so that a restarted controller damps from them: the group that the entry's
    /// first prefix points at, if it carries our protocol. Multipath entries (no group) are left
    /// out; their first plan is applied as is.
    public func installedWeights(policy: Policy) async throws -> [String: [String: Int]] {
        let own = policy.ownership
        let kernel = try KernelState.read(socket: session.socket, protocolNumber: own.protocolNumber, tables: Set(policy.classes.map(\.table)))
        var names: [UInt32: String] = [:]
        for (i, nh) in policy.nexthops.enumerated() where i < DesiredState.maxNexthops {
            names[DesiredState.nexthopID(base: own.nexthopIDBase, index: i)] = nh.name
        }
        var out: [String: [String: Int]] = [:]
        for entry in policy.routes {
            guard let table = policy.classes.first(where: { $0.name == entry.className })?.table,
                  let first = entry.prefixes.first,
                  let route = kernel.routes[RouteKey(table: table, prefix: first, metric: first.family == .ipv6 ? 1024 : 0)],
                  route.protocolNumber == own.protocolNumber,
                  case .nexthop(let id) = route.target,
                  let group = kernel.groups[id], group.protocolNumber == own.protocolNumber else { continue }
            var weights: [String: Int] = [:]
            for m in group.members {
                if let name = names[m.id], entry.nexthops.contains(name) { weights[name] = m.weight }
            }
            if !weights.isEmpty { out[Damper.key(className: entry.className, prefixes: entry.prefixes)] = weights }
        }
        return out
    }

    public func flush(policy: Policy) async throws -> Int {
        let result = try session.flush()
        if !result.failures.isEmpty {
            throw Mismatch(problems: result.failures.map(\.description))
        }
        return result.removed.count
    }
}
