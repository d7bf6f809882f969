import Foundation
import Synchronization
import TECore
import TENetlink
import TEPolicy
import Testing
@testable import TETelemetry

/// Links whose counters advance by a fixed amount per read (no kernel needed).
final class FakeLinks: LinkCounterSource {
    private let reads = Mutex(0)
    let bytesPerRead: UInt64

    init(bytesPerRead: UInt64) { self.bytesPerRead = bytesPerRead }

    func read() async throws -> [LinkCounters] {
        let n = reads.withLock { $0 += 1; return UInt64($0) }
        return [
            LinkCounters(name: "lo", ifindex: 1, operState: "unknown", carrier: true),
            LinkCounters(name: "eth1", ifindex: 2, operState: "up", carrier: true, speedMbps: 100_000, txBytes: n * bytesPerRead),
            LinkCounters(name: "eth2", ifindex: 3, operState: "up", carrier: true, speedMbps: 100_000, txBytes: n * bytesPerRead),
        ]
    }
}

/// Fixed latencies.
struct FakeLatency: LatencySource {
    var milliseconds: [String: Double]
    func probe(_ targets: [LatencyTarget], timeout: Duration) async -> [String: Double] { milliseconds }
}

/// Collector → snapshot → planner, for each of the four feed kinds: two next-hops of equal
/// capacity whose GPU hosts report 90 % and 10 %.
@Suite("Telemetry collector end to end")
struct CollectorTests {
    static func policyText(feed: String) -> String {
        """
        version: 1
        control: {interval: 100ms, utilization_half_life: 2s}
        nexthops:
          - {name: busy, via: 198.51.100.1, dev: eth1, capacity: 100G, gpu: {feed: gpus, host: gpu-node-1}}
          - {name: idle, via: 198.51.100.5, dev: eth2, capacity: 100G, gpu: {feed: gpus, host: gpu-node-2}}
        classes:
          - {name: inference, priority: 0, dscp: [34], table: 110, prefer: gpu-headroom}
        routes:
          - {prefix: 203.0.113.0/24, class: inference, nexthops: [busy, idle], group: {type: resilient, buckets: 128}}
        feeds:
          - \(feed)
        """
    }

    static func loadPolicy(_ text: String) throws -> Policy {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("policy.yaml")
        try Data(text.utf8).write(to: file)
        return try PolicyLoader.load(path: file.path).policy
    }

    enum Kind: String, CaseIterable, Sendable { case prometheusText, prometheusAPI, nvidiaSmiCSV, jsonFile }

    /// Serves or writes the 90 % / 10 % hosts through one feed kind; returns the feed line.
    static func setUp(_ kind: Kind, server: TestHTTPServer, dir: URL) throws -> String {
        switch kind {
        case .prometheusText:
            server.setResponder { _ in
                .init(body: """
                    # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
                    # TYPE DCGM_FI_DEV_GPU_UTIL gauge
                    DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1"} 92
                    DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1"} 88
                    DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-c",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",hostname="gpu-node-2"} 10

                    """)
            }
            return "{name: gpus, kind: prometheus-text, url: \"\(server.baseURL)/metrics\", stale_after: 15s}"
        case .prometheusAPI:
            let t = Date().timeIntervalSince1970
            server.setResponder { _ in
                .init(body: """
                    {"status":"success","data":{"resultType":"vector","result":[
                      {"metric":{"Hostname":"gpu-node-1"},"value":[\(t),"90"]},
                      {"metric":{"Hostname":"gpu-node-2"},"value":[\(t),"10"]}]}}
                    """, contentType: "application/json")
            }
            return "{name: gpus, kind: prometheus-api, url: \"\(server.baseURL)\", query: \"avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)\", host_label: Hostname}"
        case .nvidiaSmiCSV:
            // One file per host: this feed describes gpu-node-1 only, so the second host comes
            // from a sibling feed in the policy (see feedLines).
            return ""
        case .jsonFile:
            let file = dir.appendingPathComponent("gpus.json")
            let json = """
                {"timestamp": "\(formatRFC3339(Date()))", "hosts": [
                  {"host": "gpu-node-1", "gpus": [{"id": "0", "utilization": 0.9}]},
                  {"host": "gpu-node-2", "gpus": [{"id": "0", "utilization": 0.1}]}]}
                """
            try Data(json.utf8).write(to: file)
            return "{name: gpus, kind: json-file, path: \(file.path)}"
        }
    }

