import Foundation
import TECore
import TENetlink

/// One next-hop to probe.
public struct LatencyTarget: Sendable, Equatable {
    public var nexthop: String
    public var address: IPAddress
    public var dev: String

    public init(nexthop: String, address: IPAddress, dev: String) {
        self.nexthop = nexthop
        self.address = address
        self.dev = dev
    }
}

/// Measures round-trip time to next-hops.
public protocol LatencySource: Sendable {
    /// Milliseconds per next-hop name; a next-hop that did not answer within `timeout` is absent.
    func probe(_ targets: [LatencyTarget], timeout: Duration) async -> [String: Double]
}

/// The active probe: a TCP connect to the gateway (default port 179, BGP).
///
/// Any answer ends the measurement: a SYN-ACK (the port is open; tectl closes at once) or a RST
/// (the port is closed — what a Linux gateway without BGP sends). The time from `connect()` to
/// that answer is one round trip through the gateway's kernel, needs no privileges (unlike ICMP
/// raw sockets; the unprivileged ICMP datagram socket is limited by `net.ipv4.ping_group_range`,
/// which tectl must not change), and never reaches an application. The socket is bound to the
/// next-hop's `dev` (SO_BINDTODEVICE) when allowed, so the probe leaves through that link.
/// No answer (a firewall dropping SYNs, a dead gateway) means no latency sample. All targets are
/// probed at once with one poll(2) on a dedicated thread (in `namespace` when given).
public struct TCPConnectProbe: LatencySource {
    public var port: UInt16
    public var namespace: String?

    public static let defaultPort: UInt16 = 179

    public init(port: UInt16 = TCPConnectProbe.defaultPort, namespace: String? = nil) {
        self.port = port
        self.namespace = namespace
    }

    public func probe(_ targets: [LatencyTarget], timeout: Duration) async -> [String: Double] {
        guard !targets.isEmpty else { return [:] }
        let port = self.port
        return (try? await NamespaceThread.run(in: namespace) { Self.measure(targets, port: port, timeout: timeout) }) ?? [:]
    }

    /// Blocking: connects to all targets at once and waits up to `timeout` for their answers.
    public static func measure(_ targets: [LatencyTarget], port: UInt16, timeout: Duration) -> [String: Double] {
        let clock = ContinuousClock()
        var pending: [(fd: Int32, target: LatencyTarget, start: ContinuousClock.Instant)] = []
        var results: [String: Double] = [:]
        defer { for p in pending { close(p.fd) } }
        for t in targets {
            let family = t.address.family == .ipv4 ? AF_INET : AF_INET6
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            _ = t.dev.withCString { name in
                setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, socklen_t(strlen(name) + 1))
            }
            let start = clock.now
            let rc = connectTo(fd: fd, address: t.address, port: port)
            let err = errno
            if rc == 0 || err == ECONNREFUSED {
                results[t.nexthop] = milliseconds(clock.now - start)
                close(fd)
            } else if err == EINPROGRESS {
                pending.append((fd, t, start))
            } else {
                close(fd)
            }
        }
        let deadline = clock.now + timeout
        while !pending.isEmpty {
            let left = deadline - clock.now
            guard left > .zero else { break }
            var fds = pending.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            let n = poll(&fds, nfds_t(fds.count), Int32(max(1, milliseconds(left).rounded(.up))))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            let now = clock.now
            var still: [(fd: Int32, target: LatencyTarget, start: ContinuousClock.Instant)] = []
            for (i, p) in pending.enumerated() {
                guard fds[i].revents != 0 else { still.append(p); continue }
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                if soError == 0 || soError == ECONNREFUSED {
                    results[p.target.nexthop] = milliseconds(now - p.start)
                }
                close(p.fd)
            }
            pending = still
        }
        return results
    }

    static func connectTo(fd: Int32, address: IPAddress, port: UInt16) -> Int32 {
        if address.family == .ipv4 {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin_addr) { raw in
                for (i, b) in address.bytes.prefix(4).enumerated() { raw[i] = b }
            }
            return withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var sa = sockaddr_in6()
        sa.sin6_family = sa_family_t(AF_INET6)
        sa.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &sa.sin6_addr) { raw in
            for (i, b) in address.bytes.prefix(16).enumerated() { raw[i] = b }
        }
        return withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
