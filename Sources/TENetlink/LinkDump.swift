import CNetlink
import Foundation
import TECore

/// Reads the links of the current network namespace through libnl.
public enum LinkDump {
    /// Every link of the namespace, as snapshot records (utilization 0: counters are telemetry's).
    public static func links(socket: NetlinkSocket? = nil) throws(NetlinkError) -> [LinkSample] {
        let sock: NetlinkSocket
        if let socket { sock = socket } else { sock = try NetlinkSocket() }
        var cache: OpaquePointer?
        let rc = rtnl_link_alloc_cache(sock.raw, AF_UNSPEC, &cache)
        guard rc >= 0, let cache else { throw NetlinkError(operation: "dump links", libnlReturn: rc) }
        defer { nl_cache_free(cache) }
        var out: [LinkSample] = []
        var object = nl_cache_get_first(cache)
        while let obj = object {
            let link = obj
            let name = rtnl_link_get_name(link).map { String(cString: $0) } ?? "?"
            let ifindex = rtnl_link_get_ifindex(link)
            let oper = operStateName(rtnl_link_get_operstate(link))
            let carrier = rtnl_link_get_carrier(link) != 0
            out.append(LinkSample(name: name, ifindex: ifindex, operState: oper, carrier: carrier, speedMbps: speedMbps(of: name)))
            object = nl_cache_get_next(obj)
        }
        return out.sorted { $0.ifindex < $1.ifindex }
    }

    /// IF_OPER_* (RFC 2863) as the names `ip link` prints, lower-cased.
    public static func operStateName(_ value: UInt8) -> String {
        switch value {
        case 1: return "notpresent"
        case 2: return "down"
        case 3: return "lowerlayerdown"
        case 4: return "testing"
        case 5: return "dormant"
        case 6: return "up"
        default: return "unknown"
        }
    }

    /// Link speed from sysfs, when the driver reports a positive one.
    static func speedMbps(of name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/sys/class/net/\(name)/speed", encoding: .utf8),
              let v = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), v > 0
        else { return nil }
        return v
    }
}
