import CNetlinkShim
import Glibc
import TECore

/// What the kernel really has, read with raw dumps: nexthop objects and groups, routes (those of
/// one protocol plus every route in the given tables), and FIB rules.
public struct KernelState: Sendable, Equatable {
    public var nexthops: [UInt32: NexthopObject]
    public var groups: [UInt32: GroupObject]
    public var routes: [RouteKey: RouteObject]
    public var rules: [RuleObject]
    /// False when the kernel has no nexthop objects (RTM_GETNEXTHOP refused).
    public var hasNexthopObjects: Bool
    /// How often a dump was started again (interrupted, or ENOBUFS).
    public var dumpRestarts: Int

    public init(nexthops: [UInt32: NexthopObject] = [:], groups: [UInt32: GroupObject] = [:], routes: [RouteKey: RouteObject] = [:], rules: [RuleObject] = [], hasNexthopObjects: Bool = true, dumpRestarts: Int = 0) {
        self.nexthops = nexthops
        self.groups = groups
        self.routes = routes
        self.rules = rules
        self.hasNexthopObjects = hasNexthopObjects
        self.dumpRestarts = dumpRestarts
    }

    /// Only what carries `protocolNumber`.
    public func owned(by protocolNumber: UInt8) -> KernelState {
        KernelState(
            nexthops: nexthops.filter { $0.value.protocolNumber == protocolNumber },
            groups: groups.filter { $0.value.protocolNumber == protocolNumber },
            routes: routes.filter { $0.value.protocolNumber == protocolNumber },
            rules: rules.filter { $0.protocolNumber == protocolNumber },
            hasNexthopObjects: hasNexthopObjects, dumpRestarts: dumpRestarts
        )
    }

    /// This state without the feature-probe objects of `protocolNumber` (`probes`).
    public func excluding(_ probes: ProbeObjects, protocolNumber: UInt8) -> KernelState {
        var copy = self
        for id in probes.nexthopIDs {
            if copy.nexthops[id]?.protocolNumber == protocolNumber { copy.nexthops[id] = nil }
            if copy.groups[id]?.protocolNumber == protocolNumber { copy.groups[id] = nil }
        }
        copy.rules.removeAll { $0.protocolNumber == protocolNumber && $0.priority == probes.rulePriority && $0.table == probes.ruleTable }
        return copy
    }

    public var isEmpty: Bool { nexthops.isEmpty && groups.isEmpty && routes.isEmpty && rules.isEmpty }

    /// Dumps the kernel through `socket`: every nexthop, the routes of `protocolNumber` and every
    /// route in `tables` (so foreign routes there are seen and left alone), every rule.
    /// With `routes: false` the route dumps are left out (`routes` stays empty).
    public static func read(socket: RouteSocket, protocolNumber: UInt8, tables: Set<UInt32>, routes: Bool = true) throws(NetlinkError) -> KernelState {
        guard let dump = tectl_dump_new() else { throw NetlinkError(operation: "dump", message: "out of memory") }
        defer { tectl_dump_free(dump) }
        var state = KernelState()
        let nrc = tectl_dump_nexthops(socket.fd, dump)
        if nrc == -EOPNOTSUPP || nrc == -EINVAL || nrc == -ENOENT {
            state.hasNexthopObjects = false
        } else if nrc < 0 {
            throw NetlinkError(operation: "RTM_GETNEXTHOP dump", errno: -nrc, message: errnoText(-nrc))
        }
        let tableList = tables.sorted()
        for family in [AddressFamily.ipv4, .ipv6] {
            let rrc = !routes ? 0 : tableList.withUnsafeBufferPointer { t in
                tectl_dump_routes(socket.fd, dump, family.kernelValue, protocolNumber, t.baseAddress, UInt32(t.count))
            }
            guard rrc >= 0 else { throw NetlinkError(operation: "RTM_GETROUTE dump (\(family.rawValue))", errno: -rrc, message: errnoText(-rrc)) }
            let lrc = tectl_dump_rules(socket.fd, dump, family.kernelValue)
            guard lrc >= 0 else { throw NetlinkError(operation: "RTM_GETRULE dump (\(family.rawValue))", errno: -lrc, message: errnoText(-lrc)) }
        }
        let d = dump.pointee
        state.routes.reserveCapacity(Int(d.route_count))
        for i in 0..<Int(d.nexthop_count) {
            let n = d.nexthops[i]
            if n.is_group != 0 {
                let members = (0..<Int(n.member_count)).map { j -> GroupMember in
                    let m = d.members[Int(n.first_member) + j]
                    return GroupMember(id: m.id, weight: Int(m.weight))
                }
                let type: KernelGroupType = n.group_type == UInt16(TECTL_NH_GRP_TYPE_RES) ? .resilient : .hashThreshold
                state.groups[n.id] = GroupObject(id: n.id, protocolNumber: n.protocol, type: type, members: members, buckets: n.buckets, idleTimer: n.idle_timer, unbalancedTimer: n.unbalanced_timer)
            } else {
                let family: AddressFamily = n.family == 10 ? .ipv6 : .ipv4
                var gw: IPAddress?
                if n.has_gateway != 0 { gw = address(n.gateway, family) }
                state.nexthops[n.id] = NexthopObject(id: n.id, family: family, ifindex: n.oif, gateway: gw, protocolNumber: n.protocol, blackhole: n.blackhole != 0)
            }
        }
        for i in 0..<Int(d.route_count) {
            let r = d.routes[i]
            let family: AddressFamily = r.family == 10 ? .ipv6 : .ipv4
            // Only unicast routes with no TOS selector are tectl's kind of route.
            // Only routes without a TOS selector are tectl's kind of route.
            guard r.tos == 0 else { continue }
            var dst = r.dst
            let key = withUnsafeBytes(of: &dst) { RouteKey(table: r.table, family: family, bytes: $0, length: r.dst_len, metric: r.priority) }
            let target: RouteTarget
            if r.nh_id != 0 {
                target = .nexthop(r.nh_id)
            } else if r.type != 1 {
                target = .other
            } else if r.path_count > 0 {
                target = .paths((0..<Int(r.path_count)).compactMap { j -> RoutePath? in
                    let p = d.paths[Int(r.first_path) + j]
                    guard let gw = address(p.gateway, family) else { return nil }
                    return RoutePath(ifindex: p.oif, gateway: gw, weight: Int(p.weight))
                }.sorted())
            } else if r.has_gateway != 0, let gw = address(r.gateway, family) {
                target = .paths([RoutePath(ifindex: r.oif, gateway: gw, weight: 1)])
            } else {
                target = .other
            }
            state.routes[key] = RouteObject(key: key, protocolNumber: r.protocol, target: target)
        }
        for i in 0..<Int(d.rule_count) {
            let r = d.rules[i]
            state.rules.append(RuleObject(
                family: r.family == 10 ? .ipv6 : .ipv4, priority: r.priority, table: r.table, protocolNumber: r.protocol,
                dscp: r.dscp >= 0 ? UInt8(r.dscp) : nil, fwmark: r.has_mark != 0 ? r.fwmark : nil, fwmask: r.fwmask
            ))
        }
        state.rules.sort()
        state.dumpRestarts = Int(d.restarts)
        return state
    }

    static func address(_ tuple: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8), _ family: AddressFamily) -> IPAddress? {
        var t = tuple
        let bytes = withUnsafeBytes(of: &t) { Array($0.prefix(family.bitLength / 8)) }
        return IPAddress(family: family, bytes: bytes)
    }
}
