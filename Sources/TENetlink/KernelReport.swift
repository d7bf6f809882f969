import Foundation
import TECore

/// Text and JSON forms of what `run --once`, `status` and `flush` print.
public enum KernelReport {
    /// `run --once` as text: one line per request (`+` sent, `~` dry run), then the verdict.
    /// More than `routeLines` route requests are summed up in one line per kind instead (a plan
    /// of 100,000 routes would print 100,000 lines); `--format json` always lists each.
    public static func text(_ r: ReconcileReport, routeLines: Int = .max) -> String {
        var out = "# kernel: \(r.features)\n"
        for n in r.notes { out += "# \(n)\n" }
        let mark = r.dryRun ? "~" : "+"
        out += lines(r.operations, prefix: "\(mark) ", routeLines: routeLines)
        for c in r.conflicts { out += "! \(c)\n" }
        if r.dryRun {
            out += r.operations.isEmpty && r.conflicts.isEmpty
                ? "# dry run: the kernel matches the plan; nothing to do\n"
                : "# dry run: \(r.operations.count) request\(r.operations.count == 1 ? "" : "s") would be sent; nothing changed\n"
        } else {
            out += "# \(r.operations.count) request\(r.operations.count == 1 ? "" : "s") sent in \(String(format: "%.1f", r.applySeconds * 1000)) ms"
            out += r.redumps > 0 ? ", \(r.redumps) re-dump\(r.redumps == 1 ? "" : "s")" : ""
            out += r.matches ? "; the kernel matches the plan\n" : "; the kernel does NOT match the plan\n"
            out += lines(r.remaining, prefix: "# still different: ", routeLines: routeLines)
        }
        return out
    }

    /// One line per request; past `routeLines` route requests, one line per kind of route
    /// request where the first route request was.
    static func lines(_ ops: [KernelOperation], prefix: String, routeLines: Int) -> String {
        var counts = (add: 0, replace: 0, delete: 0)
        for op in ops {
            switch op {
            case .createRoute: counts.add += 1
            case .replaceRoute: counts.replace += 1
            case .deleteRoute: counts.delete += 1
            default: continue
            }
        }
        let summarize = counts.add + counts.replace + counts.delete > routeLines
        var out = ""
        var summarized = false
        for op in ops {
            switch op {
            case .createRoute where summarize, .replaceRoute where summarize, .deleteRoute where summarize:
                if summarized { continue }
                summarized = true
                for (n, verb) in [(counts.add, "add"), (counts.replace, "replace"), (counts.delete, "delete")] where n > 0 {
                    out += "\(prefix)\(verb) \(n) route\(n == 1 ? "" : "s") (--verbose lists each)\n"
                }
            default:
                out += "\(prefix)\(op)\n"
            }
        }
        return out
    }

    public static func json(_ r: ReconcileReport) throws -> String {
        let object: [String: Any] = [
            "features": features(r.features),
            "dry_run": r.dryRun,
            "operations": r.operations.map(\.description),
            "failures": r.failures.map(\.description),
            "conflicts": r.conflicts,
            "remaining": r.remaining.map(\.description),
            "notes": r.notes,
            "redumps": r.redumps,
            "apply_seconds": r.applySeconds,
            "diff_seconds": r.diffSeconds,
            "verify_seconds": r.verifySeconds,
            "matches": r.dryRun ? (r.operations.isEmpty && r.conflicts.isEmpty) : r.matches,
        ]
        return try render(object)
    }

    static func features(_ f: KernelFeatures) -> [String: Any] {
        ["nexthop_objects": f.nexthopObjects, "weights_16bit": f.weights16, "dscp_rules": f.dscpRules, "max_group_weight": f.maxGroupWeight]
    }

