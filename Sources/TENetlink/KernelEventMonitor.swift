import CNetlinkShim
import Foundation
import Glibc
import Synchronization

/// Listens to link, route, rule and nexthop events of the network namespace it was opened in
/// (non-blocking; the socket keeps that namespace whatever thread reads it).
/// When the kernel drops events because the socket's buffer overflowed (ENOBUFS, which libnl
/// reports as NLE_NOMEM), `poll()` says `.overrun`: what tectl knows is stale and the caller must
/// dump the kernel again; the lost events are never guessed.
public final class KernelEventMonitor: Sendable {
    public enum Poll: Sendable, Equatable {
        /// This many events were read.
        case events(Int)
        /// Events were lost: dump again.
        case overrun
    }

    let fd: Int32

    /// RTNLGRP_LINK 1, IPV4_ROUTE 7, IPV4_RULE 8, IPV6_ROUTE 11, IPV6_RULE 19, NEXTHOP 32.
    public static let defaultGroups: [UInt32] = [1, 7, 8, 11, 19, 32]
    /// The groups of the objects tectl programs: routes, rules and nexthops (not links).
    public static let ownedObjectGroups: [UInt32] = [7, 8, 11, 19, 32]

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

    /// What one read of the owned-object notifications found.
    public enum OwnedPoll: Sendable, Equatable {
        /// `count` notifications about objects of the protocol, made by someone else (`byKernel`
        /// of them by the kernel itself: port id 0, e.g. nexthops removed on carrier loss).
        case changed(count: Int, byKernel: Int)
        /// Events were lost (ENOBUFS): dump again.
        case overrun
    }

    /// Reads what is pending without blocking and counts the route, rule and nexthop
    /// notifications that carry `protocolNumber`, leaving out those caused by requests of the
    /// socket with port id `ignoringPort` (tectl's own writes) and those about `probes` (feature
    /// detection by another tectl process), and counting separately those made by the kernel.
    public func readOwned(protocolNumber: UInt8, ignoringPort: UInt32, probes: ProbeObjects? = nil) throws(NetlinkError) -> OwnedPoll {
        var owned: Int32 = 0
        var byKernel: Int32 = 0
        let rc: Int32
        if var filter = probes?.shim {
            rc = tectl_nl_read_owned(fd, protocolNumber, ignoringPort, &filter, &owned, &byKernel)
        } else {
            rc = tectl_nl_read_owned(fd, protocolNumber, ignoringPort, nil, &owned, &byKernel)
        }
        if rc == -ENOBUFS { return .overrun }
        guard rc >= 0 else { throw NetlinkError(operation: "read events", errno: -rc, message: errnoText(-rc)) }
        return .changed(count: Int(owned), byKernel: Int(byKernel))
    }

    /// Discards everything queued, without blocking. After an overrun the kernel keeps dropping
    /// without reporting ENOBUFS again until the queue is empty, so empty it before dumping.
    public func discardPending() {
        while true {
            let rc = tectl_nl_drain(fd)
            if rc != -ENOBUFS { return }
        }
    }

    /// Waits until events are pending or `milliseconds` passed; false on timeout.
    public func waitReadable(milliseconds: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = Glibc.poll(&pfd, 1, milliseconds)
        return n > 0
    }
}
