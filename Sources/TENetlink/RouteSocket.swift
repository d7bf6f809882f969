import CNetlinkShim
import Glibc

/// Owns one raw NETLINK_ROUTE socket used for batched requests and dumps (extended acks,
/// capped acks, large buffers); closes it when released. Not Sendable: one thread at a time.
public final class RouteSocket {
    let fd: Int32

    /// `receiveBuffer`: bytes for acks and dumps (0: 8 MiB; small values only to test ENOBUFS).
    public init(receiveBuffer: Int = 0) throws(NetlinkError) {
        let rc = tectl_nl_open(Int32(clamping: receiveBuffer))
        guard rc >= 0 else { throw NetlinkError(operation: "open NETLINK_ROUTE socket", errno: -rc, message: errnoText(-rc)) }
        fd = rc
    }

    deinit { tectl_nl_close(fd) }

    /// The port id the kernel gave this socket: notifications caused by its requests carry it.
    public var portID: UInt32 { tectl_nl_port(fd) }

    /// Sends every request of `batch` (`perSend` per sendmsg) and checks every ack.
    /// Throws `.acksLost` (ENOBUFS) when the outcome is unknown: re-dump and diff again.
    func send(_ batch: KernelBatch, perSend: UInt32 = 256) throws(NetlinkError) -> [BatchFailure] {
        guard batch.count > 0 else { return [] }
        let capacity = Int(min(batch.count, 4096))
        var failures = [tectl_failure](repeating: tectl_failure(), count: capacity)
        let rc = failures.withUnsafeMutableBufferPointer { buf in
            tectl_batch_send(fd, batch.raw, perSend, buf.baseAddress, UInt32(capacity))
        }
        if rc == -ENOBUFS {
            throw NetlinkError(operation: "read acks", errno: ENOBUFS, message: "acks were lost (ENOBUFS); state must be dumped again")
        }
        guard rc >= 0 else { throw NetlinkError(operation: "send \(batch.count) requests", errno: -rc, message: errnoText(-rc)) }
        return failures.prefix(min(Int(rc), capacity)).map { f in
            var f = f
            let text = withUnsafeBytes(of: &f.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            return BatchFailure(index: Int(f.index), errno: f.error, extendedMessage: text)
        }
    }
}

/// A request of a batch that the kernel refused.
struct BatchFailure: Sendable, Equatable {
    var index: Int
    var errno: Int32
    /// The kernel's extended-ack text ("Nexthop device is not up"), or "".
    var extendedMessage: String
}

/// strerror text for a positive errno.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
