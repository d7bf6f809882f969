import TECore
import TEPolicy

/// Renders a plan as SONiC APPL_DB `ROUTE_TABLE` entries in the file form `swssconfig` loads
/// (docs/emit.md): a JSON array of `{"ROUTE_TABLE:<prefix>": {fields}, "OP": "SET"}` objects.
///
/// Fields (sonic-swss doc/swss-schema.md): `nexthop`, `ifname` and `weight` as comma lists of
/// equal length. orchagent uses the weights only when there are as many as next-hops (otherwise
/// it silently falls back to plain ECMP), so the lists are always written together.
public enum SONiCRouteRenderer {
    /// One `ROUTE_TABLE` entry.
    public struct Entry: Sendable, Equatable {
        /// `ROUTE_TABLE:<prefix>` or `ROUTE_TABLE:<vrf>:<prefix>`.
        public var key: String
        public var nexthops: [String]
        public var ifnames: [String]
        public var weights: [Int]
    }

    /// The entries for one device, in plan order (route entries, then their prefixes).
    public static func entries(_ plan: Plan, settings: SONiCSettings, device: SONiCSettings.Device, warnings: inout [String]) throws(EmitError) -> [Entry] {
        var out: [Entry] = []
        var seen: [String: Int] = [:]
        for (i, r) in plan.routes.enumerated() {
            if r.status == .kept {
                warnings.append("route \(i) (\(r.prefixes.map(\.description).joined(separator: " "))): kept, not emitted: \(r.reason ?? "no usable next-hop")")
                continue
            }
            let members = r.members
            let weights = WeightQuantizer.quantize(members.map(\.idealShare), maxTotal: settings.groupSize)
            let vrf = settings.vrfs[r.className]
            for p in r.prefixes {
                let key = "ROUTE_TABLE:" + (vrf.map { "\($0):" } ?? "") + p.description
                if let j = seen[key] {
                    throw .unsupported("\(key) is planned by route entries \(j) and \(i) (classes in different tables); map one class to a VRF with sonic.vrfs")
                }
                seen[key] = i
                out.append(Entry(key: key, nexthops: members.map { $0.via.description },
                                 ifnames: members.map { device.ports[$0.name] ?? $0.dev }, weights: weights))
            }
        }
        return out
    }

    /// One file per device (`<device>.json`).
    public static func render(_ plan: Plan, settings: SONiCSettings) throws(EmitError) -> EmitResult {
        var files: [EmittedFile] = []
        var warnings: [String] = []
        for (k, device) in settings.devices.enumerated() {
            var w: [String] = []
            let list = try entries(plan, settings: settings, device: device, warnings: &w)
            if k == 0 { warnings = w }
            files.append(EmittedFile(device: device.name, fileName: "\(device.name).json", contents: json(list)))
        }
        return EmitResult(files: files, warnings: warnings)
    }

    /// The swssconfig JSON text: stable key order, one field per line, so that diffs stay small.
    public static func json(_ entries: [Entry]) -> String {
        guard !entries.isEmpty else { return "[]\n" }
        var out = "[\n"
        for (i, e) in entries.enumerated() {
            out += "    {\n"
            out += "        \(quoted(e.key)): {\n"
            out += "            \"nexthop\": \(quoted(e.nexthops.joined(separator: ","))),\n"
            out += "            \"ifname\": \(quoted(e.ifnames.joined(separator: ","))),\n"
            out += "            \"weight\": \(quoted(e.weights.map(String.init).joined(separator: ",")))\n"
            out += "        },\n"
            out += "        \"OP\": \"SET\"\n"
            out += "    }\(i == entries.count - 1 ? "" : ",")\n"
        }
        return out + "]\n"
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
