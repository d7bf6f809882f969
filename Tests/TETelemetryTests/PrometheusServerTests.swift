import Foundation
import TECore
import Testing
@testable import TETelemetry

let prometheusBinary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// `prometheus-api` against a real Prometheus server (Debian package `prometheus`), which the
/// test starts on loopback with a temporary config and data directory, scraping a test exporter.
@Suite("prometheus-api against a real Prometheus", .serialized,
       .enabled(if: prometheusBinary != nil, "needs /usr/bin/prometheus (Debian package prometheus)"))
struct PrometheusServerTests {
    @Test("avg by (Hostname) through /api/v1/query; errors and empty answers are feed errors")
    func realPrometheus() async throws {
        let binary = try #require(prometheusBinary)
        let exporter = try await TestHTTPServer { _ in .init(body: FeedReaderTests.page) }
        defer { Task { await exporter.shutdown() } }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try await closedPort()
        let config = """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: dcgm
                honor_labels: true
                static_configs: [{targets: ["127.0.0.1:\(exporter.port)"]}]
            """
        try Data(config.utf8).write(to: dir.appendingPathComponent("prometheus.yml"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(dir.path)/prometheus.yml", "--storage.tsdb.path=\(dir.path)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        let log = dir.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
            try? logHandle.close()
        }
        let feed = Feed(name: "prom", kind: .prometheusAPI, url: "http://127.0.0.1:\(port)", query: "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)", hostLabel: "Hostname", staleAfter: .seconds(15))
        var readout = FeedReadout()
        // Prometheus needs a second or two to start and scrape once.
        for _ in 0..<60 {
            readout = await FeedReader(feeds: [feed], logger: quietLogger).read()
            if readout.statuses.first?.state == .ok { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(readout.statuses.first?.state == .ok, "last status: \(String(describing: readout.statuses.first)); prometheus log: \(logText.suffix(500))")
        #expect(readout.gpus.map(\.host) == ["gpu-node-1", "gpu-node-2"])
        #expect(readout.gpus.map(\.utilization) == [0.85, 0.1])

        // Without aggregation: one element per GPU, averaged per host by tectl.
        var perGPU = feed
        perGPU.query = "DCGM_FI_DEV_GPU_UTIL"
        let raw = await FeedReader(feeds: [perGPU], logger: quietLogger).read()
        #expect(raw.gpus.map(\.gpus) == [2, 1])

        var bad = feed
        bad.query = "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL"
        let badStatus = await FeedReader(feeds: [bad], logger: quietLogger).read().statuses[0]
        #expect(badStatus.state == .error)
        #expect(badStatus.message?.contains("HTTP 400: Prometheus bad_data") == true)

        var none = feed
        none.query = "DCGM_FI_DEV_GPU_UTIL{Hostname=\"nobody\"}"
        #expect(await FeedReader(feeds: [none], logger: quietLogger).read().statuses[0].message == "query returned no series")

        var range = feed
        range.query = "DCGM_FI_DEV_GPU_UTIL[1m]"
        #expect(await FeedReader(feeds: [range], logger: quietLogger).read().statuses[0].message?.contains("matrix") == true)
    }
}
