import Testing
@testable import TETelemetry

@Suite("Counters → smoothed rates")
struct LinkRateEstimatorTests {
    func reading(_ tx: UInt64, at t: Double, ifindex: Int32 = 2, rx: UInt64 = 0, txDropped: UInt64 = 0) -> CounterReading {
        CounterReading(name: "eth1", ifindex: ifindex, rxBytes: rx, txBytes: tx, rxDropped: 0, txDropped: txDropped, time: t)
    }

    @Test("first rate is taken as is: 1.25 GB in 1 s is 10 Gbit/s")
    func firstRate() {
        var e = LinkRateEstimator(halfLifeSeconds: 2)
        #expect(e.update([reading(0, at: 0)]).isEmpty)
        let r = e.update([reading(1_250_000_000, at: 1, rx: 125_000_000, txDropped: 30)])
        #expect(r["eth1"] == LinkRates(txBitsPerSecond: 10e9, rxBitsPerSecond: 1e9, txDropsPerSecond: 30, rxDropsPerSecond: 0))
    }

    @Test("half-life: after a step the smoothed rate covers half the step after one half-life", arguments: [0.25, 0.5, 1.0])
    func halfLife(interval: Double) {
        var e = LinkRateEstimator(halfLifeSeconds: 2)
        var bytes: UInt64 = 0
        var t = 0.0
        _ = e.update([reading(bytes, at: t)])
        // Idle long enough to settle at 0.
        for _ in 0..<3 { t += interval; _ = e.update([reading(bytes, at: t)]) }
        // Then 1 Gbit/s for exactly one half-life.
        var rate = 0.0
        let steps = Int((2 / interval).rounded())
        for _ in 0..<steps {
            t += interval
            bytes += UInt64(125_000_000 * interval)
            rate = e.update([reading(bytes, at: t)])["eth1"]?.txBitsPerSecond ?? -1
        }
        #expect(abs(rate - 0.5e9) < 1e3)
    }

    @Test("alpha is 1 − 2^(−dt/h)")
    func alpha() {
        #expect(LinkRateEstimator.alpha(dt: 2, halfLife: 2) == 0.5)
        #expect(LinkRateEstimator.alpha(dt: 4, halfLife: 2) == 0.75)
        #expect(LinkRateEstimator.alpha(dt: 1, halfLife: 0) == 1)
    }

    @Test("64-bit and 32-bit counter wraps count the bytes across the wrap")
    func wraps() {
        #expect(LinkRateEstimator.delta(old: UInt64.max - 99, new: 100) == 200)
        #expect(LinkRateEstimator.delta(old: 4_294_967_000, new: 704) == 1000)
        #expect(LinkRateEstimator.delta(old: 5, new: 9) == 4)
    }

    @Test("counters going backwards (cleared) give no rate for that interval, then rates resume")
    func reset() {
        var e = LinkRateEstimator(halfLifeSeconds: 2)
        _ = e.update([reading(10_000_000_000, at: 0)])
        _ = e.update([reading(11_250_000_000, at: 1)])
        let afterReset = e.update([reading(1_000, at: 2)])
        #expect(afterReset["eth1"]?.txBitsPerSecond == 10e9)   // unchanged, no spike
        let next = e.update([reading(1_000 + 1_250_000_000, at: 3)])
        #expect(next["eth1"]?.txBitsPerSecond == 10e9)
    }

    @Test("a re-created interface (new ifindex) is re-baselined and its history dropped")
    func recreated() {
        var e = LinkRateEstimator(halfLifeSeconds: 2)
        _ = e.update([reading(0, at: 0)])
        _ = e.update([reading(1_250_000_000, at: 1)])
        let r = e.update([reading(500, at: 2, ifindex: 9)])
        #expect(r["eth1"] == nil)
        let r2 = e.update([reading(500 + 125_000_000, at: 3, ifindex: 9)])
        #expect(r2["eth1"]?.txBitsPerSecond == 1e9)
    }

    @Test("a link that disappears is forgotten")
    func disappears() {
        var e = LinkRateEstimator(halfLifeSeconds: 2)
        _ = e.update([reading(0, at: 0)])
        _ = e.update([reading(100, at: 1)])
        #expect(e.update([]).isEmpty)
    }

    @Test("latency EWMA uses the same half-life; a silent gateway has no latency")
    func latency() {
        var s = LatencySmoother(halfLifeSeconds: 1)
        #expect(s.update(["up1": 10], time: 0) == ["up1": 10])
        #expect(s.update(["up1": 20], time: 1) == ["up1": 15])
        #expect(s.update([:], time: 2).isEmpty)
        #expect(s.update(["up1": 40], time: 3) == ["up1": 40])
    }
}
