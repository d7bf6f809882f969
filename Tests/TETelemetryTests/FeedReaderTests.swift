import Foundation
import NIOCore
import TECore
import Testing
@testable import TETelemetry

/// Feeds against a loopback HTTP server started by the test, and files in a temporary directory:
/// every failure mode ends as a feed status, never as a thrown error.
@Suite("Feed reader: HTTP and files, failure modes")
struct FeedReaderTests {
    static let page = """
        # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
        # TYPE DCGM_FI_DEV_GPU_UTIL gauge
        DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",Hostname="gpu-node-1"} 90
        DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-b",Hostname="gpu-node-1"} 80
        DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-c",Hostname="gpu-node-2"} 10

        """

    func textFeed(_ url: String, staleAfter: Duration = .seconds(15), timeout: Duration = .seconds(2)) -> Feed {
        Feed(name: "dcgm", kind: .prometheusText, url: url, staleAfter: staleAfter, timeout: timeout)
    }

    @Test("prometheus-text over HTTP: per-host mean")
    func ok() async throws {
        let server = try await TestHTTPServer { _ in .init(body: Self.page) }
        defer { Task { await server.shutdown() } }
        let r = await FeedReader(feeds: [textFeed(server.baseURL + "/metrics")], logger: quietLogger).read()
        #expect(r.statuses == [FeedStatus(name: "dcgm", state: .ok)])
        #expect(r.gpus.map(\.host) == ["gpu-node-1", "gpu-node-2"])
        #expect(abs(r.gpus[0].utilization - 0.85) < 1e-12)
        #expect(r.gpus[1].utilization == 0.1)
    }

    @Test("failure modes: HTTP 500, garbage, NaN, stale timestamps, timeout, unreachable")
    func failures() async throws {
        let oldMs = Int64((Date().timeIntervalSince1970 - 120) * 1000)
        let server = try await TestHTTPServer { path in
            switch path {
            case "/500": return .init(status: 500, body: "exporter crashed")
            case "/garbage": return .init(body: "<html>502 Bad Gateway</html>")
            case "/nan": return .init(body: "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",Hostname=\"n\"} NaN\n")
            case "/stale": return .init(body: "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",Hostname=\"n\"} 50 \(oldMs)\n")
            case "/slow": return .init(body: Self.page, delay: .seconds(3))
            case "/empty": return .init(body: "# no metrics here\n")
            default: return .init(status: 404, body: "")
            }
        }
        defer { Task { await server.shutdown() } }
        let dead = try await closedPort()
        let feeds = [
            Feed(name: "e500", kind: .prometheusText, url: server.baseURL + "/500"),
            Feed(name: "garbage", kind: .prometheusText, url: server.baseURL + "/garbage"),
            Feed(name: "nan", kind: .prometheusText, url: server.baseURL + "/nan"),
            Feed(name: "stale", kind: .prometheusText, url: server.baseURL + "/stale", staleAfter: .seconds(15)),
            Feed(name: "slow", kind: .prometheusText, url: server.baseURL + "/slow", timeout: .milliseconds(300)),
            Feed(name: "dead", kind: .prometheusText, url: "http://127.0.0.1:\(dead)/metrics"),
            Feed(name: "empty", kind: .prometheusText, url: server.baseURL + "/empty"),
            Feed(name: "tls", kind: .prometheusText, url: "https://127.0.0.1:9400/metrics"),
        ]
        let start = ContinuousClock.now
        let r = await FeedReader(feeds: feeds, logger: quietLogger).read()
        let took = ContinuousClock.now - start
        #expect(r.gpus.isEmpty)
        let byName = Dictionary(uniqueKeysWithValues: r.statuses.map { ($0.name, $0) })
        #expect(byName["e500"]?.state == .error)
        #expect(byName["e500"]?.message == "HTTP 500: exporter crashed")
        #expect(byName["garbage"]?.state == .error)
        #expect(byName["garbage"]?.message?.hasPrefix("unparsable exposition: line 1") == true)
        #expect(byName["nan"]?.state == .error)
        #expect(byName["nan"]?.message?.contains("not a number") == true)
        #expect(byName["stale"]?.state == .stale)
        #expect((byName["stale"]?.ageSeconds ?? 0) >= 119)
        #expect(byName["slow"]?.state == .error)
        #expect(byName["slow"]?.message == "no answer within 300ms")
        #expect(byName["dead"]?.state == .error)
        #expect(byName["dead"]?.message == "unreachable: Connection refused")
        #expect(byName["empty"]?.message?.contains("no DCGM_FI_DEV_GPU_UTIL") == true)
        #expect(byName["tls"]?.message?.contains("not supported") == true)
        // Read concurrently: the slow feed's timeout bounds the whole read.
        #expect(took < .seconds(2))
    }

