import CNetlink
import CNetlinkShim
import Foundation

/// One link's state and 64-bit counters (IFLA_STATS64), read in one netlink dump.
public struct LinkCounters: Sendable, Equatable {
    public var name: String
    public var ifindex: Int32
    /// IF_OPER_* name (`up`, `down`, `lowerlayerdown`, …), as `LinkDump.operStateName`.
    public var operState: String
    public var carrier: Bool
    /// From the ethtool ioctl of the link's own namespace; nil when the driver reports none.
    public var speedMbps: Int?
    public var rxBytes: UInt64
    public var txBytes: UInt64
    public var rxPackets: UInt64
    public var txPackets: UInt64
    public var rxDropped: UInt64
    public var txDropped: UInt64

    public init(
        name: String, ifindex: Int32, operState: String, carrier: Bool, speedMbps: Int? = nil,
        rxBytes: UInt64 = 0, txBytes: UInt64 = 0, rxPackets: UInt64 = 0, txPackets: UInt64 = 0,
        rxDropped: UInt64 = 0, txDropped: UInt64 = 0
    ) {
        self.name = name
        self.ifindex = ifindex
        self.operState = operState
        self.carrier = carrier
        self.speedMbps = speedMbps
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.rxPackets = rxPackets
        self.txPackets = txPackets
        self.rxDropped = rxDropped
        self.txDropped = txDropped
    }
}

extension LinkDump {
    /// Every link of the calling thread's namespace with its counters (one RTM_GETLINK dump).
    /// Blocking: call it from a `NamespaceThread`, not from a task of the shared pool.
    public static func counters(socket: NetlinkSocket? = nil) throws(NetlinkError) -> [LinkCounters] {
        let sock: NetlinkSocket
        if let socket { sock = socket } else { sock = try NetlinkSocket() }
        var cache: OpaquePointer?
        let rc = rtnl_link_alloc_cache(sock.raw, AF_UNSPEC, &cache)
        guard rc >= 0, let cache else { throw NetlinkError(operation: "dump link counters", libnlReturn: rc) }
        defer { nl_cache_free(cache) }
        var out: [LinkCounters] = []
        var object = nl_cache_get_first(cache)
        while let link = object {
            let name = rtnl_link_get_name(link).map { String(cString: $0) } ?? "?"
            out.append(LinkCounters(
                name: name,
                ifindex: rtnl_link_get_ifindex(link),
                operState: operStateName(rtnl_link_get_operstate(link)),
                carrier: rtnl_link_get_carrier(link) != 0,
                speedMbps: ethtoolSpeedMbps(of: name),
                rxBytes: rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES),
                txBytes: rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES),
                rxPackets: rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS),
                txPackets: rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS),
                rxDropped: rtnl_link_get_stat(link, RTNL_LINK_RX_DROPPED),
                txDropped: rtnl_link_get_stat(link, RTNL_LINK_TX_DROPPED)
            ))
            object = nl_cache_get_next(link)
        }
        return out.sorted { $0.ifindex < $1.ifindex }
    }

    /// Link speed from the ethtool ioctl, asked through a socket of the calling thread's
    /// namespace (sysfs would show the namespace that mounted /sys instead).
    public static func ethtoolSpeedMbps(of name: String) -> Int? {
        let v = tectl_tel_link_speed_mbps(name)
        return v > 0 ? Int(v) : nil
    }
}
