import TECore

/// Renders a plan as terse text that reads like `ip route`.
public enum PlanTextRenderer {
    /// Prefixes listed in full on a route line; beyond that the count is shown.
    public static let prefixesShown = 4

    public static func render(_ plan: Plan, protocolNumber: UInt8) -> String {
        var out = "# plan at \(formatRFC3339(plan.timestamp)): \(plan.routes.count) route entr\(plan.routes.count == 1 ? "y" : "ies")\n"
        for w in plan.warnings { out += "# warning: \(w)\n" }
        for route in plan.routes {
            out += routeLine(route, protocolNumber: protocolNumber) + "\n"
            if route.status == .kept {
                out += "\tkept: \(route.reason ?? "no usable next-hop")\n"
            }
            for nh in route.nexthops {
                out += "\t" + nexthopLine(nh) + "\n"
            }
            if route.status == .planned {
                if let d = route.demandBitsPerSecond {
                    out += "\tdemand \(Bandwidth(bitsPerSecond: d)) (\(route.demandBasis ?? "policy"))\n"
                }
                out += "\trounding error \(percent(route.roundingError))\n"
            }
        }
        return out
    }

    static func routeLine(_ r: PlannedRoute, protocolNumber: UInt8) -> String {
        let prefixes: String
        if r.prefixes.count <= prefixesShown {
            prefixes = r.prefixes.map(\.description).joined(separator: " ")
        } else {
            prefixes = "\(r.prefixes[0]) … \(r.prefixes[r.prefixes.count - 1]) (\(r.prefixes.count) prefixes)"
        }
        var line = "\(prefixes) table \(r.table) proto \(protocolNumber) class \(r.className) prio \(r.priority) group \(r.group.type.rawValue)"
        if let b = r.group.buckets { line += " buckets \(b)" }
        if let i = r.group.idleTimerSeconds { line += " idle_timer \(formatCompact(i))s" }
        if let u = r.group.unbalancedTimerSeconds { line += " unbalanced_timer \(formatCompact(u))s" }
        if r.status == .kept { line += " KEPT" }
        return line
    }

    static func nexthopLine(_ nh: PlannedNextHop) -> String {
        var line = "nexthop via \(nh.via) dev \(nh.dev) weight \(nh.weight) share \(percent(nh.share)) ideal \(percent(nh.idealShare))"
        line += " # \(nh.name) \(nh.state)"
        if let c = nh.capacityBitsPerSecond { line += " cap \(Bandwidth(bitsPerSecond: c))" }
        line += " util \(percent(nh.utilization))"
        if let g = nh.gpuUtilization { line += " gpu \(percent(g))" }
        if let l = nh.latencyMilliseconds { line += " rtt \(formatCompact(l))ms" }
        if let p = nh.predictedUtilization { line += " → \(percent(p))\(nh.limitedBy.map { " (\($0))" } ?? "")" }
        return line
    }

    public static func percent(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 10
        return (scaled == scaled.rounded() ? String(Int(scaled)) + ".0" : String(scaled)) + "%"
    }
}
