import CNetlink
import Foundation
import Synchronization

/// A link as an RTM_NEWLINK/RTM_DELLINK message or a dump describes it.
public struct ObservedLink: Sendable, Equatable {
    public var name: String
    public var ifindex: Int32
    /// IF_OPER_* name, as `LinkDump.operStateName`.
    public var operState: String
    public var carrier: Bool
    /// IFF_UP: administratively up.
    public var adminUp: Bool

    public init(name: String, ifindex: Int32, operState: String, carrier: Bool, adminUp: Bool) {
        self.name = name
        self.ifindex = ifindex
        self.operState = operState
        self.carrier = carrier
        self.adminUp = adminUp
    }
}

/// What the kernel told the `LinkMonitor`.
public enum LinkEvent: Sendable, Equatable {
    /// RTM_NEWLINK: a link appeared or changed (oper state, carrier, flags, name).
    case changed(ObservedLink)
    /// RTM_DELLINK: a link is gone.
    case removed(ObservedLink)
    /// The full list of links: first event of every monitor, and again whenever events were
    /// lost (the socket overflowed: ENOBUFS, which libnl reports as NLE_NOMEM).
    case resync([ObservedLink])
}

/// Link state changes as netlink events (RTNLGRP_LINK), not polling.
///
/// A dedicated thread (in `namespace` when given) owns the libnl socket, blocks on it, and yields
/// each RTM_NEWLINK/RTM_DELLINK as a `LinkEvent` to `events`. The thread ends when `stop()` is
/// called, when the monitor is released, or when the consumer stops iterating.
public final class LinkMonitor: Sendable {
    public let events: AsyncStream<LinkEvent>
    private let stopped: Atomic<Bool>

    /// Starts monitoring. Throws when the socket cannot be set up (the error is reported before
    /// any event). `receiveBufferBytes` sets the socket's receive buffer (SO_RCVBUF; the kernel
    /// doubles it); the default is libnl's. Tests make it tiny to force ENOBUFS.
    public init(namespace: String? = nil, receiveBufferBytes: Int32? = nil) async throws {
        let (stream, continuation) = AsyncStream<LinkEvent>.makeStream(bufferingPolicy: .unbounded)
        events = stream
        stopped = Atomic(false)
        let ready = AsyncThrowingStream<Void, Error>.makeStream()
        let box = StopBox(monitor: self)
        continuation.onTermination = { _ in box.stop() }
        let thread = Thread {
            LinkMonitor.runLoop(namespace: namespace, receiveBufferBytes: receiveBufferBytes, continuation: continuation, ready: ready.continuation, stop: box)
        }
        thread.name = "tectl-linkmon"
        thread.start()
        for try await _ in ready.stream { break }
    }

    deinit { stopped.store(true, ordering: .relaxed) }

    /// Ends the monitor; `events` finishes within about 200 ms.
    public func stop() { stopped.store(true, ordering: .relaxed) }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Lets the thread see the stop flag without keeping the monitor alive.
    final class StopBox: Sendable {
        private weak let monitor: LinkMonitor?
        private let local = Atomic<Bool>(false)
        init(monitor: LinkMonitor) { self.monitor = monitor }
        func stop() { local.store(true, ordering: .relaxed) }
        var isStopped: Bool { local.load(ordering: .relaxed) || (monitor?.isStopped ?? true) }
    }

    /// Per-thread state that the C callbacks reach through their `arg` pointer.
    private final class CallbackContext {
        let continuation: AsyncStream<LinkEvent>.Continuation
        init(continuation: AsyncStream<LinkEvent>.Continuation) { self.continuation = continuation }
    }

    private static func runLoop(
        namespace: String?, receiveBufferBytes: Int32?, continuation: AsyncStream<LinkEvent>.Continuation,
        ready: AsyncThrowingStream<Void, Error>.Continuation, stop: StopBox
    ) {
        defer { continuation.finish() }
        let sock: OpaquePointer
        do {
            if let namespace { try NamespaceThread.enter(namespace) }
            guard let s = nl_socket_alloc() else {
                throw NetlinkError(operation: "allocate link monitor socket", message: "out of memory")
            }
            sock = s
        } catch {
            ready.finish(throwing: error)
            return
        }
        defer { nl_socket_free(sock) }
        let context = CallbackContext(continuation: continuation)
        let arg = Unmanaged.passUnretained(context).toOpaque()
        nl_socket_disable_seq_check(sock)
        nl_socket_modify_cb(sock, NL_CB_VALID, NL_CB_CUSTOM, { msg, arg in
            guard let msg, let arg else { return Int32(NL_OK.rawValue) }
            nl_msg_parse(msg, { object, arg in
                guard let object, let arg else { return }
                let context = Unmanaged<CallbackContext>.fromOpaque(arg).takeUnretainedValue()
                let link = LinkMonitor.observed(object)
                if nl_object_get_msgtype(object) == Int32(RTM_DELLINK) {
                    context.continuation.yield(.removed(link))
                } else {
                    context.continuation.yield(.changed(link))
                }
            }, arg)
            return Int32(NL_OK.rawValue)
        }, arg)
        var rc = nl_connect(sock, NETLINK_ROUTE)
        if rc >= 0 { rc = nl_socket_add_membership(sock, Int32(RTNLGRP_LINK.rawValue)) }
        if rc >= 0, let receiveBufferBytes { rc = nl_socket_set_buffer_size(sock, receiveBufferBytes, 0) }
        if rc < 0 {
            ready.finish(throwing: NetlinkError(operation: "subscribe to RTNLGRP_LINK", libnlReturn: rc))
            return
        }
        // Subscribe first, then dump: a change between the two is seen twice, never missed.
        guard resync(continuation, ready: ready) else { return }
        ready.finish()
        let fd = nl_socket_get_fd(sock)
        while !stop.isStopped {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&pfd, 1, 200)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if n == 0 { continue }
            let got = nl_recvmsgs_default(sock)
            if got == -NLE_NOMEM {
                // The kernel dropped events for us (ENOBUFS): what we know may be stale.
                _ = resync(continuation, ready: nil)
            } else if got < 0, got != -NLE_AGAIN, got != -NLE_INTR {
                return
            }
        }
    }

    private static func resync(_ continuation: AsyncStream<LinkEvent>.Continuation, ready: AsyncThrowingStream<Void, Error>.Continuation?) -> Bool {
        do {
            let sock = try NetlinkSocket()
            var cache: OpaquePointer?
            let rc = rtnl_link_alloc_cache(sock.raw, AF_UNSPEC, &cache)
            guard rc >= 0, let cache else { throw NetlinkError(operation: "dump links", libnlReturn: rc) }
            defer { nl_cache_free(cache) }
            var links: [ObservedLink] = []
            var object = nl_cache_get_first(cache)
            while let obj = object {
                links.append(observed(obj))
                object = nl_cache_get_next(obj)
            }
            continuation.yield(.resync(links.sorted { $0.ifindex < $1.ifindex }))
            return true
        } catch {
            ready?.finish(throwing: error)
            return false
        }
    }

    private static func observed(_ link: OpaquePointer) -> ObservedLink {
        ObservedLink(
            name: rtnl_link_get_name(link).map { String(cString: $0) } ?? "?",
            ifindex: rtnl_link_get_ifindex(link),
            operState: LinkDump.operStateName(rtnl_link_get_operstate(link)),
            carrier: rtnl_link_get_carrier(link) != 0,
            adminUp: (rtnl_link_get_flags(link) & UInt32(IFF_UP)) != 0
        )
    }
}
