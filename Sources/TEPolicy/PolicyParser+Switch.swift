import TECore
import Yams

/// `frr:` and `sonic:`: the switch-configuration sections read by `tectl emit`.
/// docs/policy.md ("Switch configuration") documents the same keys; keep the two in step.
extension PolicyParser {
    static let switchKeys = ["frr", "sonic"]
    static let frrKeys = ["form", "name_prefix", "maximum_paths", "originate", "receiver", "devices", "neighbors", "static"]
    static let frrReceiverKeys = ["name", "asn", "router_id", "missing_bandwidth"]
    static let frrDeviceKeys = ["name", "asn", "router_id"]
    static let frrNeighborKeys = ["nexthop", "device", "address", "remote_as", "route_map"]
    static let frrStaticKeys = ["device", "interfaces"]
    static let sonicKeys = ["group_size", "devices", "vrfs"]
    static let sonicDeviceKeys = ["name", "ports"]

    /// Largest `maximum-paths` FRR 8.4 accepts.
    static let frrMaximumPaths = 256

    func parseSwitchSections(_ top: Fields, nexthops: [NextHop], classes: [TrafficClass], routes: [RouteEntry]) {
        if let n = top["frr"] {
            extensions.frr = parseFRR(n, path: "frr", nexthops: nexthops, routes: routes)
        }
        if let n = top["sonic"] {
            extensions.sonic = parseSONiC(n, path: "sonic", nexthops: nexthops, classes: classes)
        }
    }

    // MARK: frr

    func parseFRR(_ node: Node, path: String, nexthops: [NextHop], routes: [RouteEntry]) -> FRRSettings? {
        guard let f = reader.mapping(node, path: path, allowed: Self.frrKeys) else { return nil }
        var s = FRRSettings()
        var ok = true
        if let n = f["form"], let v = reader.string(n, path: f.path("form")) {
            if let form = FRRSettings.Form(rawValue: v) {
                s.form = form
            } else {
                unknownValue(n, path: f.path("form"), value: v, what: "form", allowed: FRRSettings.Form.allCases.map(\.rawValue))
                ok = false
            }
        }
        if let n = f["name_prefix"], let v = reader.string(n, path: f.path("name_prefix")) {
            if isFRRName(v) { s.namePrefix = v } else { badName(n, path: f.path("name_prefix"), value: v); ok = false }
        }
        if let n = f["maximum_paths"], let v = reader.int(n, path: f.path("maximum_paths"), range: 1...Self.frrMaximumPaths) { s.maximumPaths = v }
        if let n = f["originate"], let v = reader.bool(n, path: f.path("originate")) { s.originate = v }
        if let n = f["receiver"] {
            s.receiver = parseFRRReceiver(n, path: f.path("receiver"))
            if s.receiver == nil { ok = false }
        }
        if let n = f["devices"], let items = reader.sequence(n, path: f.path("devices")) {
            var seen: [String: String] = [:]
            for (i, item) in items.enumerated() {
                let p = "\(f.path("devices"))[\(i)]"
                guard let d = parseFRRDevice(item, path: p) else { ok = false; continue }
                if let earlier = seen[d.name] {
                    reader.error(item, "\(p).name: duplicate device name \"\(d.name)\" (first defined at \(earlier))")
                    ok = false
                }
                if d.name == s.receiver?.name {
                    reader.error(item, "\(p).name: \"\(d.name)\" is the receiver; a device sends to the receiver, it is not the receiver")
                    ok = false
                }
                seen[d.name] = p
                s.devices.append(d)
            }
        }
        let nexthopByName = Dictionary(nexthops.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if let n = f["neighbors"], let items = reader.sequence(n, path: f.path("neighbors")) {
            var served: [String: String] = [:]
            var sessions: [String: String] = [:]
            for (i, item) in items.enumerated() {
                let p = "\(f.path("neighbors"))[\(i)]"
                guard let nb = parseFRRNeighbor(item, path: p, settings: s, nexthops: nexthopByName) else { ok = false; continue }
                if let earlier = served[nb.nexthop] {
                    reader.error(item, "\(p).nexthop: next-hop \"\(nb.nexthop)\" is already served by \(earlier)")
                    ok = false
                }
                let session = "\(nb.device) \(nb.address)"
                if let earlier = sessions[session] {
                    reader.error(item, "\(p).address: device \"\(nb.device)\" already has a session to \(nb.address) (\(earlier))")
                    ok = false
                }
                served[nb.nexthop] = p
                sessions[session] = p
                s.neighbors.append(nb)
            }
        }
        if let n = f["static"] {
            s.staticForm = parseFRRStatic(n, path: f.path("static"), receiver: s.receiver)
            if s.staticForm == nil { ok = false }
        }
        guard ok else { return nil }

        switch s.form {
        case .bgp:
            if s.devices.isEmpty {
                reader.error(node, "\(path): the bgp form needs \"devices\" (the routers that send the routes) and \"neighbors\"")
                return nil
            }
            // Every next-hop a route uses must be served by a session, or its weight cannot be carried.
            let servedNames = Set(s.neighbors.map(\.nexthop))
            var missing: [String] = []
            for route in routes {
                for name in route.nexthops where !servedNames.contains(name) && !missing.contains(name) { missing.append(name) }
            }
            if !missing.isEmpty {
                reader.error(f["neighbors"] ?? node, "\(path).neighbors: no session serves next-hop\(missing.count == 1 ? "" : "s") \(missing.map { "\"\($0)\"" }.joined(separator: ", ")), used by routes; add {nexthop: NAME, address: ADDRESS} entries")
                return nil
            }
        case .static:
            if s.staticForm == nil {
                reader.error(node, "\(path): the static form needs \"static: {interfaces: [...]}\" (where the pbr-policy applies)")
                return nil
            }
        }
        return s
    }

