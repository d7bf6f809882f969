import CNetlink

/// Owns one libnl `nl_sock` connected to NETLINK_ROUTE; frees it when released.
/// Not Sendable: a socket is used by one task or thread at a time.
public final class NetlinkSocket {
    let raw: OpaquePointer

    public init() throws(NetlinkError) {
        guard let sock = nl_socket_alloc() else {
            throw NetlinkError(operation: "allocate netlink socket", message: "out of memory")
        }
        let rc = nl_connect(sock, NETLINK_ROUTE)
        if rc < 0 {
            nl_socket_free(sock)
            throw NetlinkError(operation: "connect NETLINK_ROUTE", libnlReturn: rc)
        }
        raw = sock
    }

    deinit { nl_socket_free(raw) }
}
