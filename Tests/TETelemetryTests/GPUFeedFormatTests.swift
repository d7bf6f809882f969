import Foundation
import TECore
import Testing
@testable import TETelemetry

@Suite("GPU feed formats → per-host utilization")
struct GPUFeedFormatTests {
    func textFeed(host: String? = nil, hostLabel: String? = nil, metric: String? = nil) -> Feed {
        Feed(name: "dcgm", kind: .prometheusText, url: "http://127.0.0.1:9400/metrics", hostLabel: hostLabel, host: host, metric: metric)
    }

    func samples(_ fixtureName: String, feed: Feed) throws -> [GPUSample] {
        let e = try PrometheusTextParser.parse(try fixture(fixtureName))
        return try GPUAggregation.samples(feed: feed.name, readings: try PrometheusGPUMapping.readings(from: e, feed: feed))
    }

    @Test("dcgm-exporter host label spelled Hostname (older) and hostname (newer) give the same host",
          arguments: ["dcgm-exporter-h100-Hostname.prom", "dcgm-exporter-h100-hostname.prom"])
    func hostLabelSpellings(file: String) throws {
        let s = try samples(file, feed: textFeed())
        #expect(s == [GPUSample(feed: "dcgm", host: "ip-10-0-180-136.ec2.internal", utilization: 0, gpus: 8)])
    }

    @Test("metric: overrides the default; DCGM_FI_PROF_* are ratios, others percent")
    func metricOverride() throws {
        let page = """
            # TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge
            DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-a",Hostname="n1"} 0.750000
            DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="1",UUID="GPU-b",Hostname="n1"} 0.250000
            # TYPE DCGM_FI_DEV_MEM_COPY_UTIL gauge
            DCGM_FI_DEV_MEM_COPY_UTIL{gpu="0",UUID="GPU-a",Hostname="n1"} 30
            """
        let e = try PrometheusTextParser.parse(page)
        let prof = try GPUAggregation.samples(feed: "f", readings: PrometheusGPUMapping.readings(from: e, feed: textFeed(metric: "DCGM_FI_PROF_GR_ENGINE_ACTIVE")))
        #expect(prof == [GPUSample(feed: "f", host: "n1", utilization: 0.5, gpus: 2)])
        let copy = try GPUAggregation.samples(feed: "f", readings: PrometheusGPUMapping.readings(from: e, feed: textFeed(metric: "DCGM_FI_DEV_MEM_COPY_UTIL")))
        #expect(copy == [GPUSample(feed: "f", host: "n1", utilization: 0.3, gpus: 1)])
    }

    @Test("an exporter without a host label needs host: on the feed")
    func quickstartNeedsHost() throws {
        #expect(throws: FeedFailure.self) { try samples("dcgm-exporter-2.x-quickstart.prom", feed: textFeed()) }
        let s = try samples("dcgm-exporter-2.x-quickstart.prom", feed: textFeed(host: "gpu-node-7"))
        #expect(s == [GPUSample(feed: "dcgm", host: "gpu-node-7", utilization: 0.37, gpus: 1)])
    }

    @Test("DCGM's blank sentinel (9223372036854775794) is not a utilization: the feed is an error")
    func sentinelRejected() throws {
        let feed = textFeed(host: "n", metric: "DCGM_FI_DEV_MEMORY_TEMP")
        #expect(throws: FeedFailure.self) { try samples("dcgm-exporter-2.x-quickstart.prom", feed: feed) }
    }

    @Test("AMD device-metrics-exporter: gpu_gfx_activity by gpu_id, host from hostname")
    func amd() throws {
        let s = try samples("amd-device-metrics-exporter.prom", feed: textFeed())
        #expect(s == [GPUSample(feed: "dcgm", host: "tw038", utilization: 0.5, gpus: 2)])
    }

    @Test("host_label: picks another label")
    func hostLabel() throws {
        let s = try samples("dcgm-exporter-h100-Hostname.prom", feed: textFeed(hostLabel: "pci_bus_id"))
        #expect(s.count == 8)
        #expect(s.allSatisfy { $0.gpus == 1 })
    }

