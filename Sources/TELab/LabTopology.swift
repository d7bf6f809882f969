import Foundation
import TECore

/// The one host/router topology of tectl's labs: `tectl lab`, the failover benchmark, the kernel
/// tests (`HostLab`) and the end-to-end tests (`DaemonLab`) all build it here. A host namespace
/// with N uplinks (veth pairs `upI` ↔ `rtI`) to a router namespace. Documentation addresses only:
/// - uplink i (1-based): 198.51.100.(4i−4)/30, router .4i−3, host .4i−2; 2001:db8:0:i::/64, router ::1, host ::2
/// - destinations: 203.0.113.0/24 and 2001:db8:ff::/64, local to the router (it answers every address).
///
/// Variants for tests that count packets: `ipv6: false` turns IPv6 off in both namespaces (no
/// neighbour discovery or MLD in the counters); `staticNeighbours` gives the router's devices
/// fixed MACs and the host permanent neighbours for them (no ARP); `answers: false` makes the
/// router a silent sink (no local destinations, no forwarding, so no replies).
public struct LabTopology: Sendable, Equatable {
    public var uplinks: Int
    /// Namespace name prefix: `<prefix>-host`, `<prefix>-router`.
    public var prefix: String
    public var ipv6: Bool
    public var staticNeighbours: Bool
    public var answers: Bool

    public static let maxUplinks = 63

    public init(uplinks: Int, prefix: String = "tectl-lab", ipv6: Bool = true, staticNeighbours: Bool = false, answers: Bool = true) {
        self.uplinks = uplinks
        self.prefix = prefix
        self.ipv6 = ipv6
        self.staticNeighbours = staticNeighbours
        self.answers = answers
    }

    public var hostNamespace: String { "\(prefix)-host" }
    public var routerNamespace: String { "\(prefix)-router" }
    /// The host side of uplink `i` (what the policy's `dev:` names).
    public func hostDevice(_ i: Int) -> String { "up\(i)" }
    /// The router side of uplink `i`: set it down to "pull the cable".
    public func routerDevice(_ i: Int) -> String { "rt\(i)" }
    public static func routerAddress(_ i: Int) -> String { "198.51.100.\(4 * i - 3)" }
    public static func hostAddress(_ i: Int) -> String { "198.51.100.\(4 * i - 2)" }
    public static func routerAddress6(_ i: Int) -> String { "2001:db8:0:\(i)::1" }
    public static func hostAddress6(_ i: Int) -> String { "2001:db8:0:\(i)::2" }
    /// The fixed MAC of the router side of uplink `i` (with `staticNeighbours`).
    public static func routerMAC(_ i: Int) -> String { String(format: "02:00:00:00:01:%02x", i) }
    public static let destinations = "203.0.113.0/24"
    public static let destinations6 = "2001:db8:ff::/64"

    /// The commands that build the topology, in order: the namespaces, then `buildCommands()`.
    public func upCommands() -> [[String]] {
        [["ip", "netns", "add", hostNamespace], ["ip", "netns", "add", routerNamespace]] + buildCommands()
    }

