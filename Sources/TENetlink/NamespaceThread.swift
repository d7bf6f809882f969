import CNetlinkShim
import Foundation

/// Runs blocking kernel work on a fresh thread, optionally inside another network namespace.
///
/// `setns(2)` changes only the calling thread, so code that must see another namespace (sockets,
/// netlink dumps, the ethtool ioctl) runs here, never on a task of the shared pool.
public enum NamespaceThread {
    /// `/var/run/netns/NAME` for a bare name, the path itself otherwise.
    public static func path(for namespace: String) -> String {
        namespace.contains("/") ? namespace : "/var/run/netns/\(namespace)"
    }

    /// Enters `namespace` (a name from `ip netns` or a path) on the calling thread.
    public static func enter(_ namespace: String) throws(NetlinkError) {
        let p = path(for: namespace)
        let rc = tectl_tel_enter_netns(p)
        if rc < 0 {
            throw NetlinkError(operation: "enter network namespace \(p)", errno: -rc, message: String(cString: strerror(-rc)))
        }
    }

    /// Runs `body` on a new thread (in `namespace` when given) and returns its result.
    public static func run<T: Sendable>(in namespace: String?, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let thread = Thread {
                do {
                    if let namespace { try enter(namespace) }
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "tectl-netns"
            thread.start()
        }
    }
}