    func parseFRRReceiver(_ node: Node, path: String) -> FRRSettings.Receiver? {
        guard let f = reader.mapping(node, path: path, allowed: Self.frrReceiverKeys, required: ["name", "asn"]) else { return nil }
        let name = f["name"].flatMap { deviceName($0, path: f.path("name")) }
        let asn = f["asn"].flatMap { reader.int($0, path: f.path("asn"), range: 1...Int(UInt32.max)) }
        let routerID = f["router_id"].flatMap { routerIDValue($0, path: f.path("router_id")) }
        var missing: FRRSettings.MissingBandwidth?
        if let n = f["missing_bandwidth"], let v = reader.string(n, path: f.path("missing_bandwidth")) {
            missing = FRRSettings.MissingBandwidth(rawValue: v)
            if missing == nil {
                unknownValue(n, path: f.path("missing_bandwidth"), value: v, what: "mode", allowed: FRRSettings.MissingBandwidth.allCases.map(\.rawValue))
                return nil
            }
        }
        guard let name, let asn, f["router_id"] == nil || routerID != nil else { return nil }
        return FRRSettings.Receiver(name: name, asn: UInt32(asn), routerID: routerID, missingBandwidth: missing)
    }

    func parseFRRDevice(_ node: Node, path: String) -> FRRSettings.Device? {
        guard let f = reader.mapping(node, path: path, allowed: Self.frrDeviceKeys, required: ["name", "asn"]) else { return nil }
        let name = f["name"].flatMap { deviceName($0, path: f.path("name")) }
        let asn = f["asn"].flatMap { reader.int($0, path: f.path("asn"), range: 1...Int(UInt32.max)) }
        let routerID = f["router_id"].flatMap { routerIDValue($0, path: f.path("router_id")) }
        guard let name, let asn, f["router_id"] == nil || routerID != nil else { return nil }
        return FRRSettings.Device(name: name, asn: UInt32(asn), routerID: routerID)
    }

