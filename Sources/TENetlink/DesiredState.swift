import TECore

/// What the kernel should carry for one plan: tectl's nexthops, groups, routes and rules.
/// Ids follow the documented layout of `ownership.nexthopIDBase` (docs/kernel.md):
/// base+1+i for policy next-hop i, base+0x8000+j (or base+0xC000+j, the second bank used to
/// change a group's type or bucket count make-before-break) for route entry j.
public struct DesiredState: Sendable, Equatable {
    public var nexthops: [UInt32: NexthopObject] = [:]
    public var groups: [UInt32: GroupObject] = [:]
    /// The routes in plan order (the order requests are sent in), each key once.
    public var routeList: [RouteObject] = []
    public var rules: Set<RuleObject> = []
    /// DSCP values that nftables must mark (only when the kernel lacks FRA_DSCP).
    public var marks: Set<DSCPMark> = []
    /// Routes of `kept` entries (no usable next-hop): left exactly as installed.
    public var keptRoutes: Set<RouteKey> = []
    /// Group ids of kept entries: left as installed, with their members.
    public var keptGroups: Set<UInt32> = []
    /// Things of the plan that cannot be installed (a device that vanished), as messages.
    public var problems: [String] = []

    public init() {}

    /// The routes by key (built on each call; the reconcile itself walks `routeList`).
    public var routes: [RouteKey: RouteObject] {
        Dictionary(routeList.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The keys of `routeList` (built on each call: only a diff against a kernel that has routes
    /// needs them).
    public var routeKeys: Set<RouteKey> { Set(routeList.lazy.map(\.key)) }

    /// Id of policy next-hop `index`.
    public static func nexthopID(base: UInt32, index: Int) -> UInt32 { base + 1 + UInt32(index) }
    /// The two ids of route entry `slot`'s group.
    public static func groupIDs(base: UInt32, slot: Int) -> (UInt32, UInt32) {
        (base + 0x8000 + UInt32(slot), base + 0xC000 + UInt32(slot))
    }
    public static let maxNexthops = 0x7FFD
    public static let maxGroups = 0x4000

    /// Builds the desired state. `kernel` (everything dumped) decides which bank a group uses:
    /// the existing id when the group can be replaced in place, the other one when its type or
    /// bucket count changes.
    public static func build(plan: Plan, policy: Policy, interfaces: [String: Int32], features: KernelFeatures, kernel: KernelState) -> DesiredState {
        var out = DesiredState()
        let own = policy.ownership
        let proto = own.protocolNumber
        let prefixCount = plan.routes.reduce(0) { $0 + $1.prefixes.count }
        out.routeList.reserveCapacity(prefixCount)
        // Keys come in ascending order from generated lists: then they are distinct without a
        // hash set. The first key out of order starts the set.
        var seen: Set<RouteKey>?
        var nexthopIndex: [String: Int] = [:]
        for (i, nh) in policy.nexthops.enumerated() { nexthopIndex[nh.name] = i }

        for (slot, route) in plan.routes.enumerated() {
            // IPv6 routes without a metric get 1024 (IP6_RT_PRIO_USER): ask for it, so that the
            // dump matches.
            let metric: UInt32 = route.family == .ipv6 ? 1024 : 0
            let bankIDs = groupIDs(base: own.nexthopIDBase, slot: slot)
            guard slot < maxGroups else {
                out.problems.append("route entry \(slot): more than \(maxGroups) route entries; not installed")
                continue
            }
            guard route.status == .planned else {
                out.keptRoutes.formUnion(route.prefixes.map { RouteKey(table: route.table, prefix: $0, metric: metric) })
                out.keptGroups.formUnion([bankIDs.0, bankIDs.1])
                continue
            }
            // Members that can be installed: positive weight and a device that exists.
            var members: [(id: UInt32, hop: PlannedNextHop, ifindex: Int32)] = []
            for hop in route.members {
                guard let index = nexthopIndex[hop.name], index < maxNexthops else { continue }
                guard let ifindex = interfaces[hop.dev] else {
                    out.problems.append("next-hop \(hop.name): device \(hop.dev) does not exist")
                    continue
                }
                let id = nexthopID(base: own.nexthopIDBase, index: index)
                if let foreign = kernel.nexthops[id].map(\.protocolNumber) ?? kernel.groups[id].map(\.protocolNumber), foreign != proto {
                    out.problems.append("nexthop id \(id) exists with protocol \(foreign), not \(proto): left alone; next-hop \(hop.name) left out of route entry \(slot)")
                    continue
                }
                members.append((id, hop, ifindex))
            }
            guard !members.isEmpty else {
                // Never an empty group: keep what is installed.
                out.keptRoutes.formUnion(route.prefixes.map { RouteKey(table: route.table, prefix: $0, metric: metric) })
                out.keptGroups.formUnion([bankIDs.0, bankIDs.1])
                continue
            }
            let target: RouteTarget
            if route.group.type == .multipath || !features.nexthopObjects {
                var weights = members.map(\.hop.weight)
                if weights.contains(where: { $0 > 256 }) {
                    // RTA_MULTIPATH carries 8-bit weights.
                    weights = WeightQuantizer.quantize(weights.map(Double.init), maxTotal: 256)
                }
                var paths = zip(members, weights).map { m, w in RoutePath(ifindex: m.ifindex, gateway: m.hop.via, weight: w) }.sorted()
                if paths.count == 1 { paths[0].weight = 1 }
                target = .paths(paths)
            } else {
                for m in members {
                    out.nexthops[m.id] = NexthopObject(id: m.id, family: m.hop.via.family, ifindex: m.ifindex, gateway: m.hop.via, protocolNumber: proto, dev: m.hop.dev)
                }
                let type: KernelGroupType = route.group.type == .resilient ? .resilient : .hashThreshold
                var group = GroupObject(
                    id: bankIDs.0, protocolNumber: proto, type: type,
                    members: members.map { GroupMember(id: $0.id, weight: $0.hop.weight) },
                    buckets: route.group.buckets ?? GroupSpec.defaultBuckets,
                    idleTimer: clockTicks(route.group.idleTimerSeconds ?? GroupSpec.defaultIdleTimer.seconds),
                    unbalancedTimer: clockTicks(route.group.unbalancedTimerSeconds ?? GroupSpec.defaultUnbalancedTimer.seconds)
                )
                group.id = chooseBank(group, ids: bankIDs, kernel: kernel, protocolNumber: proto)
                out.groups[group.id] = group
                target = .nexthop(group.id)
            }
            for prefix in route.prefixes {
                let key = RouteKey(table: route.table, prefix: prefix, metric: metric)
                if seen == nil, let last = out.routeList.last?.key, !(last < key) {
                    var keys = Set<RouteKey>(minimumCapacity: prefixCount)
                    for r in out.routeList { keys.insert(r.key) }
                    seen = keys
                }
                if seen == nil || seen?.insert(key).inserted == true {
                    out.routeList.append(RouteObject(key: key, protocolNumber: proto, target: target))
                }
            }
        }

        for (c, cls) in policy.classes.enumerated() {
            let families = Set(plan.routes.filter { $0.className == cls.name }.map(\.family))
            for family in families.sorted(by: { $0.kernelValue < $1.kernelValue }) {
                for dscp in cls.dscp {
                    let priority = own.rulePriorityBase + UInt32(c)
                    if features.dscpRules {
                        out.rules.insert(RuleObject(family: family, priority: priority, table: cls.table, protocolNumber: proto, dscp: dscp))
                    } else {
                        out.rules.insert(RuleObject(family: family, priority: priority, table: cls.table, protocolNumber: proto, fwmark: DSCPMark.mark(for: dscp), fwmask: 0xFFFF_FFFF))
                        out.marks.insert(DSCPMark(family: family, dscp: dscp))
                    }
                }
            }
        }
        return out
    }

    /// Seconds as clock_t (USER_HZ = 100), as the kernel takes resilient-group timers.
    public static func clockTicks(_ seconds: Double) -> UInt32 {
        UInt32(clamping: Int((seconds * 100).rounded()))
    }

    static func chooseBank(_ group: GroupObject, ids: (UInt32, UInt32), kernel: KernelState, protocolNumber: UInt8) -> UInt32 {
        func compatible(_ id: UInt32) -> Bool {
            guard let k = kernel.groups[id], k.protocolNumber == protocolNumber else { return false }
            return k.canBeReplaced(by: group)
        }
        func free(_ id: UInt32) -> Bool { kernel.groups[id] == nil && kernel.nexthops[id] == nil }
        if compatible(ids.0) { return ids.0 }
        if compatible(ids.1) { return ids.1 }
        if free(ids.0) { return ids.0 }
        if free(ids.1) { return ids.1 }
        return ids.0
    }
}