    /// `status`: what carries the protocol, grouped the way an operator reads it.
    public static func statusText(_ owned: KernelState, protocolNumber: UInt8, interfaces: [Int32: String], diff: KernelDiff?) -> String {
        var out = "# owned by protocol \(protocolNumber): \(owned.nexthops.count) nexthops, \(owned.groups.count) groups, \(owned.routes.count) routes, \(owned.rules.count) rules\n"
        for id in owned.nexthops.keys.sorted() {
            guard var n = owned.nexthops[id] else { continue }
            n.dev = interfaces[n.ifindex]
            out += "nexthop \(KernelOperation.text(n))\n"
        }
        for id in owned.groups.keys.sorted() {
            guard let g = owned.groups[id] else { continue }
            out += "nexthop \(KernelOperation.text(g))\n"
        }
        for (target, keys) in routesByTarget(owned, devices: interfaces) {
            out += "route \(prefixSummary(keys)) \(target) proto \(protocolNumber)\n"
        }
        for r in owned.rules { out += "\(r)\n" }
        if let diff {
            if diff.isEmpty {
                out += "# matches the plan\n"
            } else {
                out += "# does NOT match the plan (\(diff.operations.count) request\(diff.operations.count == 1 ? "" : "s") to go):\n"
                for op in diff.operations { out += "~ \(op)\n" }
                for c in diff.conflicts { out += "! \(c)\n" }
            }
        }
        return out
    }

    public static func statusJSON(_ owned: KernelState, protocolNumber: UInt8, interfaces: [Int32: String], diff: KernelDiff?) throws -> String {
        var object: [String: Any] = [
            "protocol": Int(protocolNumber),
            "nexthops": owned.nexthops.keys.sorted().compactMap { id -> [String: Any]? in
                guard let n = owned.nexthops[id] else { return nil }
                var o: [String: Any] = ["id": Int(n.id), "family": n.family.rawValue, "dev": interfaces[n.ifindex] ?? "", "ifindex": Int(n.ifindex)]
                if let g = n.gateway { o["via"] = g.description }
                if n.blackhole { o["blackhole"] = true }
                return o
            },
            "groups": owned.groups.keys.sorted().compactMap { id -> [String: Any]? in
                guard let g = owned.groups[id] else { return nil }
                var o: [String: Any] = [
                    "id": Int(g.id), "type": g.type.rawValue,
                    "members": g.members.map { ["id": Int($0.id), "weight": $0.weight] },
                ]
                if g.type == .resilient {
                    o["buckets"] = Int(g.buckets)
                    o["idle_timer_s"] = Double(g.idleTimer) / 100
                    o["unbalanced_timer_s"] = Double(g.unbalancedTimer) / 100
                }
                return o
            },
            "routes": owned.routes.keys.sorted().compactMap { key -> [String: Any]? in
                guard let r = owned.routes[key] else { return nil }
                var o: [String: Any] = ["prefix": key.prefixText, "table": Int(key.table)]
                switch r.target {
                case .nexthop(let id): o["nhid"] = Int(id)
                case .paths(let p): o["nexthops"] = p.map { ["via": $0.gateway.description, "dev": interfaces[$0.ifindex] ?? "", "weight": $0.weight] as [String: Any] }
                case .other: o["other"] = true
                }
                return o
            },
            "rules": owned.rules.map { r -> [String: Any] in
                var o: [String: Any] = ["family": r.family.rawValue, "priority": Int(r.priority), "table": Int(r.table)]
                if let d = r.dscp { o["dscp"] = Int(d) }
                if let m = r.fwmark { o["fwmark"] = Int(m); o["fwmask"] = Int(r.fwmask) }
                return o
            },
        ]
        if let diff {
            object["matches"] = diff.isEmpty
            object["diff"] = diff.operations.map(\.description)
            object["conflicts"] = diff.conflicts
        }
        return try render(object)
    }

    /// Routes grouped by where they point, in a stable order.
    static func routesByTarget(_ s: KernelState, devices: [Int32: String]) -> [(String, [RouteKey])] {
        var groups: [String: [RouteKey]] = [:]
        for (key, r) in s.routes { groups["table \(key.table) \(r.target.text(devices: devices))", default: []].append(key) }
        return groups.keys.sorted().map { ($0, (groups[$0] ?? []).sorted()) }
    }

    static func prefixSummary(_ keys: [RouteKey]) -> String {
        if keys.count <= 4 { return keys.map(\.prefixText).joined(separator: " ") }
        return "\(keys[0].prefixText) … \(keys[keys.count - 1].prefixText) (\(keys.count) prefixes)"
    }

    static func render(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
