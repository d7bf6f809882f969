import Foundation
import Synchronization
import TECore
import TENetlink

/// Link state from a netlink dump at every sample, no counters and no events: the input source
/// `tectl run` uses until the telemetry module's (events, counters, feeds) is wired in.
public struct LinkDumpInputSource: InputSource {
    public init() {}

    public func sample(policy: Policy) async throws -> Snapshot {
        Snapshot(timestamp: Date(), links: try LinkDump.links())
    }

    public func events() -> AsyncStream<TimedEvent> {
        AsyncStream { _ in }
    }
}

/// A programmer that writes nothing: it reports how each plan differs from the previous one it was
/// given. For `--dry-run` where no kernel reconciler is available, and for tests of the loop.
public final class PlanDiffProgrammer: RouteProgrammer {
    private let last = Mutex<Plan?>(nil)

    public init() {}

    public func reconcile(_ plan: Plan, policy: Policy, dryRun: Bool) async throws -> ProgramReport {
        let previous = last.withLock { old in
            defer { old = plan }
            return old
        }
        return PlanDiff.report(from: previous, to: plan)
    }

    public func flush(policy: Policy) async throws -> Int {
        last.withLock { $0 = nil }
        return 0
    }
}

/// Route-level differences between two plans, as `ProgramReport` lines.
public enum PlanDiff {
    public static func report(from old: Plan?, to new: Plan) -> ProgramReport {
        var report = ProgramReport()
        let oldRoutes = Dictionary((old?.routes ?? []).map { (Damper.key(of: $0), $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        for route in new.routes where route.status == .planned {
            let key = Damper.key(of: route)
            seen.insert(key)
            let weights = route.nexthops.filter { $0.weight > 0 }.map { "\($0.name):\($0.weight)" }.joined(separator: " ")
            if let before = oldRoutes[key], before.status == .planned {
                if before.nexthops.map(\.weight) != route.nexthops.map(\.weight) || before.nexthops.map(\.name) != route.nexthops.map(\.name) {
                    report.updated += 1
                    let was = before.nexthops.filter { $0.weight > 0 }.map { "\($0.name):\($0.weight)" }.joined(separator: " ")
                    report.changes.append("reweight \(key): \(was) -> \(weights)")
                }
            } else {
                report.created += 1
                report.changes.append("install \(key): \(weights)")
            }
        }
        for (key, route) in oldRoutes where !seen.contains(key) && route.status == .planned && !new.routes.contains(where: { Damper.key(of: $0) == key }) {
            report.deleted += 1
            report.changes.append("remove \(key)")
        }
        report.changes.sort()
        return report
    }
}
