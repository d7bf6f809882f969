import Metrics
import Synchronization
import TECore

/// Every metric tectl exports (docs/daemon.md, "Metrics"), recorded through swift-metrics into a
/// Prometheus registry that the /metrics endpoint serves.
public final class DaemonMetrics: Sendable {
    public static let help: [String: String] = [
        "tectl_nexthop_weight": "Integer weight of a next-hop in the group tectl programmed for a route (0: not a member).",
        "tectl_nexthop_up": "1 when the next-hop's link has carrier and is operationally up, else 0.",
        "tectl_nexthop_utilization_ratio": "Smoothed transmit utilization of the next-hop's link, 0 to 1.",
        "tectl_gpu_utilization_ratio": "GPU utilization a feed reported for a host, 0 to 1.",
        "tectl_feed_age_seconds": "Age of the newest value of a feed.",
        "tectl_feed_stale": "1 when a feed is stale or failing and left out of the weights, else 0.",
        "tectl_reconciles_total": "Reconcile cycles that completed.",
        "tectl_reconcile_errors_total": "Reconcile cycles that failed.",
        "tectl_netlink_errors_total": "Netlink errors seen by the controller.",
        "tectl_events_total": "Input events that triggered a re-plan, by kind.",
        "tectl_damper_decisions_total": "Damping decisions per route and cycle, by decision.",
        "tectl_kernel_changes_total": "Kernel objects created, updated or deleted by reconciles.",
        "tectl_policy_reloads_total": "Policy reloads, by result.",
        "tectl_last_reconcile_success_timestamp_seconds": "Unix time of the last successful reconcile.",
        "tectl_solve_duration_seconds": "Time to compute a plan from a snapshot.",
        "tectl_event_to_programmed_seconds": "Time from an input event to the reconcile that answered it.",
    ]

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .seconds(1),
    ]

    public let factory: PrometheusFactory
    let reconciles: Counter
    let reconcileErrors: Counter
    let netlinkErrors: Counter
    let kernelChanges: Counter
    let lastSuccess: Gauge
    let solveTime: Metrics.Timer
    let eventToProgrammed: Metrics.Timer

    /// Metrics whose label sets come and go with the policy and the feeds.
    private struct Labeled {
        var gauges: [String: Gauge] = [:]
        var counters: [String: Counter] = [:]
    }
    private let labeled = Mutex(Labeled())

    public init() {
        factory = PrometheusFactory(
            help: Self.help,
            durationBuckets: [
                "tectl_solve_duration_seconds": Self.latencyBuckets,
                "tectl_event_to_programmed_seconds": Self.latencyBuckets,
            ]
        )
        reconciles = Counter(label: "tectl_reconciles_total", factory: factory)
        reconcileErrors = Counter(label: "tectl_reconcile_errors_total", factory: factory)
        netlinkErrors = Counter(label: "tectl_netlink_errors_total", factory: factory)
        kernelChanges = Counter(label: "tectl_kernel_changes_total", factory: factory)
        lastSuccess = Gauge(label: "tectl_last_reconcile_success_timestamp_seconds", factory: factory)
        solveTime = Metrics.Timer(label: "tectl_solve_duration_seconds", factory: factory)
        eventToProgrammed = Metrics.Timer(label: "tectl_event_to_programmed_seconds", factory: factory)
    }

    /// The Prometheus text exposition of everything recorded.
    public func exposition() -> [UInt8] { factory.exposition() }

    public func recordReconcile(success: Bool, changes: Int, at unixTime: Double) {
        if success {
            reconciles.increment()
            kernelChanges.increment(by: changes)
            lastSuccess.record(unixTime)
        } else {
            reconcileErrors.increment()
        }
    }

    public func recordNetlinkError() { netlinkErrors.increment() }
    public func recordSolve(_ d: Duration) { solveTime.recordNanoseconds(d.nanoseconds) }
    public func recordEventToProgrammed(_ d: Duration) { eventToProgrammed.recordNanoseconds(d.nanoseconds) }

    public func countEvent(kind: String) { counter("tectl_events_total", [("kind", kind)]).increment() }
    public func countDecision(_ name: String) { counter("tectl_damper_decisions_total", [("decision", name)]).increment() }
    public func countReload(result: String) { counter("tectl_policy_reloads_total", [("result", result)]).increment() }

    /// Per route and next-hop weights, per next-hop state and utilization, from a programmed plan.
    /// Series of next-hops or routes that left the plan are removed.
    public func record(plan: Plan) {
        var gauges: [(String, [(String, String)], Double)] = []
        var seenHops = Set<String>()
        for route in plan.routes {
            let prefix = route.prefixes.first?.description ?? ""
            for hop in route.nexthops {
                gauges.append(("tectl_nexthop_weight", [("class", route.className), ("prefix", prefix), ("nexthop", hop.name)], Double(hop.weight)))
                if seenHops.insert(hop.name).inserted {
                    gauges.append(("tectl_nexthop_up", [("nexthop", hop.name)], hop.state == "up" ? 1 : 0))
                    gauges.append(("tectl_nexthop_utilization_ratio", [("nexthop", hop.name)], hop.utilization))
                }
            }
        }
        replaceGauges(families: ["tectl_nexthop_weight", "tectl_nexthop_up", "tectl_nexthop_utilization_ratio"], with: gauges)
    }

    /// GPU utilization and feed health from a snapshot.
    public func record(snapshot: Snapshot) {
        var gauges: [(String, [(String, String)], Double)] = []
        for gpu in snapshot.gpus where gpu.utilization.isFinite {
            gauges.append(("tectl_gpu_utilization_ratio", [("feed", gpu.feed), ("host", gpu.host)], gpu.utilization))
        }
        for feed in snapshot.feeds {
            gauges.append(("tectl_feed_stale", [("feed", feed.name)], feed.state == .ok ? 0 : 1))
            if let age = feed.ageSeconds, age.isFinite {
                gauges.append(("tectl_feed_age_seconds", [("feed", feed.name)], age))
            }
        }
        replaceGauges(families: ["tectl_gpu_utilization_ratio", "tectl_feed_stale", "tectl_feed_age_seconds"], with: gauges)
    }

    private func replaceGauges(families: Set<String>, with values: [(String, [(String, String)], Double)]) {
        let factory = self.factory
        labeled.withLock { state in
            var keep = Set<String>()
            for (name, labels, value) in values {
                let key = Self.seriesKey(name, labels)
                keep.insert(key)
                let gauge = state.gauges[key] ?? Gauge(label: name, dimensions: labels, factory: factory)
                state.gauges[key] = gauge
                gauge.record(value)
            }
            for (key, gauge) in state.gauges where !keep.contains(key) && families.contains(Self.family(of: key)) {
                gauge.destroy()
                state.gauges[key] = nil
            }
        }
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Counter {
        let factory = self.factory
        return labeled.withLock { state in
            let key = Self.seriesKey(name, labels)
            if let c = state.counters[key] { return c }
            let c = Counter(label: name, dimensions: labels, factory: factory)
            state.counters[key] = c
            return c
        }
    }

    private static func seriesKey(_ name: String, _ labels: [(String, String)]) -> String {
        name + "{" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{1}") + "}"
    }

    private static func family(of key: String) -> String {
        String(key.prefix { $0 != "{" })
    }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (s, atto) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns + atto / 1_000_000_000
    }
}
