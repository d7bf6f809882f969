import Foundation

/// Counters of one link at one instant, as the collector reads them.
public struct CounterReading: Sendable, Equatable {
    public var name: String
    public var ifindex: Int32
    public var rxBytes: UInt64
    public var txBytes: UInt64
    public var rxDropped: UInt64
    public var txDropped: UInt64
    /// Monotonic time of the reading, in seconds.
    public var time: Double

    public init(name: String, ifindex: Int32, rxBytes: UInt64, txBytes: UInt64, rxDropped: UInt64 = 0, txDropped: UInt64 = 0, time: Double) {
        self.name = name
        self.ifindex = ifindex
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.rxDropped = rxDropped
        self.txDropped = txDropped
        self.time = time
    }
}

/// Smoothed rates of one link.
public struct LinkRates: Sendable, Equatable {
    public var txBitsPerSecond: Double
    public var rxBitsPerSecond: Double
    public var txDropsPerSecond: Double
    public var rxDropsPerSecond: Double

    public init(txBitsPerSecond: Double = 0, rxBitsPerSecond: Double = 0, txDropsPerSecond: Double = 0, rxDropsPerSecond: Double = 0) {
        self.txBitsPerSecond = txBitsPerSecond
        self.rxBitsPerSecond = rxBitsPerSecond
        self.txDropsPerSecond = txDropsPerSecond
        self.rxDropsPerSecond = rxDropsPerSecond
    }
}

/// Counters → smoothed rates. Pure: time comes in with the readings.
///
/// Smoothing is an exponentially weighted moving average with a half-life `h`
/// (`control.utilization_half_life`): after an interval `dt` the new rate gets the weight
/// `α = 1 − 2^(−dt/h)`, so a step change in traffic is half reflected after `h` whatever the
/// polling interval. The first rate of a link is taken as is.
///
/// Counters that go backwards are told apart as follows:
/// - a 64-bit counter that was in its top half and is now in its bottom half wrapped at 2^64;
/// - a counter below 2^32 that was in the top half of the 32-bit range and is now in its bottom
///   half wrapped at 2^32 (drivers that keep 32-bit counters behind IFLA_STATS64);
/// - anything else is a reset (counters cleared, driver reloaded): the link is re-baselined and
///   gives no rate for that interval, instead of a spike.
/// A link whose ifindex changed was re-created: it is re-baselined and its smoothed history
/// dropped. Links that disappear are forgotten.
public struct LinkRateEstimator: Sendable {
    public var halfLifeSeconds: Double
    private var last: [String: CounterReading] = [:]
    private var smoothed: [String: LinkRates] = [:]

    public init(halfLifeSeconds: Double) {
        self.halfLifeSeconds = halfLifeSeconds
    }

    /// Weight of a new rate measured over `dt` seconds.
    public static func alpha(dt: Double, halfLife: Double) -> Double {
        guard halfLife > 0 else { return 1 }
        return 1 - pow(2, -dt / halfLife)
    }

    /// Increase of a counter from `old` to `new`, or nil when it was reset.
    public static func delta(old: UInt64, new: UInt64) -> UInt64? {
        if new >= old { return new - old }
        let top64: UInt64 = 1 << 63
        if old >= top64, new < top64 { return new &- old }
        let range32: UInt64 = 1 << 32
        if old < range32, old >= range32 / 2, new < range32 / 2 { return new + (range32 - old) }
        return nil
    }

    /// Takes one reading per link; returns the smoothed rates of every link that has one.
    public mutating func update(_ readings: [CounterReading]) -> [String: LinkRates] {
        var seen = Set<String>()
        for r in readings {
            seen.insert(r.name)
            defer { last[r.name] = r }
            guard let prev = last[r.name] else { continue }
            if prev.ifindex != r.ifindex {
                smoothed[r.name] = nil
                continue
            }
            let dt = r.time - prev.time
            guard dt > 0,
                  let tx = Self.delta(old: prev.txBytes, new: r.txBytes),
                  let rx = Self.delta(old: prev.rxBytes, new: r.rxBytes),
                  let txd = Self.delta(old: prev.txDropped, new: r.txDropped),
                  let rxd = Self.delta(old: prev.rxDropped, new: r.rxDropped)
            else { continue }
            let sample = LinkRates(
                txBitsPerSecond: Double(tx) * 8 / dt, rxBitsPerSecond: Double(rx) * 8 / dt,
                txDropsPerSecond: Double(txd) / dt, rxDropsPerSecond: Double(rxd) / dt
            )
            if let old = smoothed[r.name] {
                let a = Self.alpha(dt: dt, halfLife: halfLifeSeconds)
                smoothed[r.name] = LinkRates(
                    txBitsPerSecond: old.txBitsPerSecond + a * (sample.txBitsPerSecond - old.txBitsPerSecond),
                    rxBitsPerSecond: old.rxBitsPerSecond + a * (sample.rxBitsPerSecond - old.rxBitsPerSecond),
                    txDropsPerSecond: old.txDropsPerSecond + a * (sample.txDropsPerSecond - old.txDropsPerSecond),
                    rxDropsPerSecond: old.rxDropsPerSecond + a * (sample.rxDropsPerSecond - old.rxDropsPerSecond)
                )
            } else {
                smoothed[r.name] = sample
            }
        }
        for name in last.keys where !seen.contains(name) {
            last[name] = nil
            smoothed[name] = nil
        }
        return smoothed
    }
}
