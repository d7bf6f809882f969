import CoreMetrics
import Prometheus

/// A swift-metrics factory over one `PrometheusCollectorRegistry` that gives every metric its
/// `# HELP` line (promtool's lint wants one) and its histogram buckets, by metric name.
/// Explicit, not bootstrapped: the daemon hands it to the metrics it creates, so two daemons in
/// one process (the tests) never share state.
public struct PrometheusFactory: MetricsFactory, Sendable {
    public let registry: PrometheusCollectorRegistry
    let help: [String: String]
    let durationBuckets: [String: [Duration]]
    let valueBuckets: [String: [Double]]

    public init(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        help: [String: String],
        durationBuckets: [String: [Duration]] = [:],
        valueBuckets: [String: [Double]] = [:]
    ) {
        self.registry = registry
        self.help = help
        self.durationBuckets = durationBuckets
        self.valueBuckets = valueBuckets
    }

    static let defaultDurationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// The metric's name, whole in `metricName` (the unit is part of our names), and its help.
    func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? "")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(
            descriptor: descriptor(label), labels: dimensions, buckets: valueBuckets[label] ?? [0.001, 0.01, 0.1, 1, 10]
        )
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            descriptor: descriptor(label), labels: dimensions, buckets: durationBuckets[label] ?? Self.defaultDurationBuckets
        )
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let c = handler as? Prometheus.Counter { registry.unregisterCounter(c) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let c = handler as? Prometheus.Counter { registry.unregisterCounter(c) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let g = handler as? Prometheus.Gauge { registry.unregisterGauge(g) }
        if let h = handler as? ValueHistogram { registry.unregisterValueHistogram(h) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let g = handler as? Prometheus.Gauge { registry.unregisterGauge(g) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let h = handler as? DurationHistogram { registry.unregisterDurationHistogram(h) }
    }

    /// The registry's metrics in the Prometheus text format 0.0.4.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
