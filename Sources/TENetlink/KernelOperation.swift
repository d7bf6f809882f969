import TECore

/// One netlink request of a reconcile, in the order it must be applied.
public enum KernelOperation: Sendable, Equatable, CustomStringConvertible {
    case createNexthop(NexthopObject)
    case replaceNexthop(NexthopObject)
    case createGroup(GroupObject)
    case replaceGroup(GroupObject)
    case createRoute(RouteObject)
    case replaceRoute(RouteObject)
    case addRule(RuleObject)
    case deleteRule(RuleObject)
    case deleteRoute(RouteObject)
    case deleteGroup(GroupObject)
    case deleteNexthop(NexthopObject)

    /// Make-before-break order: nexthops, groups, routes, rules are added or replaced first;
    /// stale rules, routes, groups and nexthops are deleted last. Phases are applied one after
    /// another and a failing phase stops the ones after it (nothing is deleted after a failure).
    public var phase: Int {
        switch self {
        case .createNexthop, .replaceNexthop: return 0
        case .createGroup, .replaceGroup: return 1
        case .createRoute, .replaceRoute: return 2
        case .addRule: return 3
        case .deleteRule: return 4
        case .deleteRoute: return 5
        case .deleteGroup: return 6
        case .deleteNexthop: return 7
        }
    }

    /// The request and the object it is about: "RTM_NEWNEXTHOP id 2113929217".
    public var request: String {
        switch self {
        case .createNexthop(let n), .replaceNexthop(let n): return "RTM_NEWNEXTHOP id \(n.id)"
        case .createGroup(let g), .replaceGroup(let g): return "RTM_NEWNEXTHOP id \(g.id)"
        case .deleteGroup(let g): return "RTM_DELNEXTHOP id \(g.id)"
        case .deleteNexthop(let n): return "RTM_DELNEXTHOP id \(n.id)"
        case .createRoute(let r), .replaceRoute(let r): return "RTM_NEWROUTE \(r.key)"
        case .deleteRoute(let r): return "RTM_DELROUTE \(r.key)"
        case .addRule(let r): return "RTM_NEWRULE \(r)"
        case .deleteRule(let r): return "RTM_DELRULE \(r)"
        }
    }

    /// One line like `ip monitor` would print: the change and the object.
    public var description: String {
        switch self {
        case .createNexthop(let n): return "add nexthop \(Self.text(n))"
        case .replaceNexthop(let n): return "replace nexthop \(Self.text(n))"
        case .createGroup(let g): return "add nexthop \(Self.text(g))"
        case .replaceGroup(let g): return "replace nexthop \(Self.text(g))"
        case .deleteGroup(let g): return "delete nexthop id \(g.id) (group)"
        case .deleteNexthop(let n): return "delete nexthop id \(n.id)"
        case .createRoute(let r): return "add route \(Self.text(r))"
        case .replaceRoute(let r): return "replace route \(Self.text(r))"
        case .deleteRoute(let r): return "delete route \(Self.text(r))"
        case .addRule(let r): return "add \(r)"
        case .deleteRule(let r): return "delete \(r)"
        }
    }

    static func text(_ n: NexthopObject) -> String {
        if n.blackhole { return "id \(n.id) blackhole proto \(n.protocolNumber)" }
        return "id \(n.id) via \(n.gateway.map { "\($0)" } ?? "-") dev \(n.dev ?? "#\(n.ifindex)") proto \(n.protocolNumber)"
    }

    static func text(_ g: GroupObject) -> String {
        var s = "id \(g.id) group " + g.members.map { "\($0.id),\($0.weight)" }.joined(separator: "/")
        if g.type == .resilient {
            s += " type resilient buckets \(g.buckets) idle_timer \(Double(g.idleTimer) / 100)s unbalanced_timer \(Double(g.unbalancedTimer) / 100)s"
        }
        return s + " proto \(g.protocolNumber)"
    }

    static func text(_ r: RouteObject) -> String { "\(r.key) \(r.target) proto \(r.protocolNumber)" }
}