    func parseFRRNeighbor(_ node: Node, path: String, settings: FRRSettings, nexthops: [String: NextHop]) -> FRRSettings.Neighbor? {
        guard let f = reader.mapping(node, path: path, allowed: Self.frrNeighborKeys, required: ["nexthop", "address"]) else { return nil }
        var ok = true
        var nexthop: NextHop?
        if let n = f["nexthop"], let v = reader.string(n, path: f.path("nexthop")) {
            nexthop = nexthops[v]
            if nexthop == nil {
                var message = "\(f.path("nexthop")): undefined next-hop \"\(v)\""
                if let g = closest(to: v, in: nexthops.keys.sorted()) { message += "; did you mean \"\(g)\"?" }
                reader.error(n, message)
                ok = false
            }
        }
        var device: String?
        let deviceNames = settings.devices.map(\.name)
        if let n = f["device"] {
            if let v = reader.string(n, path: f.path("device")) {
                if deviceNames.contains(v) {
                    device = v
                } else {
                    var message = "\(f.path("device")): undefined device \"\(v)\" (frr.devices lists: \(deviceNames.isEmpty ? "none" : deviceNames.joined(separator: ", ")))"
                    if let g = closest(to: v, in: deviceNames) { message += "; did you mean \"\(g)\"?" }
                    reader.error(n, message)
                    ok = false
                }
            } else {
                ok = false
            }
        } else if deviceNames.count == 1 {
            device = deviceNames[0]
        } else if !deviceNames.isEmpty {
            reader.error(node, "\(path): missing \"device\" (frr.devices lists \(deviceNames.count): \(deviceNames.joined(separator: ", ")))")
            ok = false
        } else {
            reader.error(node, "\(path): no device sends on this session; list the sending routers in frr.devices")
            ok = false
        }
        var address: IPAddress?
        if let n = f["address"], let v = reader.string(n, path: f.path("address")) {
            address = IPAddress(v)
            if address == nil {
                reader.error(n, "\(f.path("address")): \"\(v)\" is not an IP address (e.g. 198.51.100.2, 2001:db8::2)")
                ok = false
            } else if let a = address, let nh = nexthop, a.family != nh.via.family {
                reader.error(n, "\(f.path("address")): \(a) is \(a.family == .ipv4 ? "IPv4" : "IPv6") but next-hop \"\(nh.name)\" is \(nh.via.family == .ipv4 ? "IPv4" : "IPv6") (via \(nh.via))")
                ok = false
            }
        }
        var remoteAS = settings.receiver?.asn
        if let n = f["remote_as"] {
            if let v = reader.int(n, path: f.path("remote_as"), range: 1...Int(UInt32.max)) { remoteAS = UInt32(v) } else { ok = false }
        } else if remoteAS == nil {
            reader.error(node, "\(path): missing \"remote_as\" (or give frr.receiver.asn)")
            ok = false
        }
        var routeMap: String?
        if let n = f["route_map"] {
            if let v = reader.string(n, path: f.path("route_map")) {
                if isFRRName(v) { routeMap = v } else { badName(n, path: f.path("route_map"), value: v); ok = false }
            } else {
                ok = false
            }
        } else if let nh = nexthop {
            routeMap = "\(settings.namePrefix)-OUT-\(sanitized(nh.name))"
        }
        guard ok, let nexthop, let device, let address, let remoteAS, let routeMap else { return nil }
        return FRRSettings.Neighbor(nexthop: nexthop.name, device: device, address: address, remoteAS: remoteAS, routeMap: routeMap)
    }

    func parseFRRStatic(_ node: Node, path: String, receiver: FRRSettings.Receiver?) -> FRRSettings.Static? {
        guard let f = reader.mapping(node, path: path, allowed: Self.frrStaticKeys, required: ["interfaces"]) else { return nil }
        var device = receiver?.name ?? "tectl"
        if let n = f["device"] {
            guard let v = deviceName(n, path: f.path("device")) else { return nil }
            device = v
        }
        var interfaces: [String] = []
        if let n = f["interfaces"], let items = reader.scalarList(n, path: f.path("interfaces")) {
            if items.isEmpty { reader.error(n, "\(f.path("interfaces")): must list at least one interface") }
            for (i, item) in items.enumerated() {
                guard let v = reader.string(item, path: "\(f.path("interfaces"))[\(i)]") else { continue }
                if v.count > 15 || v.contains(where: { $0 == "/" || $0 == " " }) {
                    reader.error(item, "\(f.path("interfaces"))[\(i)]: \"\(v)\" is not an interface name (at most 15 characters, no \"/\" or spaces)")
                    continue
                }
                interfaces.append(v)
            }
        }
        guard !interfaces.isEmpty else { return nil }
        return FRRSettings.Static(device: device, interfaces: interfaces)
    }

    // MARK: sonic

