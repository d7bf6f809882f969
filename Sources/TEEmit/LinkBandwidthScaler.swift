/// Link-bandwidth values (Mbit/s, 1–25600) for the BGP sessions of one route, and the weights
/// the receiving FRR will install from them.
public struct LinkBandwidthAssignment: Sendable, Equatable {
    /// `set extcommunity bandwidth` value per member, in member order.
    public var bandwidthMbps: [Int]
    /// What the receiver installs: `floor(bandwidth × 100 / Σ bandwidth)` per member.
    public var receiverWeights: [Int]
    /// Largest |installed share / target share − 1| over the members.
    public var maxRatioError: Double
}

/// Chooses link-bandwidth values so that the weights an FRR receiver derives from them are as
/// close as possible, in ratio, to target shares.
///
/// FRR (8.4) turns the link-bandwidth community of each multipath into the kernel weight
/// `floor(bw × 100 / Σ bw)`. So the weights the receiver can install are integer vectors whose sum
/// is 100 minus less than one per member; their precision is set by that 100, not by the
/// 1–25600 range. The scaler searches that set directly: for every reachable sum it finds the
/// integer weights of least maximum ratio error (bisection on the error bound), keeps the best,
/// then builds bandwidth values that floor to exactly those weights.
public enum LinkBandwidthScaler {
    /// The values `set extcommunity bandwidth` accepts (Mbit/s).
    public static let range = 1...25600
    /// The receiver's weight scale (FRR: `bw * 100 / cum_bw`).
    public static let receiverScale = 100

    /// The weights an FRR receiver installs for these bandwidth values.
    public static func receiverWeights(_ bandwidthMbps: [Int]) -> [Int] {
        let sum = bandwidthMbps.reduce(0, +)
        guard sum > 0 else { return bandwidthMbps.map { _ in 0 } }
        return bandwidthMbps.map { $0 * receiverScale / sum }
    }

    /// Largest |(w_i / Σw) / t_i − 1| for target shares `t` (any positive scale).
    public static func maxRatioError(_ weights: [Int], targets: [Double]) -> Double {
        let total = Double(weights.reduce(0, +))
        let targetSum = targets.reduce(0, +)
        guard total > 0, targetSum > 0 else { return .infinity }
        var worst = 0.0
        for (w, t) in zip(weights, targets) {
            worst = max(worst, abs((Double(w) / total) / (t / targetSum) - 1))
        }
        return worst
    }

    /// Bandwidth values for members with positive `targets` (any scale). Nil when there is no
    /// member, a target is not positive and finite, or there are more members than the receiver's
    /// weight scale can give a weight of at least 1 to (over 100).
    public static func assign(_ targets: [Double]) -> LinkBandwidthAssignment? {
        let n = targets.count
        guard n > 0, n <= receiverScale, targets.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        let sum = targets.reduce(0, +)
        let shares = targets.map { $0 / sum }
        // Reachable sums: each member's floor loses less than 1, so Σw > 100 − n; each w ≥ 1.
        let lowest = max(n, receiverScale - n + 1)
        var best: (weights: [Int], error: Double)?
        for total in stride(from: receiverScale, through: lowest, by: -1) {
            guard let weights = apportion(shares, total: total) else { continue }
            let error = maxRatioError(weights, targets: shares)
            if let b = best, error >= b.error - 1e-12 { continue }
            best = (weights, error)
        }
        guard let best else { return nil }
        let bandwidth = bandwidthValues(for: best.weights)
        return LinkBandwidthAssignment(bandwidthMbps: bandwidth, receiverWeights: receiverWeights(bandwidth), maxRatioError: maxRatioError(receiverWeights(bandwidth), targets: shares))
    }

    /// Integer weights ≥ 1 summing to `total` with the least maximum ratio error to `shares`.
    static func apportion(_ shares: [Double], total: Int) -> [Int]? {
        let t = Double(total)
        func bounds(_ eps: Double) -> (lo: [Int], hi: [Int])? {
            var lo: [Int] = [], hi: [Int] = []
            for s in shares {
                let l = max(1, Int((t * s * (1 - eps) - 1e-9).rounded(.up)))
                let h = Int((t * s * (1 + eps) + 1e-9).rounded(.down))
                if l > h { return nil }
                lo.append(l)
                hi.append(h)
            }
            guard lo.reduce(0, +) <= total, hi.reduce(0, +) >= total else { return nil }
            return (lo, hi)
        }
        var low = 0.0
        var high = 1.0 + (shares.map { 1 / (t * $0) }.max() ?? 1)
        guard bounds(high) != nil else { return nil }
        for _ in 0..<64 {
            let mid = (low + high) / 2
            if bounds(mid) != nil { high = mid } else { low = mid }
        }
        guard let (start, hi) = bounds(high) else { return nil }
        var weights = start
        // Fill up to `total`, each time raising the member furthest below its exact value.
        var missing = total - weights.reduce(0, +)
        while missing > 0 {
            var pick = -1
            var gap = -Double.infinity
            for i in weights.indices where weights[i] < hi[i] {
                let g = t * shares[i] - Double(weights[i])
                if g > gap + 1e-12 { gap = g; pick = i }
            }
            guard pick >= 0 else { return nil }
            weights[pick] += 1
            missing -= 1
        }
        return weights
    }

    /// Bandwidth values whose `floor(b_i × 100 / Σb)` is exactly `weights` (Σweights > 100 − n).
    /// With Σb = 100·K and b_i = w_i·K + e_i (0 ≤ e_i < K, Σe = (100 − Σw)·K) each quotient is
    /// w_i + e_i/K, which floors to w_i. K is the smallest factor that leaves room for the slack,
    /// so the values stay small (exact in the community's IEEE float encoding).
    static func bandwidthValues(for weights: [Int]) -> [Int] {
        let n = weights.count
        let slack = receiverScale - weights.reduce(0, +)
        guard slack > 0 else { return weights }
        let k = (n + (n - slack) - 1) / (n - slack)
        var remaining = slack * k
        return weights.map { w in
            let e = min(k - 1, remaining)
            remaining -= e
            return w * k + e
        }
    }
}
