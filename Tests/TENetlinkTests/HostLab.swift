import Foundation
import TECore
import TELab
@testable import TENetlink

let isRoot = getuid() == 0

/// The lab topology (TELab `LabTopology`) as the kernel tests use it: a host namespace with
/// `uplinks` veth uplinks (`up1`...) whose peers (`rt1`...) sit in a silent sink namespace (no
/// replies in the counters). Uplink k: 198.51.100.(4k-2)/30 via 198.51.100.(4k-3),
/// 2001:db8:0:k::2/64 via 2001:db8:0:k::1, permanent neighbours (no ARP or ND traffic).
final class HostLab: Sendable {
    let network: LabNetwork
    var host: NetworkNamespace { network.host }
    var sink: NetworkNamespace { network.router }
    var uplinks: Int { network.uplinks }

    init(uplinks: Int = 3) throws {
        network = try LabNetwork(uplinks: uplinks, prefix: "tectl-k", staticNeighbours: true, answers: false)
    }

    static func gateway4(_ k: Int) -> String { LabTopology.routerAddress(k) }
    static func gateway6(_ k: Int) -> String { LabTopology.routerAddress6(k) }

    /// Writes a policy file and returns its path.
    func write(_ name: String, _ text: String) throws -> String { try network.write(name, text) }

    /// `tectl ARGS...` inside the host namespace.
    func tectl(_ arguments: String...) -> CommandResult { network.tectl(arguments) }

    /// What the host namespace's kernel has, read over netlink.
    func kernel(tables: Set<UInt32> = [101, 102]) throws -> KernelState {
        try host.perform { try KernelState.read(socket: RouteSocket(), protocolNumber: 250, tables: tables) }
    }

    /// Transmitted packets per uplink.
    func txPackets() throws -> [Int] {
        try (1...uplinks).map { try host.counter("up\($0)", "tx_packets") }
    }

    /// A policy: one next-hop per uplink and family with the given capacities (Gbit/s), classes
    /// train (DSCP 26, table 101) and bulk (DSCP 10, table 102), and the given routes section.
    static func policy(capacities: [Int], routes: String, extraOwnership: String = "") -> String {
        var s = "version: 1\nownership: {protocol: 250\(extraOwnership)}\nnexthops:\n"
        for (i, c) in capacities.enumerated() {
            let k = i + 1
            s += "  - {name: u\(k), via: \(gateway4(k)), dev: up\(k), capacity: \(c)G}\n"
            s += "  - {name: v\(k), via: \"\(gateway6(k))\", dev: up\(k), capacity: \(c)G}\n"
        }
        s += "classes:\n  - {name: train, priority: 0, dscp: [26], table: 101}\n  - {name: bulk, priority: 1, dscp: [10], table: 102}\n"
        return s + "routes:\n" + routes
    }

    static let allRoutes = """
          - {prefix: 203.0.113.0/24, class: train, nexthops: [u1, u2, u3], group: {type: resilient, buckets: 128}}
          - {prefix: 203.0.113.0/24, class: bulk, nexthops: [u1, u2, u3], group: {type: hash-threshold}}
          - {prefixes: ["2001:db8:100::/48"], class: train, nexthops: [v1, v2, v3], group: {type: resilient, buckets: 64}}
          - {prefixes: ["2001:db8:200::/48"], class: bulk, nexthops: [v1, v2, v3], group: {type: multipath}}

        """
}

extension KernelState {
    /// The route of `prefix` in `table`.
    func route(_ prefix: String, table: UInt32) -> RouteObject? {
        // IPv6 routes carry the default metric 1024.
        IPPrefix(prefix).flatMap { routes[RouteKey(table: table, prefix: $0, metric: $0.family == .ipv6 ? 1024 : 0)] }
    }

    /// The group a route points at.
    func group(of route: RouteObject?) -> GroupObject? {
        guard case .nexthop(let id)? = route?.target else { return nil }
        return groups[id]
    }

    /// Gateway → weight of a group's members.
    func weights(of group: GroupObject?) -> [String: Int] {
        var out: [String: Int] = [:]
        for m in group?.members ?? [] {
            if let gw = nexthops[m.id]?.gateway { out[gw.description] = m.weight }
        }
        return out
    }
}
