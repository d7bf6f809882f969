import Foundation
import Testing
import TECore
@testable import TEDaemon

/// Sends raw HTTP/1.1 requests over blocking sockets (so that many can be open at once).
enum RawHTTP {
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    static func send(_ fd: Int32, path: String, method: String = "GET") {
        let req = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = req.withCString { Glibc.send(fd, $0, strlen($0), 0) }
    }

    /// Reads to EOF; returns (status, headers, body).
    static func receive(_ fd: Int32) -> (status: Int, headers: [String: String], body: String) {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        close(fd)
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return (0, [:], "") }
        let head = text[..<split.lowerBound].split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            if let c = line.firstIndex(of: ":") {
                headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (status, headers, String(text[split.upperBound...]))
    }

    static func get(port: Int, path: String) throws -> (status: Int, headers: [String: String], body: String) {
        let fd = try connect(port: port)
        send(fd, path: path)
        return receive(fd)
    }
}

/// A plan over the test policy with the given carrier.
func samplePlan(carrier: [Bool] = [true, true]) throws -> Plan {
    let loaded = try loadTestPolicy()
    let links = carrier.enumerated().map { i, c in LinkSample(name: "eth\(i + 1)", ifindex: Int32(i + 2), operState: c ? "up" : "down", carrier: c, txUtilization: 0.25 * Double(i)) }
    let snap = Snapshot(
        timestamp: Date(), links: links, gpus: [GPUSample(feed: "dcgm", host: "gpu-node-1", utilization: 0.9)],
        feeds: [FeedStatus(name: "dcgm", state: .stale, message: "no value for 20s", ageSeconds: 20)]
    )
    return Planner(policy: loaded.policy).plan(snapshot: snap)
}

@Suite struct ObservabilityTests {
    func startServer(metrics: DaemonMetrics, health: HealthState) async throws -> BoundHTTPServer {
        try await HTTPEndpoint(host: "127.0.0.1", port: 0, responder: HTTPEndpoint.observability(metrics: metrics, health: health)).start()
    }

    @Test func healthzIsNotReadyUntilTheFirstReconcile() async throws {
        let metrics = DaemonMetrics(), health = HealthState()
        let server = try await startServer(metrics: metrics, health: health)
        let port = try #require(server.port)
        #expect(try RawHTTP.get(port: port, path: "/healthz").status == 503)
        health.markReconciled()
        let ok = try RawHTTP.get(port: port, path: "/healthz")
        #expect(ok.status == 200)
        #expect(ok.body == "ok\n")
        #expect(try RawHTTP.get(port: port, path: "/nope").status == 404)
        await server.close()
    }

