import TECore

extension KernelState {
    /// The weights tectl's routes carry now, per route entry of `policy` (keyed as
    /// `Damper.key`) and next-hop name: the damping history a restarted daemon starts from.
    ///
    /// A route entry counts when the kernel has its first prefix (in its class's table, with
    /// `protocolNumber`) pointing at a group of that protocol, or at multipath next-hops;
    /// members are named through the policy (nexthop id ↔ next-hop index; a path's gateway and
    /// device). Entries with nothing installed, or with members the policy cannot name, are
    /// left out: those routes are planned from scratch.
    public func installedWeights(policy: Policy, interfaces: [String: Int32]) -> [String: [String: Int]] {
        let own = policy.ownership
        var nameByID: [UInt32: String] = [:]
        for (i, nh) in policy.nexthops.enumerated() where i < DesiredState.maxNexthops {
            nameByID[DesiredState.nexthopID(base: own.nexthopIDBase, index: i)] = nh.name
        }
        var out: [String: [String: Int]] = [:]
        for entry in policy.routes {
            guard let cls = policy.trafficClass(named: entry.className), let first = entry.prefixes.first else { continue }
            let metric: UInt32 = entry.family == .ipv6 ? 1024 : 0
            guard let route = routes[RouteKey(table: cls.table, prefix: first, metric: metric)], route.protocolNumber == own.protocolNumber else { continue }
            var weights: [String: Int] = [:]
            switch route.target {
            case .nexthop(let id):
                guard let group = groups[id], group.protocolNumber == own.protocolNumber else { continue }
                for m in group.members {
                    guard let name = nameByID[m.id], entry.nexthops.contains(name) else { weights = [:]; break }
                    weights[name] = m.weight
                }
            case .paths(let paths):
                for p in paths {
                    let hop = entry.nexthops.compactMap { policy.nexthop(named: $0) }
                        .first { $0.via == p.gateway && interfaces[$0.dev] == p.ifindex }
                    guard let hop else { weights = [:]; break }
                    weights[hop.name] = p.weight
                }
            case .other:
                continue
            }
            guard !weights.isEmpty else { continue }
            out[Damper.key(className: entry.className, prefixes: entry.prefixes)] = weights
        }
        return out
    }
}
