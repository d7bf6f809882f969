import TECore

/// Diffs a desired state against what the kernel has and orders the smallest set of requests
/// make-before-break. Pure: no I/O, so every ordering rule is tested without root.
public struct Reconciler: Sendable {
    public var protocolNumber: UInt8

    public init(protocolNumber: UInt8) {
        self.protocolNumber = protocolNumber
    }

    /// The requests that turn `kernel` into `desired`, and the objects tectl must leave alone.
    /// `routes: false` leaves routes out (nothing about them is requested or reported): the
    /// verification after a reconcile whose route requests were all acked.
    public func diff(desired: DesiredState, kernel: KernelState, routes: Bool = true) -> KernelDiff {
        var ops: [KernelOperation] = []
        var conflicts: [String] = []
        for id in desired.nexthops.keys.sorted() {
            guard let want = desired.nexthops[id] else { continue }
            if let have = kernel.nexthops[id] {
                if have.protocolNumber != protocolNumber {
                    conflicts.append("nexthop id \(id) exists with protocol \(have.protocolNumber), not \(protocolNumber): left alone, next-hop \(want.gateway.map { "\($0)" } ?? "-") not installed")
                } else if !have.sameObject(as: want) {
                    ops.append(.replaceNexthop(want))
                }
            } else if let g = kernel.groups[id] {
                conflicts.append("nexthop id \(id) is a group (protocol \(g.protocolNumber)): left alone")
            } else {
                ops.append(.createNexthop(want))
            }
        }
        for id in desired.groups.keys.sorted() {
            guard let want = desired.groups[id] else { continue }
            if let have = kernel.groups[id] {
                if have.protocolNumber != protocolNumber {
                    conflicts.append("nexthop group id \(id) exists with protocol \(have.protocolNumber), not \(protocolNumber): left alone")
                } else if have != want {
                    ops.append(.replaceGroup(want))
                }
            } else if let n = kernel.nexthops[id] {
                conflicts.append("nexthop id \(id) exists as a single nexthop (protocol \(n.protocolNumber)): group not installed")
            } else {
                ops.append(.createGroup(want))
            }
        }
        var routeConflicts: [String] = []
        // Owned kernel routes (not kept) that a desired route matched: when that is all of
        // them, none is stale and no key set is needed.
        var matchedOwned = 0
        if routes {
            if kernel.routes.isEmpty {
                // The first run into empty tables: every route is new (no lookups).
                ops.reserveCapacity(ops.count + desired.routeList.count)
                for want in desired.routeList { ops.append(.createRoute(want)) }
            } else {
                for want in desired.routeList {
                    if let have = kernel.routes[want.key] {
                        if have.protocolNumber != protocolNumber {
                            routeConflicts.append("route \(want.key) exists with protocol \(have.protocolNumber), not \(protocolNumber): left alone")
                        } else {
                            if desired.keptRoutes.isEmpty || !desired.keptRoutes.contains(want.key) { matchedOwned += 1 }
                            if have.target != want.target { ops.append(.replaceRoute(want)) }
                        }
                    } else {
                        ops.append(.createRoute(want))
                    }
                }
            }
            conflicts += routeConflicts
        }
        let haveRules = Set(kernel.rules.filter { $0.protocolNumber == protocolNumber })
        for rule in desired.rules.subtracting(haveRules).sorted() { ops.append(.addRule(rule)) }
        for rule in haveRules.subtracting(desired.rules).sorted() { ops.append(.deleteRule(rule)) }

        if routes {
            var stale: [RouteObject] = []
            let ownedUnkept = kernel.routes.isEmpty ? 0 : kernel.routes.reduce(0) { n, entry in
                entry.value.protocolNumber == protocolNumber && (desired.keptRoutes.isEmpty || !desired.keptRoutes.contains(entry.key)) ? n + 1 : n
            }
            if ownedUnkept > matchedOwned {
                let wanted = desired.routeKeys
                for (key, r) in kernel.routes where r.protocolNumber == protocolNumber && !wanted.contains(key) && !desired.keptRoutes.contains(key) {
                    stale.append(r)
                }
            }
            ops += stale.sorted { $0.key < $1.key }.map { .deleteRoute($0) }
        }
        var keptMembers = Set<UInt32>()
        for id in desired.keptGroups { for m in kernel.groups[id]?.members ?? [] { keptMembers.insert(m.id) } }
        for id in kernel.groups.keys.sorted() where desired.groups[id] == nil && !desired.keptGroups.contains(id) {
            if let g = kernel.groups[id], g.protocolNumber == protocolNumber { ops.append(.deleteGroup(g)) }
        }
        for id in kernel.nexthops.keys.sorted() where desired.nexthops[id] == nil && !keptMembers.contains(id) {
            if let n = kernel.nexthops[id], n.protocolNumber == protocolNumber { ops.append(.deleteNexthop(n)) }
        }
        // Appended phase by phase above: already in make-before-break order.
        var diff = KernelDiff(operations: ops, conflicts: conflicts + desired.problems)
        diff.routeConflicts = routeConflicts
        return diff
    }

    /// Requests that remove everything of `protocolNumber` (rules, routes, groups, nexthops).
    public func flush(kernel: KernelState) -> [KernelOperation] {
        let ours = kernel.owned(by: protocolNumber)
        var ops: [KernelOperation] = ours.rules.map { .deleteRule($0) }
        ops += ours.routes.keys.sorted().compactMap { ours.routes[$0].map { .deleteRoute($0) } }
        ops += ours.groups.keys.sorted().compactMap { ours.groups[$0].map { .deleteGroup($0) } }
        ops += ours.nexthops.keys.sorted().compactMap { ours.nexthops[$0].map { .deleteNexthop($0) } }
        return ops
    }
}

/// The result of a diff: ordered requests, and what cannot be done without touching objects
/// tectl does not own.
public struct KernelDiff: Sendable, Equatable {
    public var operations: [KernelOperation]
    public var conflicts: [String]
    /// The part of `conflicts` about routes (foreign routes at keys of the plan).
    var routeConflicts: [String] = []

    public init(operations: [KernelOperation] = [], conflicts: [String] = []) {
        self.operations = operations
        self.conflicts = conflicts
    }

    /// The kernel already matches.
    public var isEmpty: Bool { operations.isEmpty && conflicts.isEmpty }

    public static func == (a: KernelDiff, b: KernelDiff) -> Bool { a.operations == b.operations && a.conflicts == b.conflicts }
}
