/// Turns fractional shares into integer group weights.
public enum WeightQuantizer {
    /// Integer weights for `shares` (≥ 0, any scale) with a sum of at most `maxTotal`; every
    /// positive share gets at least 1, zero shares get 0. Largest-remainder rounding at the
    /// largest scale that fits, then reduced by the common divisor (so 10G:10G is 1:1).
    public static func quantize(_ shares: [Double], maxTotal: Int) -> [Int] {
        let positive = shares.filter { $0 > 0 }
        guard !positive.isEmpty, maxTotal >= positive.count else {
            return shares.map { $0 > 0 ? 1 : 0 }
        }
        let sum = positive.reduce(0, +)
        var best: [Int] = []
        var bestError = Double.infinity
        // Try every total; keep the smallest total whose error is within a hair of the best.
        for total in positive.count...maxTotal {
            let w = largestRemainder(shares, sum: sum, total: total)
            let err = maxError(w, shares: shares, sum: sum)
            if err < bestError - 1e-12 {
                bestError = err
                best = w
            }
            if err < 1e-12 { break }
        }
        let g = best.reduce(0) { gcd($0, $1) }
        return g > 1 ? best.map { $0 / g } : best
    }

    /// Largest |w_i / Σw − s_i / Σs|.
    public static func maxError(_ weights: [Int], shares: [Double], sum: Double? = nil) -> Double {
        let total = Double(weights.reduce(0, +))
        let shareSum = sum ?? shares.filter { $0 > 0 }.reduce(0, +)
        guard total > 0, shareSum > 0 else { return 0 }
        var worst = 0.0
        for (w, s) in zip(weights, shares) {
            worst = max(worst, abs(Double(w) / total - max(0, s) / shareSum))
        }
        return worst
    }

    static func largestRemainder(_ shares: [Double], sum: Double, total: Int) -> [Int] {
        let n = shares.count
        var weights = [Int](repeating: 0, count: n)
        var remainders: [(Double, Int)] = []
        var assigned = 0
        for i in 0..<n where shares[i] > 0 {
            let exact = shares[i] / sum * Double(total)
            let floorValue = max(1, Int(exact.rounded(.down)))
            weights[i] = floorValue
            assigned += floorValue
            remainders.append((exact - Double(floorValue), i))
        }
        remainders.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        var k = 0
        while assigned < total, !remainders.isEmpty {
            weights[remainders[k % remainders.count].1] += 1
            assigned += 1
            k += 1
        }
        return weights
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
