import Foundation
import Glibc
import Logging
import TECore

/// A request the kernel refused, with the object it was about.
public struct OperationFailure: Sendable, Equatable, CustomStringConvertible {
    public var operation: KernelOperation
    public var errno: Int32
    /// The kernel's extended-ack text, or "".
    public var kernelMessage: String

    /// "RTM_NEWNEXTHOP id 2113929217: File exists (Nexthop id already exists)".
    public var description: String {
        "\(operation.request): \(errnoText(errno))" + (kernelMessage.isEmpty ? "" : " (\(kernelMessage))")
    }
}

/// What one reconcile did and found.
public struct ReconcileReport: Sendable {
    public var features: KernelFeatures
    /// The requests of the diff (all of them for a dry run; those sent otherwise).
    public var operations: [KernelOperation]
    public var failures: [OperationFailure]
    /// Objects tectl would have to touch but does not own, and plan parts it cannot install.
    public var conflicts: [String]
    /// What remains different after applying (empty when the kernel matches the plan).
    public var remaining: [KernelOperation]
    /// Settings changed on the way (the nexthop_compat_mode sysctl), said out loud.
    public var notes: [String]
    /// Re-dumps after lost acks or interrupted dumps.
    public var redumps: Int
    public var dryRun: Bool
    /// Time spent sending requests and reading acks.
    public var applySeconds: Double
    /// Time spent dumping, building the desired state and diffing (before applying), and
    /// verifying (dump and diff after applying).
    public var diffSeconds: Double = 0
    public var verifySeconds: Double = 0

    /// The kernel carries the plan: nothing failed, nothing conflicts, nothing remains.
    public var matches: Bool { failures.isEmpty && conflicts.isEmpty && remaining.isEmpty }
}

/// A reconcile session in the current network namespace: one request socket, the kernel's
/// features, and the ownership settings. Not Sendable: one thread at a time.
public final class KernelSession {
    public let socket: RouteSocket
    public let ownership: Ownership
    public let features: KernelFeatures
    let logger: Logger

    /// Opens a socket and detects features (unless `features` is given, e.g. to force a fallback).
    /// Requests per sendmsg; halved after acks were lost (ENOBUFS).
    public private(set) var requestsPerSend: UInt32 = 256

    public init(ownership: Ownership, features: KernelFeatures? = nil, logger: Logger = Logger(label: "tectl.netlink"), socket: RouteSocket? = nil) throws(NetlinkError) {
        if let socket {
            self.socket = socket
        } else {
            self.socket = try RouteSocket()
        }
        self.ownership = ownership
        if let features {
            self.features = features
        } else {
            self.features = try KernelFeatures.detect(socket: self.socket, ownership: ownership)
        }
        self.logger = logger
    }

    public var reconciler: Reconciler { Reconciler(protocolNumber: ownership.protocolNumber) }

    /// Dumps what the kernel has (tables: those of the policy's classes).
    ///
    /// Leaves out the short-lived objects of a feature probe (`KernelFeatures.probeObjects`) that
    /// `tectl status` or `plan` in another process may hold at this moment: a reconcile must
    /// neither report them as differences nor delete them under that process's feet (which made
    /// its probe fail and its plan differ). `includingProbes` keeps them, for `flush`, which
    /// removes a probe left behind by a killed process.
    public func read(tables: Set<UInt32> = [], routes: Bool = true, includingProbes: Bool = false) throws(NetlinkError) -> KernelState {
        let state = try KernelState.read(socket: socket, protocolNumber: ownership.protocolNumber, tables: tables, routes: routes)
        return includingProbes ? state : state.excluding(KernelFeatures.probeObjects(ownership), protocolNumber: ownership.protocolNumber)
    }

    /// Whether the routes need no second dump after `sent` was applied without a failure: every
    /// route request was acked (so the kernel has exactly the routes the diff asked for), and no
    /// request deleted a group or nexthop (which makes the kernel delete the routes using it,
    /// without an ack for them).
    static func routesConfirmedByAcks(_ sent: [KernelOperation]) -> Bool {
        !sent.contains { op in
            switch op {
            case .deleteGroup, .deleteNexthop: return true
            default: return false
            }
        }
    }

