/// EWMA of latency per next-hop, with the same half-life rule as link utilization.
public struct LatencySmoother: Sendable {
    public var halfLifeSeconds: Double
    private var state: [String: (value: Double, time: Double)] = [:]

    public init(halfLifeSeconds: Double) { self.halfLifeSeconds = halfLifeSeconds }

    /// Folds in this round's measurements (taken at `time`, seconds). Next-hops that did not
    /// answer this round are left out of the result (a dead gateway has no latency) and their
    /// history is dropped.
    public mutating func update(_ measured: [String: Double], time: Double) -> [String: Double] {
        var out: [String: Double] = [:]
        for (name, ms) in measured where ms.isFinite && ms >= 0 {
            if let old = state[name], time > old.time {
                let a = LinkRateEstimator.alpha(dt: time - old.time, halfLife: halfLifeSeconds)
                out[name] = old.value + a * (ms - old.value)
            } else {
                out[name] = ms
            }
            state[name] = (out[name] ?? ms, time)
        }
        for name in state.keys where measured[name] == nil { state[name] = nil }
        return out
    }
}
