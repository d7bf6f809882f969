import Foundation
import Synchronization
import TECore
import TENetlink
import TEPolicy
import Testing
@testable import TETelemetry

/// Runs `ip ARGS`; throws with its stderr on failure.
@discardableResult
func ip(_ args: String...) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip")
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    p.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard p.terminationStatus == 0 else {
        throw IPCommandFailed(args: args, stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
    return text
}

struct IPCommandFailed: Error { var args: [String]; var stderr: String }

private let namespaceCounter = Atomic<Int>(0)

/// A network namespace with a unique name, deleted by `delete()`.
struct TestNamespace {
    let name: String
    init() throws {
        let n = namespaceCounter.wrappingAdd(1, ordering: .relaxed).newValue
        name = "tectl-t-\(getpid())-\(n)"
        try ip("netns", "add", name)
        try ip("-n", name, "link", "set", "lo", "up")
    }
    func delete() { _ = try? ip("netns", "del", name) }
}

@Suite("Telemetry in network namespaces", .serialized, .enabled(if: isRoot, "needs root: creates network namespaces"))
struct KernelTelemetryTests {
    @Test("carrier loss on a veth is seen as a netlink event, not by polling")
    func carrierLossEvent() async throws {
        let ns = try TestNamespace()
        defer { ns.delete() }
        try ip("-n", ns.name, "link", "add", "tva", "type", "veth", "peer", "name", "tvb")
        try ip("-n", ns.name, "link", "set", "tva", "up")
        try ip("-n", ns.name, "link", "set", "tvb", "up")
        let monitor = try await LinkMonitor(namespace: ns.name)
        // Ends the event stream if an expected event never comes, so the test fails, not hangs.
        let watchdog = Task { try? await Task.sleep(for: .seconds(10)); monitor.stop() }
        defer { watchdog.cancel(); monitor.stop() }
        var iterator = monitor.events.makeAsyncIterator()
        guard case .resync(let first)? = await iterator.next() else {
            Issue.record("first event is not the initial dump")
            return
        }
        #expect(first.contains { $0.name == "tva" })
        // Wait for tva to report carrier (veth comes up asynchronously).
        let deadline = ContinuousClock.now + .seconds(3)
        var up = first.first { $0.name == "tva" }?.carrier == true && first.first { $0.name == "tva" }?.operState == "up"
        while !up, ContinuousClock.now < deadline, let e = await iterator.next() {
            if case .changed(let l) = e, l.name == "tva", l.carrier, l.operState == "up" { up = true }
        }
        #expect(up)
        let before = ContinuousClock.now
        try ip("-n", ns.name, "link", "set", "tvb", "down")
        var lost: ObservedLink?
        while ContinuousClock.now < before + .seconds(3), let e = await iterator.next() {
            if case .changed(let l) = e, l.name == "tva", !l.carrier { lost = l; break }
        }
        let latency = ContinuousClock.now - before
        let l = try #require(lost)
        #expect(l.operState == "lowerlayerdown")
        #expect(l.adminUp)
        #expect(latency < .milliseconds(500))
        try ip("-n", ns.name, "link", "del", "tvb")
        var removed = false
        while let e = await iterator.next() {
            if case .removed(let l) = e, l.name == "tvb" { removed = true; break }
        }
        #expect(removed)
    }

    @Test("counters under real traffic become utilization; speed from ethtool in the namespace; TCP probe latency")
    func countersUnderTraffic() async throws {
        let a = try TestNamespace()
        defer { a.delete() }
        let b = try TestNamespace()
        defer { b.delete() }
        try ip("-n", a.name, "link", "add", "tva", "type", "veth", "peer", "name", "tvb", "netns", b.name)
        try ip("-n", a.name, "addr", "add", "198.51.100.1/30", "dev", "tva")
        try ip("-n", b.name, "addr", "add", "198.51.100.2/30", "dev", "tvb")
        try ip("-n", a.name, "link", "set", "tva", "up")
        try ip("-n", b.name, "link", "set", "tvb", "up")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("p.yaml")
        try Data("""
            version: 1
            control: {interval: 500ms, utilization_half_life: 1s}
            nexthops:
              - {name: peer, via: 198.51.100.2, dev: tva, capacity: 1G}
            classes:
              - {name: bulk, priority: 0, dscp: [0], table: 120}
            routes:
              - {prefix: 203.0.113.0/24, class: bulk, nexthops: [peer]}
            """.utf8).write(to: file)
        let policy = try PolicyLoader.load(path: file.path).policy
        let collector = TelemetryCollector(policy: policy, links: NetlinkCounterSource(namespace: a.name), latency: TCPConnectProbe(namespace: a.name), logger: quietLogger)
        let stop = Atomic<Bool>(false)
        let sender = Task.detached {
            try await NamespaceThread.run(in: a.name) { () -> Int in
                let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
                defer { close(fd) }
                var to = sockaddr_in()
                to.sin_family = sa_family_t(AF_INET)
                to.sin_port = UInt16(9).bigEndian
                to.sin_addr.s_addr = inet_addr("198.51.100.2")
                let payload = [UInt8](repeating: 0x55, count: 1400)
                var sent = 0
                while !stop.load(ordering: .relaxed) {
                    let n = withUnsafePointer(to: &to) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                    if n > 0 { sent += n }
                }
                return sent
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let snap = try await collector.snapshot()
        stop.store(true, ordering: .relaxed)
        let sent = try await sender.value
        #expect(sent > 0)
        let link = try #require(snap.link(named: "tva"))
        #expect(link.txUtilization > 0.01, "tx utilization \(link.txUtilization)")
        #expect(link.rxUtilization < link.txUtilization)
        #expect(link.speedMbps == 10_000)
        #expect(link.carrier && link.operState == "up")
        let latency = try #require(snap.latency.first { $0.nexthop == "peer" })
        #expect(latency.milliseconds > 0 && latency.milliseconds < 100)
    }
}

@Suite("Link monitor overflow", .serialized, .enabled(if: isRoot, "needs root: creates network namespaces"))
struct LinkMonitorOverflowTests {
    @Test("lost events (ENOBUFS on a tiny socket buffer) lead to a re-dump that has every link")
    func overflowResyncs() async throws {
        let ns = try TestNamespace()
        defer { ns.delete() }
        let monitor = try await LinkMonitor(namespace: ns.name, receiveBufferBytes: 1024)
        let watchdog = Task { try? await Task.sleep(for: .seconds(10)); monitor.stop() }
        defer { watchdog.cancel(); monitor.stop() }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let batch = dir.appendingPathComponent("links.batch")
        try Data((0..<60).map { "link add tov\($0) type veth peer name tow\($0)\n" }.joined().utf8).write(to: batch)
        try ip("-n", ns.name, "-batch", batch.path)
        var resyncs = 0
        var lastDump: [ObservedLink] = []
        for await event in monitor.events {
            if case .resync(let links) = event {
                resyncs += 1
                lastDump = links
                if resyncs >= 2, links.count >= 121 { break }
            }
        }
        #expect(resyncs >= 2, "no re-dump after the burst")
        #expect(lastDump.count == 121)
    }
}
