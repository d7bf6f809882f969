import Foundation
import Logging
import NIOCore
import NIOPosix
import TECore
import TENetlink

/// Produces the inputs of a control cycle: links with smoothed utilization and drop rates, GPU
/// feeds, and next-hop latency, read concurrently.
///
/// Keep one collector for the life of a controller: the smoothing state (counters, EWMAs, feed
/// transitions) lives here. `sample()` is one cycle; `snapshot()` is a one-shot reading that
/// measures counters over one control interval (what `tectl snapshot` and `tectl plan` use).
public actor TelemetryCollector {
    public let policy: Policy
    private let links: LinkCounterSource
    private let latency: LatencySource?
    private let feeds: FeedReader
    private var rates: LinkRateEstimator
    private var smoother: LatencySmoother
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let wallClock: @Sendable () -> Date

    public init(
        policy: Policy,
        links: LinkCounterSource = NetlinkCounterSource(),
        latency: LatencySource? = TCPConnectProbe(),
        logger: Logger = Logger(label: "tectl.telemetry"),
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.policy = policy
        self.links = links
        self.latency = latency
        let halfLife = Self.seconds(policy.control.utilizationHalfLife)
        self.rates = LinkRateEstimator(halfLifeSeconds: halfLife)
        self.smoother = LatencySmoother(halfLifeSeconds: halfLife)
        self.feeds = FeedReader(feeds: policy.feeds, logger: logger, group: group, clock: wallClock)
        self.origin = ContinuousClock().now
        self.wallClock = wallClock
    }

    /// How long a latency round may take: the control interval, at most one second.
    public var probeTimeout: Duration { min(policy.control.interval, .seconds(1)) }

    /// Reads counters only, to give the next `sample()` a rate.
    public func prime() async throws {
        let counters = try await links.read()
        _ = rates.update(readings(counters))
    }

    /// One control cycle. Throws only when the links cannot be read (netlink); feed and probe
    /// trouble ends up in `feeds` and in missing latency samples.
    public func sample() async throws -> Snapshot {
        let targets = policy.nexthops.map { LatencyTarget(nexthop: $0.name, address: $0.via, dev: $0.dev) }
        let timeout = probeTimeout
        async let feedReadout = feeds.read()
        async let measured: [String: Double] = latency?.probe(targets, timeout: timeout) ?? [:]
        let counters = try await links.read()
        let time = seconds(since: origin)
        let linkRates = rates.update(readings(counters, time: time))
        let latencies = smoother.update(await measured, time: time)
        let readout = await feedReadout
        let now = Date(timeIntervalSince1970: (wallClock().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        return Snapshot(
            timestamp: now,
            links: counters.map { linkSample($0, rates: linkRates[$0.name]) },
            gpus: readout.gpus,
            feeds: readout.statuses,
            latency: policy.nexthops.compactMap { nh in
                latencies[nh.name].map { LatencySample(nexthop: nh.name, milliseconds: round3($0)) }
            }
        )
    }

    /// A one-shot snapshot: counters, one control interval, then a full cycle.
    public func snapshot() async throws -> Snapshot {
        try await prime()
        try await Task.sleep(for: policy.control.interval)
        return try await sample()
    }

    /// Capacity that utilization is measured against: the smallest policy `capacity` of the
    /// next-hops on this device, else the link speed; nil when neither is known.
    public func capacityBitsPerSecond(dev: String, speedMbps: Int?) -> Double? {
        let configured = policy.nexthops.filter { $0.dev == dev }.compactMap { $0.capacity?.bitsPerSecond }
        if let c = configured.min(), c > 0 { return c }
        return speedMbps.flatMap { $0 > 0 ? Double($0) * 1e6 : nil }
    }

    private func linkSample(_ c: LinkCounters, rates: LinkRates?) -> LinkSample {
        let capacity = capacityBitsPerSecond(dev: c.name, speedMbps: c.speedMbps)
        func utilization(_ bits: Double?) -> Double {
            guard let bits, let capacity else { return 0 }
            return round6(min(1, max(0, bits / capacity)))
        }
        return LinkSample(
            name: c.name, ifindex: c.ifindex, operState: c.operState, carrier: c.carrier, speedMbps: c.speedMbps,
            txUtilization: utilization(rates?.txBitsPerSecond), rxUtilization: utilization(rates?.rxBitsPerSecond),
            txDropsPerSecond: round3(rates?.txDropsPerSecond ?? 0), rxDropsPerSecond: round3(rates?.rxDropsPerSecond ?? 0)
        )
    }

    private func readings(_ counters: [LinkCounters], time: Double? = nil) -> [CounterReading] {
        let t = time ?? seconds(since: origin)
        return counters.map {
            CounterReading(name: $0.name, ifindex: $0.ifindex, rxBytes: $0.rxBytes, txBytes: $0.txBytes, rxDropped: $0.rxDropped, txDropped: $0.txDropped, time: t)
        }
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double { Self.seconds(clock.now - start) }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

private func round6(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
private func round3(_ x: Double) -> Double { (x * 1e3).rounded() / 1e3 }