    /// Sends `operations` phase by phase; a phase with a failure stops the phases after it, so
    /// nothing is deleted after a failed create. Deletes of objects that are already gone (the
    /// kernel removes nexthops on carrier loss) are not failures.
    public func apply(_ operations: [KernelOperation]) throws(NetlinkError) -> (sent: [KernelOperation], failures: [OperationFailure]) {
        // Diffs come in phase order already; anything else is put in order (stable).
        var ops = operations
        if zip(ops, ops.dropFirst()).contains(where: { $0.phase > $1.phase }) {
            ops = ops.enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }.map(\.element)
        }
        var failures: [OperationFailure] = []
        var start = 0
        while start < ops.count {
            let phase = ops[start].phase
            var end = start + 1
            while end < ops.count && ops[end].phase == phase { end += 1 }
            let batch = try KernelBatch()
            batch.reserve(requests: end - start)
            for i in start..<end { try batch.add(ops[i]) }
            let refused = try socket.send(batch, perSend: requestsPerSend)
            for f in refused {
                let op = ops[start + f.index]
                if f.errno == ENOENT || f.errno == ESRCH {
                    switch op {
                    case .deleteNexthop, .deleteGroup, .deleteRoute, .deleteRule: continue
                    default: break
                    }
                }
                failures.append(OperationFailure(operation: op, errno: f.errno, kernelMessage: f.extendedMessage))
            }
            start = end
            if !failures.isEmpty { break }
        }
        return (start == ops.count ? ops : Array(ops[..<start]), failures)
    }

    /// One reconcile: dump, diff against `plan`, apply make-before-break, dump again and check.
    /// Lost acks (ENOBUFS) and interrupted dumps lead to a fresh dump and diff, never to guesses.
    public func reconcile(plan: Plan, policy: Policy, interfaces: [String: Int32], dryRun: Bool) throws(NetlinkError) -> ReconcileReport {
        let tables = Set(policy.classes.map(\.table))
        var notes: [String] = []
        if let wanted = policy.ownership.nexthopCompatMode, let current = NexthopCompatMode.read(), wanted != current {
            let change = "net.ipv4.nexthop_compat_mode \(current ? 1 : 0) → \(wanted ? 1 : 0) (policy ownership.nexthop_compat_mode)"
            if dryRun {
                notes.append("would set " + change)
            } else {
                try NexthopCompatMode.write(wanted)
                notes.append("set " + change)
                logger.notice("changed sysctl", metadata: ["sysctl": "net.ipv4.nexthop_compat_mode", "value": "\(wanted ? 1 : 0)"])
            }
        }
        var redumps = 0
        var lastError: NetlinkError?
        let clock = ContinuousClock()
        for _ in 0..<4 {
            let diffStart = clock.now
            let kernel = try read(tables: tables)
            redumps += kernel.dumpRestarts
            let desired = DesiredState.build(plan: plan, policy: policy, interfaces: interfaces, features: features, kernel: kernel)
            let diff = reconciler.diff(desired: desired, kernel: kernel)
            let wantedMarks = desired.marks
            let haveMarks = (features.dscpRules && wantedMarks.isEmpty) ? [] : DSCPMarking.installed()
            if dryRun {
                let remaining = diff.operations
                if wantedMarks != haveMarks { notes.append("nftables table inet tectl: would mark DSCP \(wantedMarks.sorted().map { "\($0.family == .ipv4 ? "ip" : "ip6") \($0.dscp)" }.joined(separator: ", "))") }
                return ReconcileReport(features: features, operations: diff.operations, failures: [], conflicts: diff.conflicts, remaining: remaining, notes: notes, redumps: redumps, dryRun: true, applySeconds: 0)
            }
            if wantedMarks != haveMarks {
                // Marks before the rules that match them.
                try DSCPMarking.apply(wantedMarks)
                notes.append("nftables table inet tectl now marks DSCP \(wantedMarks.sorted().map { "\($0.family == .ipv4 ? "ip" : "ip6") \($0.dscp)" }.joined(separator: ", "))")
            }
            let diffTime = (clock.now - diffStart).seconds
            let start = clock.now
            let outcome: (sent: [KernelOperation], failures: [OperationFailure])
            do {
                outcome = try apply(diff.operations)
            } catch where error.errno == ENOBUFS {
                logger.warning("acks lost (ENOBUFS); dumping again", metadata: ["requests_per_send": "\(requestsPerSend)"])
                requestsPerSend = max(8, requestsPerSend / 2)
                lastError = error
                redumps += 1
                continue
            }
            let elapsed = clock.now - start
            let verifyStart = clock.now
            // Every request is acked and each ack was checked. With no failure and no group or
            // nexthop deleted, the routes are exactly what the acks confirmed: they are not
            // dumped again (100,000 routes take ~0.3 s to dump and diff); nexthops, groups and
            // rules are dumped and diffed against the same desired state. Otherwise everything
            // is dumped again and diffed against a desired state built from the new dump.
            let check: KernelDiff
            let restarts: Int
            if outcome.failures.isEmpty && Self.routesConfirmedByAcks(outcome.sent) {
                let after = try read(tables: tables, routes: false)
                var partial = reconciler.diff(desired: desired, kernel: after, routes: false)
                partial.conflicts += diff.routeConflicts
                check = partial
                restarts = after.dumpRestarts
            } else {
                let after = try read(tables: tables)
                check = reconciler.diff(
                    desired: DesiredState.build(plan: plan, policy: policy, interfaces: interfaces, features: features, kernel: after),
                    kernel: after
                )
                restarts = after.dumpRestarts
            }
            return ReconcileReport(
                features: features, operations: outcome.sent, failures: outcome.failures, conflicts: check.conflicts,
                remaining: check.operations, notes: notes, redumps: redumps + restarts, dryRun: false,
                applySeconds: elapsed.seconds, diffSeconds: diffTime, verifySeconds: (clock.now - verifyStart).seconds
            )
        }
        throw lastError ?? NetlinkError(operation: "reconcile", message: "the kernel state kept changing")
    }

    /// Removes everything of the ownership's protocol. Idempotent: a second flush sends nothing.
    public func flush() throws(NetlinkError) -> (removed: [KernelOperation], failures: [OperationFailure]) {
        let kernel = try read(includingProbes: true)
        let ops = reconciler.flush(kernel: kernel)
        let result = try apply(ops)
        if !DSCPMarking.installed().isEmpty { try DSCPMarking.apply([]) }
        return (result.sent, result.failures)
    }
}