    func parseSONiC(_ node: Node, path: String, nexthops: [NextHop], classes: [TrafficClass]) -> SONiCSettings? {
        guard let f = reader.mapping(node, path: path, allowed: Self.sonicKeys) else { return nil }
        var s = SONiCSettings()
        var ok = true
        if let n = f["group_size"] {
            if let v = reader.int(n, path: f.path("group_size"), range: 2...65536) { s.groupSize = v } else { ok = false }
        }
        if let n = f["devices"], let items = reader.sequence(n, path: f.path("devices")) {
            if items.isEmpty { reader.error(n, "\(f.path("devices")): must list at least one device"); ok = false }
            var devices: [SONiCSettings.Device] = []
            var seen: [String: String] = [:]
            let nexthopNames = nexthops.map(\.name)
            for (i, item) in items.enumerated() {
                let p = "\(f.path("devices"))[\(i)]"
                guard let d = reader.mapping(item, path: p, allowed: Self.sonicDeviceKeys, required: ["name"]) else { ok = false; continue }
                guard let name = d["name"].flatMap({ deviceName($0, path: d.path("name")) }) else { ok = false; continue }
                if let earlier = seen[name] {
                    reader.error(item, "\(p).name: duplicate device name \"\(name)\" (first defined at \(earlier))")
                    ok = false
                }
                seen[name] = p
                var ports: [String: String] = [:]
                if let pn = d["ports"], let pm = reader.mapping(pn, path: d.path("ports"), allowed: nexthopNames) {
                    for entry in pm.entries {
                        guard let port = reader.string(entry.value, path: pm.path(entry.key)) else { ok = false; continue }
                        if port.contains(",") || port.contains(":") || port.contains(" ") {
                            reader.error(entry.value, "\(pm.path(entry.key)): \"\(port)\" is not a SONiC port name (no \",\", \":\" or spaces)")
                            ok = false
                            continue
                        }
                        ports[entry.key] = port
                    }
                } else if d["ports"] != nil {
                    ok = false
                }
                devices.append(SONiCSettings.Device(name: name, ports: ports))
            }
            if !devices.isEmpty { s.devices = devices }
        }
        if let n = f["vrfs"], let m = reader.mapping(n, path: f.path("vrfs"), allowed: classes.map(\.name)) {
            for entry in m.entries {
                guard let vrf = reader.string(entry.value, path: m.path(entry.key)) else { ok = false; continue }
                // SONiC names VRFs "Vrf..." (vrfmgrd rejects other names).
                guard vrf.hasPrefix("Vrf"), vrf.count <= 15, isFRRName(vrf) else {
                    reader.error(entry.value, "\(m.path(entry.key)): \"\(vrf)\" is not a SONiC VRF name (starts with \"Vrf\", at most 15 characters, e.g. Vrf-\(sanitized(entry.key)))")
                    ok = false
                    continue
                }
                s.vrfs[entry.key] = vrf
            }
        } else if f["vrfs"] != nil {
            ok = false
        }
        return ok ? s : nil
    }

    // MARK: helpers

    /// Names that FRR takes as one word and that are safe in file names.
    func isFRRName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 63 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    func sanitized(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
    }

    func badName(_ node: Node, path: String, value: String) {
        reader.error(node, "\(path): \"\(value)\" is not a valid name (letters, digits, \"-\", \"_\", \".\"; at most 63 characters)")
    }

    /// A device name: used as a file name by `--output DIR`.
    func deviceName(_ node: Node, path: String) -> String? {
        guard let v = reader.string(node, path: path) else { return nil }
        guard isFRRName(v), v != ".", v != ".." else {
            badName(node, path: path, value: v)
            return nil
        }
        return v
    }

    func routerIDValue(_ node: Node, path: String) -> IPAddress? {
        guard let v = reader.string(node, path: path) else { return nil }
        guard let a = IPAddress(v), a.family == .ipv4 else {
            reader.error(node, "\(path): \"\(v)\" is not an IPv4 address (a BGP router-id is written as one, e.g. 198.51.100.254)")
            return nil
        }
        return a
    }

    func unknownValue(_ node: Node, path: String, value: String, what: String, allowed: [String]) {
        var message = "\(path): unknown \(what) \"\(value)\" (one of: \(allowed.joined(separator: ", ")))"
        if let g = closest(to: value, in: allowed) { message += "; did you mean \"\(g)\"?" }
        reader.error(node, message)
    }
}
