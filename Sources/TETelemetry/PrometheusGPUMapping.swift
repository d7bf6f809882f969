import TECore

/// Which exposition metrics mean "GPU utilization", and how to read their labels.
///
/// - `DCGM_FI_DEV_GPU_UTIL` (NVIDIA dcgm-exporter, percent), the default;
/// - `gpu_gfx_activity` (AMD device-metrics-exporter, percent), used when the exposition has no
///   DCGM_FI_DEV_GPU_UTIL;
/// - any `metric:` from the feed; `DCGM_FI_PROF_*` metrics are ratios (0...1), all others percent.
///
/// The host is the feed's `host:` when given (one exporter describes one host), else the label
/// named by `host_label:`, else `Hostname` (dcgm-exporter before the 2026 rename) or `hostname`
/// (newer dcgm-exporter, AMD). The GPU is the `gpu` label (dcgm), else `gpu_id` (AMD), else
/// `UUID`/`gpu_uuid`, `pci_bus_id`, `device`, else the series' position.
public enum PrometheusGPUMapping {
    public static let dcgmUtilization = "DCGM_FI_DEV_GPU_UTIL"
    public static let amdUtilization = "gpu_gfx_activity"
    static let hostLabels = ["Hostname", "hostname"]
    static let gpuLabels = ["gpu", "gpu_id", "UUID", "gpu_uuid", "pci_bus_id", "device"]

    /// True when the metric reports a ratio 0...1 rather than a percentage.
    public static func isRatio(_ metric: String) -> Bool { metric.hasPrefix("DCGM_FI_PROF_") }

    /// The metric a feed reads from this exposition.
    public static func metric(for feed: Feed, in exposition: PrometheusExposition) throws(FeedFailure) -> String {
        if let m = feed.metric { return m }
        let names = Set(exposition.samples.map(\.name))
        if names.contains(dcgmUtilization) { return dcgmUtilization }
        if names.contains(amdUtilization) { return amdUtilization }
        throw FeedFailure(.error, "no \(dcgmUtilization) or \(amdUtilization) samples (set metric: to read another)")
    }

    /// Host of a series with these labels.
    public static func host(labels: [String: String], feed: Feed) throws(FeedFailure) -> String {
        if let h = feed.host { return h }
        if let label = feed.hostLabel {
            guard let h = labels[label], !h.isEmpty else { throw FeedFailure(.error, "a series has no \(label) label (host_label)") }
            return h
        }
        for label in hostLabels { if let h = labels[label], !h.isEmpty { return h } }
        throw FeedFailure(.error, "a series has no Hostname/hostname label; set host: or host_label: on the feed")
    }

    static func gpu(labels: [String: String], position: Int) -> String {
        for label in gpuLabels { if let g = labels[label], !g.isEmpty { return g } }
        return String(position)
    }

    /// Per-GPU readings of the feed's metric in a text exposition.
    public static func readings(from exposition: PrometheusExposition, feed: Feed) throws(FeedFailure) -> [GPUReading] {
        let metric = try metric(for: feed, in: exposition)
        let samples = exposition.samples(named: metric)
        guard !samples.isEmpty else { throw FeedFailure(.error, "no \(metric) samples") }
        let divisor = isRatio(metric) ? 1.0 : 100
        var out: [GPUReading] = []
        for (i, s) in samples.enumerated() {
            out.append(GPUReading(host: try host(labels: s.labels, feed: feed), gpu: gpu(labels: s.labels, position: i), utilization: s.value / divisor))
        }
        return out
    }
}