    @Test("NaN from an exporter makes the feed an error, with the GPU named")
    func nan() throws {
        let e = try PrometheusTextParser.parse("DCGM_FI_DEV_GPU_UTIL{gpu=\"3\",Hostname=\"n1\"} NaN\n")
        #expect {
            try GPUAggregation.samples(feed: "f", readings: PrometheusGPUMapping.readings(from: e, feed: textFeed()))
        } throws: { error in
            (error as? FeedFailure)?.message.contains("GPU 3") == true
        }
    }

    @Test("nvidia-smi CSV: units in header and cells, [N/A] GPU left out of the mean, timestamps")
    func nvidiaSmi() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let csv = try NvidiaSmiCSV.parse(try fixture("nvidia-smi-8gpu.csv"), timeZone: utc)
        #expect(csv.rows.count == 8)
        #expect(csv.rows[4].utilization == nil)
        #expect(csv.rows[0].gpu == "00000000:07:00.0")
        #expect(csv.newestTimestamp == parseRFC3339("2026-11-26T12:00:05.121Z"))
        let s = try GPUAggregation.samples(feed: "smi", readings: csv.readings(host: "gpu-node-3"))
        let mean = (87.0 + 91 + 88 + 93 + 90 + 89 + 92) / 700
        #expect(s.count == 1)
        #expect(s[0].gpus == 7)
        #expect(abs(s[0].utilization - mean) < 1e-12)
    }

    @Test("nvidia-smi -l appending: the last row of each GPU wins")
    func nvidiaSmiLoop() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let csv = try NvidiaSmiCSV.parse(try fixture("nvidia-smi-loop.csv"), timeZone: utc)
        #expect(csv.rows.map(\.gpu) == ["0", "1"])
        #expect(csv.rows.map(\.utilization) == [0.08, 0.12])
        #expect(csv.newestTimestamp == parseRFC3339("2026-11-26T12:00:05.001Z"))
    }

    @Test("nvidia-smi CSV without utilization.gpu, all [N/A], or a ragged row is an error", arguments: [
        "timestamp, name\n2026/11/26 12:00:00.000, X\n",
        "utilization.gpu [%]\n[N/A]\n[N/A]\n",
        "index, utilization.gpu [%]\n0, 12 %, 7\n",
        "index, utilization.gpu [%]\n0, lots\n",
        "",
    ])
    func nvidiaSmiErrors(text: String) {
        #expect(throws: FeedFailure.self) {
            try NvidiaSmiCSV.parse(text).readings(host: "h")
        }
    }

    @Test("host from the file name when the feed has no host:")
    func hostFromFileName() {
        #expect(FeedReader.hostFromFileName("/var/lib/tectl/gpu-node-3.csv") == "gpu-node-3")
        #expect(FeedReader.hostFromFileName("gpu-node-4") == "gpu-node-4")
    }

    @Test("Prometheus API vector: one sample per host, GPUs averaged, evaluation time kept")
    func apiVector() throws {
        let r = try PrometheusAPIResponse.decode(Array(try fixture("prometheus-api-query-vector.json").utf8))
        #expect(r.resultType == "vector")
        #expect(r.newestTime == 1_775_085_339.885)
        let feed = Feed(name: "prom", kind: .prometheusAPI, url: "http://x", query: "DCGM_FI_DEV_GPU_UTIL", hostLabel: "Hostname")
        let s = try GPUAggregation.samples(feed: "prom", readings: r.readings(feed: feed))
        #expect(s.map(\.host) == ["ip-10-0-180-136.ec2.internal", "ip-10-0-251-220.ec2.internal"])
        #expect(s.map(\.gpus) == [2, 2])
    }

    @Test("Prometheus API error answer keeps the server's words")
    func apiError() throws {
        #expect {
            try PrometheusAPIResponse.decode(Array(try fixture("prometheus-api-query-error.json").utf8))
        } throws: { error in
            (error as? FeedFailure)?.message.contains("bad_data") == true
        }
    }

    @Test("tectl JSON feed file: ids as strings or numbers, null = not reported")
    func jsonFile() throws {
        let f = try JSONFeedFile.parse(Array(try fixture("gpu-feed.json").utf8), defaultHost: nil)
        #expect(f.timestamp == parseRFC3339("2026-11-26T12:00:00Z"))
        let s = try GPUAggregation.samples(feed: "j", readings: f.readings)
        #expect(s.map(\.host) == ["gpu-node-1", "gpu-node-2"])
        #expect(s.map(\.gpus) == [2, 1])
        #expect(abs(s[0].utilization - 0.89) < 1e-12)
        #expect(s[1].utilization == 0.12)
    }

    @Test("JSON feed file errors", arguments: [
        "{\"hosts\": [{\"gpus\": [{\"utilization\": 0.5}]}]}",
        "{\"hosts\": [{\"host\": \"a\", \"gpus\": [{\"utilization\": true}]}]}",
        "{\"hosts\": [{\"host\": \"a\", \"gpus\": [{\"utilization\": \"NaN\"}]}]}",
        "{\"hosts\": [{\"host\": \"a\", \"gpus\": [{}]}]}",
        "{\"timestamp\": \"yesterday\", \"hosts\": []}",
        "not json",
    ])
    func jsonErrors(text: String) {
        #expect(throws: FeedFailure.self) { try JSONFeedFile.parse(Array(text.utf8), defaultHost: nil) }
    }
}
