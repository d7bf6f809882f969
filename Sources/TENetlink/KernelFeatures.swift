import CNetlinkShim
import Glibc
import TECore

/// What the running kernel supports, found by trying (never by version number): a refused
/// probe (EINVAL, EOPNOTSUPP...) means "not supported".
public struct KernelFeatures: Sendable, Equatable, CustomStringConvertible {
    /// Nexthop objects and groups (RTM_NEWNEXTHOP, kernel >= 5.3).
    public var nexthopObjects: Bool
    /// 16-bit group weights (`weight_high`, kernel >= 6.12).
    public var weights16: Bool
    /// FIB rules that match a DSCP value (FRA_DSCP, kernel >= 6.13).
    public var dscpRules: Bool

    public init(nexthopObjects: Bool, weights16: Bool, dscpRules: Bool) {
        self.nexthopObjects = nexthopObjects
        self.weights16 = weights16
        self.dscpRules = dscpRules
    }

    /// Largest sum of integer weights tectl plans for a group on this kernel. 8-bit kernels take
    /// 1...256 per member; with 16-bit weights tectl plans totals up to 1024 (four times finer
    /// than 256, and members above 256 when one next-hop dominates) while keeping quantization cheap.
    public var maxGroupWeight: Int { weights16 && nexthopObjects ? 1024 : 256 }

    public var description: String {
        "nexthop objects \(nexthopObjects ? "yes" : "no"), 16-bit weights \(weights16 ? "yes" : "no"), FRA_DSCP rules \(dscpRules ? "yes" : "no")"
    }

    /// Probe ids at the end of the next-hop part of tectl's range.
    static func probeIDs(_ ownership: Ownership) -> (nexthop: UInt32, group: UInt32) {
        (ownership.nexthopIDBase + 0x7FFE, ownership.nexthopIDBase + 0x7FFF)
    }

    /// What `detect` creates and deletes again with `ownership`'s protocol. A running daemon's
    /// owned-object watch leaves these out: `tectl status` or `plan` probing in another process
    /// must not look like someone changing tectl's objects.
    public static func probeObjects(_ ownership: Ownership) -> ProbeObjects {
        let ids = probeIDs(ownership)
        return ProbeObjects(nexthopIDs: min(ids.nexthop, ids.group)...max(ids.nexthop, ids.group), rulePriority: probeRulePriority, ruleTable: probeRuleTable)
    }

    /// Probe rule: an empty table, so that it changes no lookup while it exists.
    static let probeRulePriority: UInt32 = 32_700
    static let probeRuleTable: UInt32 = 0x7EC7_0000

    /// Tries each feature in the current namespace with short-lived objects of `ownership`'s
    /// protocol, and removes them again.
    public static func detect(socket: RouteSocket, ownership: Ownership) throws(NetlinkError) -> KernelFeatures {
        let proto = ownership.protocolNumber
        var features = KernelFeatures(nexthopObjects: false, weights16: false, dscpRules: false)
        guard let dump = tectl_dump_new() else { throw NetlinkError(operation: "probe", message: "out of memory") }
        defer { tectl_dump_free(dump) }
        features.nexthopObjects = tectl_dump_nexthops(socket.fd, dump) >= 0

        if features.nexthopObjects {
            let ids = probeIDs(ownership)
            let hole = NexthopObject(id: ids.nexthop, family: .ipv4, ifindex: 0, gateway: nil, protocolNumber: proto, blackhole: true)
            let group = GroupObject(id: ids.group, protocolNumber: proto, type: .hashThreshold, members: [GroupMember(id: ids.nexthop, weight: 300)])
            let create = try KernelBatch()
            try create.add(.replaceNexthop(hole))
            try create.add(.replaceGroup(group))
            let failures = try socket.send(create)
            // The blackhole probe needs `lo` up; if it cannot be created the answer is unknown
            // and tectl stays with 8-bit weights, which every kernel takes.
            features.weights16 = failures.isEmpty
            let cleanup = try KernelBatch()
            try cleanup.add(.deleteGroup(group))
            try cleanup.add(.deleteNexthop(hole))
            _ = try? socket.send(cleanup)
        }

        let rule = RuleObject(family: .ipv4, priority: probeRulePriority, table: probeRuleTable, protocolNumber: proto, dscp: 63)
        let add = try KernelBatch()
        try add.add(.addRule(rule))
        if try socket.send(add).isEmpty {
            // Kernels without FRA_DSCP ignore the attribute and install a rule for every packet:
            // read it back to tell.
            let rc = tectl_dump_rules(socket.fd, dump, AddressFamily.ipv4.kernelValue)
            if rc >= 0 {
                let d = dump.pointee
                features.dscpRules = (0..<Int(d.rule_count)).contains { i in
                    let r = d.rules[i]
                    return r.priority == probeRulePriority && r.table == probeRuleTable && r.dscp == 63
                }
            }
            let remove = try KernelBatch()
            try remove.add(.deleteRule(rule))
            _ = try? socket.send(remove)
        }
        return features
    }
}

/// The feature-detection probes: nexthop and group ids, and the rule's priority and table.
public struct ProbeObjects: Sendable, Equatable {
    public var nexthopIDs: ClosedRange<UInt32>
    public var rulePriority: UInt32
    public var ruleTable: UInt32

    var shim: tectl_probe_objects {
        tectl_probe_objects(nexthop_first: nexthopIDs.lowerBound, nexthop_last: nexthopIDs.upperBound, rule_priority: rulePriority, rule_table: ruleTable)
    }
}