    /// The policy for a kind. nvidia-smi-csv has one host per file, so each next-hop binds its
    /// own feed there.
    static func policy(_ kind: Kind, server: TestHTTPServer, dir: URL) throws -> Policy {
        guard kind == .nvidiaSmiCSV else {
            return try loadPolicy(policyText(feed: try setUp(kind, server: server, dir: dir)))
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy/MM/dd HH:mm:ss.SSS"
        let now = f.string(from: Date())
        for (host, value) in [("gpu-node-1", "90 %"), ("gpu-node-2", "10 %")] {
            let csv = "timestamp, name, pci.bus_id, utilization.gpu [%], memory.used [MiB]\n\(now), NVIDIA H100 80GB HBM3, 00000000:53:00.0, \(value), 1 MiB\n"
            try Data(csv.utf8).write(to: dir.appendingPathComponent("\(host).csv"))
        }
        let text = policyText(feed: "{name: smi1, kind: nvidia-smi-csv, path: \(dir.path)/gpu-node-1.csv}\n  - {name: smi2, kind: nvidia-smi-csv, path: \(dir.path)/gpu-node-2.csv}")
            .replacingOccurrences(of: "gpu: {feed: gpus, host: gpu-node-1}", with: "gpu: {feed: smi1, host: gpu-node-1}")
            .replacingOccurrences(of: "gpu: {feed: gpus, host: gpu-node-2}", with: "gpu: {feed: smi2, host: gpu-node-2}")
        return try loadPolicy(text)
    }

    func collect(_ kind: Kind) async throws -> (Policy, Snapshot) {
        let server = try await TestHTTPServer { _ in .init(status: 404, body: "") }
        defer { Task { await server.shutdown() } }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try Self.policy(kind, server: server, dir: dir)
        // 1.25 GB per 100 ms read on 100G links: 100 Gbit/s… scaled down to 10 % (125 MB/read).
        let collector = TelemetryCollector(policy: policy, links: FakeLinks(bytesPerRead: 125_000_000), latency: FakeLatency(milliseconds: ["busy": 0.2, "idle": 0.3]), logger: quietLogger)
        return (policy, try await collector.snapshot())
    }

    @Test("each feed kind puts 90 % and 10 % hosts into the snapshot and the planner's view", arguments: Kind.allCases)
    func feedKindsReachThePlanner(kind: Kind) async throws {
        let (policy, snap) = try await collect(kind)
        #expect(snap.feeds.allSatisfy { $0.state == .ok }, "\(snap.feeds)")
        let planner = Planner(policy: policy)
        let views = policy.nexthops.map { planner.view(of: $0, in: snap) }
        #expect(views.map(\.gpuUtilization) == [0.9, 0.1])
        #expect(views.map(\.latencyMilliseconds) == [0.2, 0.3])
        // Counters advanced 125 MB per read over ~100 ms: utilization is measured, not zero.
        let eth1 = try #require(snap.link(named: "eth1"))
        #expect(eth1.txUtilization > 0)
        #expect(eth1.speedMbps == 100_000)
    }

    @Test("plan gives the idle GPU side several times the weight, through each feed kind",
          .disabled("needs host model from solver branch"), arguments: Kind.allCases)
    func idleSideGetsSeveralTimesTheWeight(kind: Kind) async throws {
        let (policy, snap) = try await collect(kind)
        let plan = Planner(policy: policy).plan(snapshot: snap)
        let hops = try #require(plan.routes.first?.nexthops)
        let busy = try #require(hops.first { $0.name == "busy" })
        let idle = try #require(hops.first { $0.name == "idle" })
        #expect(Double(idle.weight) >= 3 * Double(busy.weight), "busy \(busy.weight), idle \(idle.weight)")
    }

    @Test("a failing feed leaves the next-hops in place, weighted by capacity and congestion only")
    func failingFeedDegrades() async throws {
        let policy = try Self.loadPolicy(Self.policyText(feed: "{name: gpus, kind: prometheus-text, url: \"http://127.0.0.1:\(try await closedPort())/metrics\"}"))
        let recorder = LogRecorder()
        let collector = TelemetryCollector(policy: policy, links: FakeLinks(bytesPerRead: 0), latency: nil, logger: recorder.logger())
        let snap = try await collector.snapshot()
        #expect(snap.feeds.map(\.state) == [.error])
        #expect(snap.gpus.isEmpty)
        let plan = Planner(policy: policy).plan(snapshot: snap)
        let weights = plan.routes[0].nexthops.map(\.weight)
        #expect(weights.count == 2 && weights[0] == weights[1] && weights[0] > 0)
        #expect(plan.warnings.contains { $0.hasPrefix("feed gpus: error") })
        #expect(recorder.warnings.count == 1)
    }

    @Test("snapshot then plan --snapshot reproduces the live plan exactly")
    func snapshotReproducesPlan() async throws {
        let (policy, snap) = try await collect(.prometheusText)
        let live = Planner(policy: policy).plan(snapshot: snap)
        let decoded = try Snapshot.decode(try snap.encoded())
        #expect(decoded == snap)
        #expect(Planner(policy: policy).plan(snapshot: decoded) == live)
    }
}