    @Test("a warning once per transition: ok → error → error → ok")
    func transitionsLoggedOnce() async throws {
        let server = try await TestHTTPServer { _ in .init(body: Self.page) }
        defer { Task { await server.shutdown() } }
        let recorder = LogRecorder()
        let reader = FeedReader(feeds: [textFeed(server.baseURL + "/metrics")], logger: recorder.logger())
        #expect(await reader.read().statuses[0].state == .ok)
        #expect(recorder.warnings.isEmpty)
        server.setResponder { _ in .init(status: 503, body: "") }
        #expect(await reader.read().statuses[0].state == .error)
        #expect(await reader.read().statuses[0].state == .error)
        #expect(recorder.warnings.count == 1)
        #expect(recorder.warnings[0].contains("HTTP 503"))
        server.setResponder { _ in .init(body: Self.page) }
        #expect(await reader.read().statuses[0].state == .ok)
        #expect(await reader.read().statuses[0].state == .ok)
        #expect(recorder.warnings.count == 2)
        #expect(recorder.warnings[1].contains("ok again"))
    }

    @Test("file feeds: fresh, stale by timestamp column, stale by mtime, missing file")
    func files() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy/MM/dd HH:mm:ss.SSS"
        let now = f.string(from: Date())
        let csv = "timestamp, name, pci.bus_id, utilization.gpu [%], memory.used [MiB]\n\(now), NVIDIA H100 80GB HBM3, 00000000:53:00.0, 40 %, 1 MiB\n\(now), NVIDIA H100 80GB HBM3, 00000000:64:00.0, 60 %, 1 MiB\n"
        let fresh = dir.appendingPathComponent("gpu-node-3.csv")
        try Data(csv.utf8).write(to: fresh)
        let staleCSV = dir.appendingPathComponent("old.csv")
        try Data(try fixture("nvidia-smi-8gpu.csv").utf8).write(to: staleCSV)
        let noTime = dir.appendingPathComponent("notime.json")
        try Data("{\"hosts\": [{\"host\": \"g\", \"gpus\": [{\"utilization\": 0.3}]}]}".utf8).write(to: noTime)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -600)], ofItemAtPath: noTime.path)
        let feeds = [
            Feed(name: "smi", kind: .nvidiaSmiCSV, path: fresh.path),
            Feed(name: "smi-old", kind: .nvidiaSmiCSV, path: staleCSV.path, host: "h"),
            Feed(name: "json-old", kind: .jsonFile, path: noTime.path, staleAfter: .seconds(30)),
            Feed(name: "missing", kind: .jsonFile, path: dir.appendingPathComponent("nope.json").path),
        ]
        let r = await FeedReader(feeds: feeds, logger: quietLogger).read()
        #expect(r.gpus == [GPUSample(feed: "smi", host: "gpu-node-3", utilization: 0.5, gpus: 2)])
        #expect(r.statuses.map(\.state) == [.ok, .stale, .stale, .error])
        #expect(r.statuses[2].message?.contains("stale_after 30s") == true)
        #expect(r.statuses[3].message?.hasPrefix("cannot read") == true)
    }
}
