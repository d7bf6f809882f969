import CNetlinkShim
import Glibc

/// Listens to link, route, rule and nexthop events of the current namespace (non-blocking).
/// When the kernel drops events because the socket's buffer overflowed (ENOBUFS, which libnl
/// reports as NLE_NOMEM), `poll()` says `.overrun`: what tectl knows is stale and the caller must
/// dump the kernel again; the lost events are never guessed.
public final class KernelEventMonitor {
    public enum Poll: Sendable, Equatable {
        /// This many events were read.
        case events(Int)
        /// Events were lost: dump again.
        case overrun
    }

    let fd: Int32

    /// RTNLGRP_LINK 1, IPV4_ROUTE 7, IPV4_RULE 8, IPV6_ROUTE 11, IPV6_RULE 19, NEXTHOP 32.
    public static let defaultGroups: [UInt32] = [1, 7, 8, 11, 19, 32]

    /// `receiveBuffer` in bytes (0: the system default).
    public init(groups: [UInt32] = KernelEventMonitor.defaultGroups, receiveBuffer: Int = 0) throws(NetlinkError) {
        let rc = groups.withUnsafeBufferPointer { tectl_nl_open_monitor($0.baseAddress, $0.count, Int32(receiveBuffer)) }
        guard rc >= 0 else { throw NetlinkError(operation: "open event monitor", errno: -rc, message: errnoText(-rc)) }
        fd = rc
    }

    deinit { tectl_nl_close(fd) }

    /// Reads what is pending without blocking.
    public func poll() throws(NetlinkError) -> Poll {
        let rc = tectl_nl_drain(fd)
        if rc == -ENOBUFS { return .overrun }
        guard rc >= 0 else { throw NetlinkError(operation: "read events", errno: -rc, message: errnoText(-rc)) }
        return .events(Int(rc))
    }
}