    /// The commands that wire two existing namespaces into the topology, in order. `build()`
    /// sends each namespace's consecutive `ip -n NS ...` commands as one `ip -batch`.
    public func buildCommands() -> [[String]] {
        let h = hostNamespace, r = routerNamespace
        var cmds: [[String]] = []
        if !ipv6 {
            for ns in [h, r] {
                cmds += [
                    ["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
                    ["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
                ]
            }
        }
        if answers { cmds.append(["ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1"]) }
        cmds.append(["ip", "netns", "exec", h, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=1"])
        if ipv6 { cmds.append(["ip", "netns", "exec", h, "sysctl", "-qw", "net.ipv6.fib_multipath_hash_policy=1"]) }
        // Host: loopback, the veth pairs (their router ends land in the router), addresses, up.
        cmds.append(["ip", "-n", h, "link", "set", "lo", "up"])
        for i in 1...uplinks {
            let hd = hostDevice(i)
            cmds += [
                ["ip", "-n", h, "link", "add", hd, "type", "veth", "peer", "name", routerDevice(i), "netns", r],
                ["ip", "-n", h, "addr", "add", "\(Self.hostAddress(i))/30", "dev", hd],
            ]
            if ipv6 { cmds.append(["ip", "-n", h, "addr", "add", "\(Self.hostAddress6(i))/64", "dev", hd, "nodad"]) }
            cmds.append(["ip", "-n", h, "link", "set", hd, "up"])
        }
        // Router: loopback, its ends of the uplinks, the destinations.
        cmds.append(["ip", "-n", r, "link", "set", "lo", "up"])
        for i in 1...uplinks {
            let rd = routerDevice(i)
            if staticNeighbours { cmds.append(["ip", "-n", r, "link", "set", rd, "address", Self.routerMAC(i)]) }
            cmds.append(["ip", "-n", r, "addr", "add", "\(Self.routerAddress(i))/30", "dev", rd])
            if ipv6 { cmds.append(["ip", "-n", r, "addr", "add", "\(Self.routerAddress6(i))/64", "dev", rd, "nodad"]) }
            cmds.append(["ip", "-n", r, "link", "set", rd, "up"])
        }
        if answers {
            cmds.append(["ip", "-n", r, "route", "add", "local", Self.destinations, "dev", "lo"])
            if ipv6 { cmds.append(["ip", "-n", r, "route", "add", "local", Self.destinations6, "dev", "lo"]) }
        }
        // Host: permanent neighbours for the router's fixed MACs (the devices are up by now).
        if staticNeighbours {
            for i in 1...uplinks {
                let hd = hostDevice(i), mac = Self.routerMAC(i)
                cmds.append(["ip", "-n", h, "neigh", "replace", Self.routerAddress(i), "lladdr", mac, "dev", hd, "nud", "permanent"])
                if ipv6 { cmds.append(["ip", "-n", h, "neigh", "replace", Self.routerAddress6(i), "lladdr", mac, "dev", hd, "nud", "permanent"]) }
            }
        }
        return cmds
    }

    /// The commands that remove it (deleting the namespaces deletes their links).
    public func downCommands() -> [[String]] {
        [["ip", "netns", "del", hostNamespace], ["ip", "netns", "del", routerNamespace]]
    }

    /// Builds the topology; on a failure, removes what was built and rethrows.
    public func up() throws(LabError) {
        do {
            for ns in [hostNamespace, routerNamespace] { try Lab.command(["ip", "netns", "add", ns]) }
            try build()
        } catch {
            down()
            throw error
        }
    }

    /// Wires the two namespaces, which must exist.
    public func build() throws(LabError) {
        precondition((1...Self.maxUplinks).contains(uplinks), "uplinks out of range")
        var pending: (namespace: String, lines: [String])?
        func flush() throws(LabError) {
            guard let p = pending else { return }
            pending = nil
            try Lab.command(["ip", "-n", p.namespace, "-batch", "-"], input: p.lines.joined(separator: "\n") + "\n")
        }
        for cmd in buildCommands() {
            if cmd.count > 3, cmd[0] == "ip", cmd[1] == "-n" {
                let line = cmd.dropFirst(3).joined(separator: " ")
                if pending?.namespace == cmd[2] {
                    pending?.lines.append(line)
                } else {
                    try flush()
                    pending = (cmd[2], [line])
                }
            } else {
                try flush()
                try Lab.command(cmd)
            }
        }
        try flush()
    }

    /// Removes the namespaces; missing ones are not an error.
    public func down() {
        for cmd in downCommands() { _ = Lab.execute(cmd) }
    }

    /// Network namespaces that exist now.
    public static func existingNamespaces() throws(LabError) -> Set<String> {
        let out = try Lab.command(["ip", "netns", "list"])
        return Set(out.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    }

    /// A policy (v1 YAML) for the host namespace: one class, IPv4 destinations over a resilient
    /// group of all uplinks, IPv6 destinations over a hash-threshold group.
    public func policyYAML(listen: String = "127.0.0.1:9464") -> String {
        var y = """
            # Written by `tectl lab up --uplinks \(uplinks)`: the lab's host namespace \(hostNamespace).
            version: 1
            control: {interval: 1s, hysteresis: 0.05, min_change_interval: 5s, max_step: 0.25, listen: "\(listen)"}
            ownership: {protocol: 250}
            nexthops:

            """
        for i in 1...uplinks {
            y += "  - {name: up\(i), via: \(Self.routerAddress(i)), dev: \(hostDevice(i)), capacity: 1G}\n"
        }
        for i in 1...uplinks {
            y += "  - {name: up\(i)v6, via: \"\(Self.routerAddress6(i))\", dev: \(hostDevice(i)), capacity: 1G}\n"
        }
        let v4 = (1...uplinks).map { "up\($0)" }.joined(separator: ", ")
        let v6 = (1...uplinks).map { "up\($0)v6" }.joined(separator: ", ")
        y += """
            classes:
              - {name: bulk, priority: 0, dscp: [0], table: 101}
            routes:
              - {prefix: \(Self.destinations), class: bulk, nexthops: [\(v4)], group: {type: resilient, buckets: 128}}
              - {prefix: "\(Self.destinations6)", class: bulk, nexthops: [\(v6)], group: {type: hash-threshold}}

            """
        return y
    }
}
