import TECore

/// The demo topology of `tectl lab`: a host namespace with N uplinks (veth pairs) to a router
/// namespace that answers for the destinations. Documentation addresses only:
/// - uplink i (1-based): 198.51.100.(4i−4)/30, router .4i−3, host .4i−2; 2001:db8:0:i::/64, router ::1, host ::2
/// - destinations: 203.0.113.0/24 and 2001:db8:ff::/64, local to the router (it answers every address).
public struct LabTopology: Sendable, Equatable {
    public var uplinks: Int
    /// Namespace name prefix: `<prefix>-host`, `<prefix>-router`.
    public var prefix: String

    public static let maxUplinks = 63

    public init(uplinks: Int, prefix: String = "tectl-lab") {
        self.uplinks = uplinks
        self.prefix = prefix
    }

    public var hostNamespace: String { "\(prefix)-host" }
    public var routerNamespace: String { "\(prefix)-router" }
    /// The host side of uplink `i` (what the policy's `dev:` names).
    public func hostDevice(_ i: Int) -> String { "up\(i)" }
    /// The router side of uplink `i`: set it down to "pull the cable".
    public func routerDevice(_ i: Int) -> String { "rt\(i)" }
    public func routerAddress(_ i: Int) -> String { "198.51.100.\(4 * i - 3)" }
    public func hostAddress(_ i: Int) -> String { "198.51.100.\(4 * i - 2)" }
    public func routerAddress6(_ i: Int) -> String { "2001:db8:0:\(i)::1" }
    public func hostAddress6(_ i: Int) -> String { "2001:db8:0:\(i)::2" }
    public static let destinations = "203.0.113.0/24"
    public static let destinations6 = "2001:db8:ff::/64"

    /// The `ip` commands that build the topology, in order.
    public func upCommands() -> [[String]] {
        let h = hostNamespace, r = routerNamespace
        var cmds: [[String]] = [
            ["ip", "netns", "add", h], ["ip", "netns", "add", r],
            ["ip", "-n", h, "link", "set", "lo", "up"], ["ip", "-n", r, "link", "set", "lo", "up"],
            ["ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
            ["ip", "netns", "exec", h, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=1"],
            ["ip", "netns", "exec", h, "sysctl", "-qw", "net.ipv6.fib_multipath_hash_policy=1"],
        ]
        for i in 1...uplinks {
            let hd = hostDevice(i), rd = routerDevice(i)
            cmds += [
                ["ip", "-n", h, "link", "add", hd, "type", "veth", "peer", "name", rd, "netns", r],
                ["ip", "-n", h, "addr", "add", "\(hostAddress(i))/30", "dev", hd],
                ["ip", "-n", r, "addr", "add", "\(routerAddress(i))/30", "dev", rd],
                ["ip", "-n", h, "addr", "add", "\(hostAddress6(i))/64", "dev", hd, "nodad"],
                ["ip", "-n", r, "addr", "add", "\(routerAddress6(i))/64", "dev", rd, "nodad"],
                ["ip", "-n", h, "link", "set", hd, "up"],
                ["ip", "-n", r, "link", "set", rd, "up"],
            ]
        }
        cmds += [
            ["ip", "-n", r, "route", "add", "local", Self.destinations, "dev", "lo"],
            ["ip", "-n", r, "-6", "route", "add", "local", Self.destinations6, "dev", "lo"],
        ]
        return cmds
    }

    /// The commands that remove it (deleting the namespaces deletes their links).
    public func downCommands() -> [[String]] {
        [["ip", "netns", "del", hostNamespace], ["ip", "netns", "del", routerNamespace]]
    }

    /// Builds the topology; on a failure, removes what was built and rethrows.
    public func up() throws(LabError) {
        precondition((1...Self.maxUplinks).contains(uplinks), "uplinks out of range")
        do {
            for cmd in upCommands() { try Lab.command(cmd) }
        } catch {
            down()
            throw error
        }
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
            y += "  - {name: up\(i), via: \(routerAddress(i)), dev: \(hostDevice(i)), capacity: 1G}\n"
        }
        for i in 1...uplinks {
            y += "  - {name: up\(i)v6, via: \"\(routerAddress6(i))\", dev: \(hostDevice(i)), capacity: 1G}\n"
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
