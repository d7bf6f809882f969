import ArgumentParser
import Foundation
import TECore
import TENetlink
import TETelemetry

/// `tectl-bench telemetry`: what one control cycle's inputs cost.
struct TelemetryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry",
        abstract: "Prometheus text parsing, feed reads and the netlink counter dump, timed.",
        discussion: """
            1. Parse + map a dcgm-exporter page (19 default-counter families) for --gpus GPUs. \
            2. FeedReader.read of 4 file feeds (nvidia-smi CSV and JSON) from a temporary directory. \
            3. One RTM_GETLINK dump with IFLA_STATS64 and the ethtool speed of each link, in the current namespace.
            """
    )

    @Option(help: "GPUs on the generated dcgm-exporter page.")
    var gpus = 64

    @Option(help: "Repetitions of each measurement.")
    var repeats = 200

    func run() async throws {
        let page = Self.dcgmPage(gpus: gpus)
        let feed = Feed(name: "dcgm", kind: .prometheusText, url: "http://127.0.0.1:9400/metrics")
        var parse: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            let e = try PrometheusTextParser.parse(page)
            _ = try GPUAggregation.samples(feed: "dcgm", readings: PrometheusGPUMapping.readings(from: e, feed: feed))
            parse.append(Self.ms(ContinuousClock.now - start))
        }
        print(String(format: "prometheus-text parse+map, %d GPUs (%d lines, %.0f KiB): median %.3f ms, p99 %.3f ms, %.0f MB/s",
                     gpus, gpus * 19, Double(page.utf8.count) / 1024, Self.median(parse), Self.p99(parse),
                     Double(page.utf8.count) / 1e6 / (Self.median(parse) / 1000)))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-bench-tel-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var feeds: [Feed] = []
        for i in 0..<2 {
            let csv = "timestamp, index, utilization.gpu [%]\n" + (0..<8).map { "2026/11/26 12:00:00.000, \($0), \(10 * i + $0) %" }.joined(separator: "\n")
            let path = dir.appendingPathComponent("gpu-node-\(i).csv").path
            try Data(csv.utf8).write(to: URL(fileURLWithPath: path))
            feeds.append(Feed(name: "smi\(i)", kind: .nvidiaSmiCSV, path: path, staleAfter: .seconds(1_000_000_000)))
            let json = "{\"hosts\": [{\"host\": \"j\(i)\", \"gpus\": [" + (0..<8).map { "{\"utilization\": 0.\($0)}" }.joined(separator: ",") + "]}]}"
            let jpath = dir.appendingPathComponent("j\(i).json").path
            try Data(json.utf8).write(to: URL(fileURLWithPath: jpath))
            feeds.append(Feed(name: "json\(i)", kind: .jsonFile, path: jpath, staleAfter: .seconds(1_000_000_000)))
        }
        let reader = FeedReader(feeds: feeds)
        var reads: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            let r = await reader.read()
            reads.append(Self.ms(ContinuousClock.now - start))
            guard r.statuses.allSatisfy({ $0.state == .ok }) else { throw ValidationError("feeds not ok: \(r.statuses)") }
        }
        print(String(format: "FeedReader.read, 4 file feeds × 8 GPUs: median %.3f ms, p99 %.3f ms", Self.median(reads), Self.p99(reads)))

        var dumps: [Double] = []
        var links = 0
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            links = try await NetlinkCounterSource().read().count
            dumps.append(Self.ms(ContinuousClock.now - start))
        }
        print(String(format: "link counters dump (%d links, incl. thread hop and ethtool): median %.3f ms, p99 %.3f ms", links, Self.median(dumps), Self.p99(dumps)))
    }

    static func dcgmPage(gpus: Int) -> String {
        let families = ["SM_CLOCK", "MEM_CLOCK", "MEMORY_TEMP", "GPU_TEMP", "POWER_USAGE", "TOTAL_ENERGY_CONSUMPTION",
                        "PCIE_REPLAY_COUNTER", "GPU_UTIL", "MEM_COPY_UTIL", "ENC_UTIL", "DEC_UTIL", "XID_ERRORS", "FB_FREE",
                        "FB_USED", "NVLINK_BANDWIDTH_TOTAL", "VGPU_LICENSE_STATUS", "UNCORRECTABLE_REMAPPED_ROWS",
                        "CORRECTABLE_REMAPPED_ROWS", "ROW_REMAP_FAILURE"]
        var out = ""
        for f in families {
            out += "# HELP DCGM_FI_DEV_\(f) \(f).\n# TYPE DCGM_FI_DEV_\(f) gauge\n"
            for g in 0..<gpus {
                let host = "gpu-node-\(g / 8)"
                out += "DCGM_FI_DEV_\(f){gpu=\"\(g % 8)\",UUID=\"GPU-\(String(format: "%08x", g))-f531-14ce-0530-1ac21e4b68e6\",pci_bus_id=\"00000000:\(String(format: "%02X", 0x53 + g % 8)):00.0\",device=\"nvidia\(g % 8)\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"\(host)\",DCGM_FI_DRIVER_VERSION=\"580.105.08\"} \(g % 100)\n"
            }
        }
        return out
    }

    static func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    static func p99(_ xs: [Double]) -> Double { xs.sorted()[min(xs.count - 1, Int(Double(xs.count) * 0.99))] }
}