    @Test func metricsAreServedInTheTextFormatWithEveryFamily() async throws {
        let metrics = DaemonMetrics(), health = HealthState()
        let plan = try samplePlan()
        metrics.record(plan: plan)
        metrics.record(snapshot: Snapshot(timestamp: Date(), links: [], gpus: [GPUSample(feed: "dcgm", host: "h1", utilization: 0.5)],
                                          feeds: [FeedStatus(name: "dcgm", state: .ok, ageSeconds: 1.5)]))
        metrics.recordReconcile(success: true, changes: 3, at: 1_700_000_000)
        metrics.recordReconcile(success: false, changes: 0, at: 0)
        metrics.recordNetlinkError()
        metrics.recordSolve(.microseconds(300))
        metrics.recordEventToProgrammed(.milliseconds(2))
        metrics.countEvent(kind: "link")
        metrics.countDecision("failover")
        metrics.countReload(result: "ok")
        let server = try await startServer(metrics: metrics, health: health)
        let port = try #require(server.port)
        let r = try RawHTTP.get(port: port, path: "/metrics")
        await server.close()
        #expect(r.status == 200)
        #expect(r.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        for family in DaemonMetrics.help.keys {
            #expect(r.body.contains("# TYPE \(family) "), "missing \(family)")
        }
        #expect(r.body.contains(#"tectl_nexthop_weight{class="bulk",prefix="203.0.113.0/24",nexthop="up1"}"#))
        #expect(r.body.contains(#"tectl_gpu_utilization_ratio{feed="dcgm",host="h1"} 0.5"#))
        #expect(r.body.contains("tectl_reconcile_errors_total 1"))
        #expect(r.body.contains("tectl_event_to_programmed_seconds_bucket{le=\"0.005\"} 1"))
    }

    @Test func seriesOfRemovedNextHopsDisappear() throws {
        let metrics = DaemonMetrics()
        metrics.record(plan: try samplePlan())
        var plan = try samplePlan()
        plan.routes[0].nexthops.removeLast()
        metrics.record(plan: plan)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains("nexthop=\"up1\""))
        #expect(!text.contains("nexthop=\"up2\""))
    }

    @Test(.enabled(if: which("promtool") != nil, "promtool not installed (Debian package prometheus)"))
    func metricsArePromtoolClean() throws {
        let metrics = DaemonMetrics()
        metrics.record(plan: try samplePlan(carrier: [true, false]))
        metrics.record(snapshot: Snapshot(timestamp: Date(), links: [], gpus: [GPUSample(feed: "dcgm", host: "h\"1", utilization: 0.5)],
                                          feeds: [FeedStatus(name: "dcgm", state: .stale, ageSeconds: 30)]))
        metrics.recordReconcile(success: true, changes: 1, at: 1_700_000_000)
        metrics.recordSolve(.microseconds(300))
        metrics.recordEventToProgrammed(.milliseconds(2))
        metrics.countEvent(kind: "link")
        metrics.countDecision("step")
        metrics.countReload(result: "invalid")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-metrics-\(getpid()).prom")
        try Data(metrics.exposition()).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let promtool = try #require(which("promtool"))
        let r = try runTool(["/bin/sh", "-c", "\(promtool) check metrics < \(file.path)"])
        #expect(r.status == 0, "promtool: \(r.output)")
    }

    /// 300 connections open at once, each scraping /metrics: every one is answered in full.
    @Test func answersHundredsOfConcurrentScrapes() async throws {
        let metrics = DaemonMetrics(), health = HealthState()
        metrics.record(plan: try samplePlan())
        let server = try await startServer(metrics: metrics, health: health)
        let port = try #require(server.port)
        let expected = metrics.exposition().count
        let results: [Int] = try await Task.detached {
            var fds: [Int32] = []
            for _ in 0..<300 { fds.append(try RawHTTP.connect(port: port)) }
            for fd in fds { RawHTTP.send(fd, path: "/metrics") }
            return fds.map { fd in
                let r = RawHTTP.receive(fd)
                return r.status == 200 && r.body.utf8.count == expected ? 1 : 0
            }
        }.value
        await server.close()
        #expect(results.reduce(0, +) == 300)
    }

    /// A server on a port below the kernel's ephemeral range (`ip_local_port_range`), so that no
    /// other process's outgoing connection or port-0 bind can take the port between a close and
    /// the re-bind (seen once while other test runs shared the machine).
    func startServerOutsideTheEphemeralRange(metrics: DaemonMetrics, health: HealthState) async throws -> BoundHTTPServer {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeralStart = range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        let low = max(1024, ephemeralStart - 8000), span = max(1, ephemeralStart - low)
        var port = low + Int(getpid()) % span
        var lastError: Error?
        for _ in 0..<64 {
            do {
                return try await HTTPEndpoint(host: "127.0.0.1", port: port, responder: HTTPEndpoint.observability(metrics: metrics, health: health)).start()
            } catch {
                lastError = error
                port = low + (port - low + 101) % span
            }
        }
        throw lastError ?? CancellationError()
    }

    @Test func aRestartBindsTheSamePortAgainAtOnce() async throws {
        let metrics = DaemonMetrics(), health = HealthState()
        let first = try await startServerOutsideTheEphemeralRange(metrics: metrics, health: health)
        let port = try #require(first.port)
        // Leave a connection in TIME_WAIT on the server side, as a scrape would.
        _ = try RawHTTP.get(port: port, path: "/healthz")
        await first.close()
        let second = try await HTTPEndpoint(host: "127.0.0.1", port: port, responder: HTTPEndpoint.observability(metrics: metrics, health: health)).start()
        #expect(second.port == port)
        #expect(try RawHTTP.get(port: port, path: "/healthz").status == 503)
        await second.close()
    }
}

@Suite struct LogHandlerTests {
    @Test func textIsLogfmt() {
        let line = LineLogHandler.line(format: .text, timestamp: "2026-01-01T00:00:00Z", level: .info, label: "tectl",
                                       message: "weights changed", metadata: ["route": "bulk 203.0.113.0/24", "n": "2"])
        #expect(line == "ts=2026-01-01T00:00:00Z level=info msg=\"weights changed\" n=2 route=\"bulk 203.0.113.0/24\"\n")
    }

    @Test func jsonIsOneParsableObjectPerLine() throws {
        let line = LineLogHandler.line(format: .json, timestamp: "2026-01-01T00:00:00Z", level: .error, label: "tectl",
                                       message: "bad \"policy\"\nline2", metadata: ["file": "p.yaml:3:7", "ctl": "\u{1}"])
        #expect(line.hasSuffix("}\n"))
        #expect(!line.dropLast().contains("\n"))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(obj["msg"] == "bad \"policy\"\nline2")
        #expect(obj["level"] == "error")
        #expect(obj["file"] == "p.yaml:3:7")
        #expect(obj["ctl"] == "\u{1}")
    }

    @Test func loggerMetadataReachesTheLine() {
        let log = CapturedLog()
        var logger = log.logger(format: .json)
        logger[metadataKey: "policy"] = "lab.yaml"
        logger.info("hello", metadata: ["x": "1"])
        #expect(log.all.count == 1)
        #expect(log.all[0].contains(#""policy":"lab.yaml""#))
        #expect(log.all[0].contains(#""x":"1""#))
    }
}
