import Foundation

/// The hold-aware certificate (docs/solve.md, "Hold-aware lower bound").
///
/// Stage k minimizes the MLU of row k (demands of level ≤ k) while each earlier row j < k keeps
/// its MLU ≤ H_j (the holds). Dualizing both, for y ≥ 0 on row k's links with Σ y = 1 and
/// z_j ≥ 0 on the links of each held row j:
///
///   bound = Σ_e y_e·load_e/c_e + Σ_{j<k} Σ_e z_{j,e}·(load_e/c_e − H_j)
///         + Σ_d v_d · min_p Σ_{e∈p} W_{level(d),e} / c_e,   W_l = y + Σ_{j=l}^{k−1} z_j
///
/// is at most stage k's optimum under those holds (weak duality). With z = 0 it is the plain
/// bound. Where holds bind, the plain bound cannot reach the optimum; z priced on the links where
/// a held row blocks the moves that y asks for closes that gap.
extension SolverRun {
    /// Per stage: the state of the hold-aware search (when it last ran, how the bound moved).
    struct HoldSearch {
        var stage = -1
        /// Sweep of the last attempt (or of the stage start).
        var lastTry = 0
        /// Sweep at which the best bound last rose by a useful amount, and that bound.
        var lastGain = 0
        var gainedBound = 0.0
        /// Attempts that did not raise the bound in a row (spaces further attempts out).
        var misses = 0
        /// The z rows the last successful search found: re-priced at every certification pass
        /// from then on (the holds bind in this stage).
        var z: [Double] = []
        /// Whether the search already ran early for a sweep that moved nothing (`holdPass`).
        var frozenTried = false
    }

    /// The hold-aware step of a certification pass of stage `k` at the current weights
    /// (`weight`·`inverseSum`): once a search has found that holds bind, the bound with the
    /// last z at these weights (one pass); a new search when one is due. Adopts a better
    /// certificate (raising `bestBound`).
    func holdPass(_ k: Int, inverseSum inv: Double, plain: Double, caps: [Double], sweeps: Int, bestBound: inout Double, top: Double, target: Double, frozen: Bool = false) {
        guard k > 0 else { return }
        // A full sweep that moved nothing (warm): the holds may block every move the weights ask
        // for, and more sweeps at these weights only repeat it. Once a stage, the search runs at
        // once, and its certificate is kept only where it certifies the target (else the stage
        // goes on exactly as it would have: on small random gadgets a z adopted early but short
        // of the target doubled a stage's sweeps).
        if frozen, holdSearch.stage == k, !holdSearch.frozenTried, relativeGap(top, lowerBound: bestBound) > target {
            holdSearch.frozenTried = true
            let lastTry = holdSearch.lastTry
            let found = tryHoldBound(k, inverseSum: inv, plain: plain, caps: caps, floor: bestBound, sweeps: sweeps, stopAt: (top, target))
            holdSearch.lastTry = lastTry
            if let found, found.value > bestBound, relativeGap(top, lowerBound: found.value) <= target {
                adopt(found, bestBound: &bestBound)
                holdSearch.z = found.z
                return
            }
        }
        let due = holdSearchDue(k, sweeps: sweeps, bestBound: bestBound, gap: relativeGap(top, lowerBound: bestBound), target: target)
        if due {
            let stop = options.holdSearchStopsAtTarget ? (top: top, target: target) : nil
            let found = tryHoldBound(k, inverseSum: inv, plain: plain, caps: caps, floor: bestBound, sweeps: sweeps, stopAt: stop)
            if let found, found.value > bestBound {
                adopt(found, bestBound: &bestBound)
                holdSearch.z = found.z
                holdSearch.misses = 0
            } else {
                holdSearch.misses += 1
            }
        } else if !holdSearch.z.isEmpty, relativeGap(top, lowerBound: bestBound) > target {
            let E = linkCount
            var y = [Double](repeating: 0, count: E)
            for e in 0..<E where invCap[e] > 0 { y[e] = weight[e] * inv }
            let z = holdSearch.z
            let holds = Array(caps.prefix(k))
            let value = y.withUnsafeBufferPointer { yb in
                z.withUnsafeBufferPointer { zb in
                    guard let yp = yb.baseAddress else { return -Double.infinity }
                    return holdBound(k, y: yp, z: zb.baseAddress, rows: k, holds: holds)
                }
            }
            if value > bestBound {
                adopt((value, y, z, Array(UnsafeBufferPointer(start: passCost, count: demandCount))), bestBound: &bestBound)
            }
        }
    }

    /// Makes a hold-aware certificate the stage's best: `dual`, `holdZ`, `bestCost`.
    func adopt(_ c: (value: Double, y: [Double], z: [Double], costs: [Double]), bestBound: inout Double) {
        bestBound = c.value
        dual.update(from: c.y, count: linkCount)
        holdZ = c.z
        c.costs.withUnsafeBufferPointer { if let b = $0.baseAddress { bestCost.update(from: b, count: demandCount) } }
        bestCostValid = true
    }

    /// The hold-aware bound of stage `k` for normalized y (Σ y = 1 over live links) and z rows
    /// `z` (flat, row j at j·E, rows 0..<z.count/E; missing rows are 0), holds `holds[j]`. One
    /// pass over the active paths; each demand's cheapest cost under W_level goes to `passCost`
    /// and its cheapest path to `argmin` when given.
    func holdBound(_ k: Int, y: UnsafePointer<Double>, z: UnsafePointer<Double>?, rows: Int, holds: [Double], argmin: UnsafeMutablePointer<Int>? = nil) -> Double {
        let E = linkCount
        holdBoundPasses += 1
        let rows = min(rows, k)
        // W_l for l = 0…k (row k: y alone).
        let w = UnsafeMutablePointer<Double>.allocate(capacity: max(1, (k + 1) * E))
        defer { w.deallocate() }
        (w + k * E).update(from: y, count: E)
        var l = k - 1
        while l >= 0 {
            let row = w + l * E
            row.update(from: row + E, count: E)
            if l < rows, let z { for e in 0..<E { row[e] += z[l * E + e] } }
            l -= 1
        }
        var b = 0.0
        for e in 0..<E where invCap[e] > 0 { b += y[e] * load[e] * invCap[e] }
        if let z {
            for j in 0..<rows {
                let h = holds[j]
                for e in 0..<E where invCap[e] > 0 && z[j * E + e] > 0 { b += z[j * E + e] * (load[e] * invCap[e] - h) }
            }
        }
        for a in 0..<activeCount {
            let d = Int(active[a])
            let wl = UnsafePointer(w + min(level[d], k) * E)
            var best = Double.infinity
            var bestPath = -1
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                let c = pathCost(p, wl)
                if c < best { best = c; bestPath = p }
            }
            passCost[d] = best
            argmin?[d] = bestPath
            if best.isFinite { b += volume[d] * best }
        }
        return b
    }

    /// The same bound from stored per-demand costs under W_level (same structure): O(k·links + demands).
    func holdBound(_ k: Int, y: UnsafePointer<Double>, z: UnsafePointer<Double>?, rows: Int, holds: [Double], costs: UnsafePointer<Double>) -> Double {
        let E = linkCount
        var b = 0.0
        for e in 0..<E where invCap[e] > 0 { b += y[e] * load[e] * invCap[e] }
        if let z {
            for j in 0..<min(rows, k) {
                let h = holds[j]
                for e in 0..<E where invCap[e] > 0 && z[j * E + e] > 0 { b += z[j * E + e] * (load[e] * invCap[e] - h) }
            }
        }
        for a in 0..<activeCount {
            let d = Int(active[a])
            let c = costs[d]
            if c.isFinite { b += volume[d] * c }
        }
        return b
    }

    /// The bound of (y, z) for stage `k` under `holds`, and of y alone (z = 0): whichever is
    /// higher, with its z (empty for the plain one) and its per-demand costs (each pass leaves
    /// them in `passCost`). For the multipliers of an LP, whose z can cost a hair where the holds
    /// do not bind.
    func pricedOrPlainBound(_ k: Int, y: [Double], z: [Double], holds: [Double]) -> (value: Double, z: [Double], costs: [Double]) {
        var value = certificateBound(k, y: y, z: [], holds: holds, costs: nil)
        var costs = Array(UnsafeBufferPointer(start: passCost, count: demandCount))
        var chosen: [Double] = []
        if z.contains(where: { $0 > 0 }) {
            let priced = certificateBound(k, y: y, z: z, holds: holds, costs: nil)
            if priced > value {
                value = priced
                costs = Array(UnsafeBufferPointer(start: passCost, count: demandCount))
                chosen = z
            }
        }
        return (value, chosen, costs)
    }

    /// A stored certificate (y, z rows) re-evaluated for stage `k`: from the stored costs when
    /// given (same structure), else by a pass (costs then in `passCost`). y is normalized here.
    func certificateBound(_ k: Int, y: [Double], z: [Double], holds: [Double], costs: [Double]?) -> Double {
        let E = linkCount
        guard y.count == E, z.count % max(1, E) == 0 else { return 0 }
        var sum = 0.0
        for e in 0..<E where invCap[e] > 0 { sum += y[e] }
        guard sum > 0, sum.isFinite else { return 0 }
        let rows = min(k, z.count / max(1, E))
        if abs(sum - 1) > 1e-12 {
            // Not normalized (an old answer): scale y and z alike (the bound is 1-homogeneous in
            // (y, z) apart from Σ y = 1, so both scale; the costs scale with them).
            let ys = y.map { $0 / sum }
            let zs = z.map { $0 / sum }
            let cs = costs.map { $0.map { $0 / sum } }
            return certificateBound(k, y: ys, z: zs, holds: holds, costs: cs)
        }
        return y.withUnsafeBufferPointer { yb -> Double in
            guard let yp = yb.baseAddress else { return 0 }
            return z.withUnsafeBufferPointer { zb -> Double in
                let zp = rows > 0 ? zb.baseAddress : nil
                if let costs, costs.count == demandCount {
                    return costs.withUnsafeBufferPointer { cb in
                        cb.baseAddress.map { holdBound(k, y: yp, z: zp, rows: rows, holds: holds, costs: $0) } ?? 0
                    }
                }
                return holdBound(k, y: yp, z: zp, rows: rows, holds: holds)
            }
        }
    }

    /// Whether a hold-aware attempt is due at this certification pass of stage `k`: only when
    /// holds exist, the gap is not yet reached and the plain bound has stopped rising (a few
    /// sweeps without a useful gain), spaced out further after each attempt that gained nothing.
    func holdSearchDue(_ k: Int, sweeps: Int, bestBound: Double, gap: Double, target: Double) -> Bool {
        guard k > 0, gap > target else { return false }
        if holdSearch.stage != k {
            holdSearch = HoldSearch(stage: k, lastTry: sweeps, lastGain: sweeps, gainedBound: bestBound, misses: 0)
            return false
        }
        if bestBound > holdSearch.gainedBound * (1 + target / 20) {
            holdSearch.gainedBound = bestBound
            holdSearch.lastGain = sweeps
        }
        let wait = 8 << min(holdSearch.misses, 4)
        return sweeps - holdSearch.lastGain >= 8 && sweeps - holdSearch.lastTry >= wait
    }

    /// Searches z for the current normalized link weights `y` (stage `k`, holds `caps[0..<k]`):
    /// z_j = λ_j·s_j, where s_j prices, per held row j, the links at which that row blocks a
    /// move to a demand's cheapest path under y (at the price gap of the blocked moves), and
    /// λ_j ≥ 0 comes from a short bracketing search on the bound's supergradient (the bound is
    /// concave in λ). Returns the best bound found above `floor` with its z rows and costs.
    func searchHoldBound(_ k: Int, y: UnsafePointer<Double>, plain: Double, caps: [Double], floor: Double, sweeps: Int, stopAt: (top: Double, target: Double)? = nil) -> (bound: Double, z: [Double], costs: [Double])? {
        holdSearch.lastTry = sweeps
        let E = linkCount
        let holds = Array(caps.prefix(k))
        guard holds.count == k, holds.allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        // Direction: for each blocked move (flow on a path dearer under y than the cheapest,
        // with no room on the cheapest path because a held row is full there), the price gap
        // per unit of flow, put on the link and row that block it (z·/c = gap). Two directions
        // are tried: the largest gap blocked there (a price that makes every blocked move
        // indifferent or worse) and the flow-weighted mean gap (robust to a few outliers).
        var sMax = [Double](repeating: 0, count: k * E)
        var sMean = [Double](repeating: 0, count: k * E)
        var mass = [Double](repeating: 0, count: k * E)
        let argmin = UnsafeMutablePointer<Int>.allocate(capacity: max(1, demandCount))
        defer { argmin.deallocate() }
        for a in 0..<activeCount {
            let d = Int(active[a])
            let l = level[d]
            argmin[d] = -1
            guard l < k else { continue }
            var cheapest = -1
            var cheapestCost = Double.infinity
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                let c = pathCost(p, y)
                if c < cheapestCost { cheapestCost = c; cheapest = p }
            }
            argmin[d] = cheapest
            guard cheapest >= 0 else { continue }
            let tiny = 1e-9 * volume[d]
            for p in pathStart[d]..<pathStart[d + 1] where p != cheapest && pathLive[p] && flow[p] > tiny {
                let gap = pathCost(p, y) - cheapestCost
                guard gap > 0 else { continue }
                // The tightest held (row, link) on the cheapest path, not shared with p.
                var tightest = Double.infinity
                var at = (-1, -1)
                for i in linkStart[cheapest]..<linkStart[cheapest + 1] {
                    let e = Int(links[i])
                    if path(p, crosses: links[i]) { continue }
                    for j in l..<k {
                        let free = holds[j] / invCap[e] - load[e] - cum[j * E + e]
                        if free < tightest { tightest = free; at = (j, e) }
                    }
                }
                // Blocked: less room than a small share of the flow (the primal cannot move it).
                guard at.0 >= 0, tightest < max(tiny, 1e-3 * flow[p]) else { continue }
                let index = at.0 * E + at.1
                sMax[index] = max(sMax[index], gap / invCap[at.1])
                sMean[index] += flow[p] * gap / invCap[at.1]
                mass[index] += flow[p]
            }
        }
        for i in 0..<(k * E) where mass[i] > 0 { sMean[i] /= mass[i] }
        let cheapestAtZero = Array(UnsafeBufferPointer(start: argmin, count: demandCount))
        var best: (bound: Double, z: [Double], costs: [Double])?
        for direction in [sMax, sMean] {
            // (The second direction only where the first did not certify the target.)
            if let stopAt, let best, relativeGap(stopAt.top, lowerBound: best.bound) <= stopAt.target { break }
            cheapestAtZero.withUnsafeBufferPointer { if let b = $0.baseAddress { argmin.update(from: b, count: demandCount) } }
            if let found = lineSearch(k, y: y, direction: direction, plain: plain, holds: holds, floor: floor, argmin: argmin, stopAt: stopAt),
               found.bound > (best?.bound ?? -.infinity) {
                best = found
            }
        }
        return best
    }

    /// The best bound along z = λ·s over λ ≥ 0 (few evaluations), `argmin` holding each active
    /// demand's cheapest path under y (λ = 0) on entry; nil when no row of s can help.
    func lineSearch(_ k: Int, y: UnsafePointer<Double>, direction: [Double], plain: Double, holds: [Double], floor: Double, argmin: UnsafeMutablePointer<Int>, stopAt: (top: Double, target: Double)? = nil) -> (bound: Double, z: [Double], costs: [Double])? {
        let E = linkCount
        var s = direction
        var anyRow = [Bool](repeating: false, count: k)
        for i in 0..<(k * E) where s[i] > 0 { anyRow[i / E] = true }
        guard anyRow.contains(true) else { return nil }
        // At λ = 0 (the plain bound of y) the cheapest paths are known from the scan: where no
        // row's supergradient is positive there, z along s cannot raise the bound (concave in
        // λ), so no evaluation is spent.
        let atZero = slopes(k, s: s, rows: anyRow, holds: holds, argmin: argmin)
        for j in 0..<k where atZero[j] <= 0 { anyRow[j] = false }
        guard anyRow.contains(true) else { return nil }
        // One λ for the rows whose slope at 0 is positive (z = λ·s): the bound is concave in λ,
        // so the tangents at the bracket's ends bound what any λ between them can reach. Start
        // at λ = 1 (z/c = the price gaps), ×4 while the slope stays positive, then cut at the
        // tangents' intersection; stop when that bound cannot beat `floor` or the best point by
        // 0.01% of the bound, or after 6 evaluations.
        for j in 0..<k where !anyRow[j] { for e in 0..<E { s[j * E + e] = 0 } }
        var lo = (t: 0.0, f: plain, g: zip(atZero, anyRow).reduce(0.0) { $0 + ($1.1 ? $1.0 : 0) })
        var hi: (t: Double, f: Double, g: Double)?
        var best: (bound: Double, z: [Double], costs: [Double])?
        var bestValue = -Double.infinity
        var z = [Double](repeating: 0, count: k * E)
        var t = 1.0
        for _ in 0..<6 {
            for i in 0..<(k * E) { z[i] = t * s[i] }
            let value = z.withUnsafeBufferPointer { zb in holdBound(k, y: y, z: zb.baseAddress, rows: k, holds: holds, argmin: argmin) }
            if value > bestValue {
                bestValue = value
                best = (value, z, Array(UnsafeBufferPointer(start: passCost, count: demandCount)))
            }
            // A bound that certifies the stage's target ends the search: the stage stops there.
            if let stopAt, relativeGap(stopAt.top, lowerBound: bestValue) <= stopAt.target { break }
            let g = slopes(k, s: s, rows: anyRow, holds: holds, argmin: argmin).reduce(0, +)
            if g > 0 { lo = (t, value, g) } else { hi = (t, value, g) }
            guard let hi else {
                t *= 4
                continue
            }
            // Tangents f_lo + g_lo (x − t_lo) and f_hi + g_hi (x − t_hi) meet at x: above both curves' max.
            let denominator = lo.g - hi.g
            guard denominator > 0 else { break }
            let x = (hi.f - lo.f + lo.g * lo.t - hi.g * hi.t) / denominator
            let ceiling = lo.f + lo.g * (x - lo.t)
            let tolerance = 1e-4 * max(abs(ceiling), 1e-300)
            if ceiling <= max(floor, bestValue) + tolerance { break }
            t = min(max(x, lo.t + 0.05 * (hi.t - lo.t)), hi.t - 0.05 * (hi.t - lo.t))
        }
        return best
    }

    /// The supergradient of the bound in λ_j along rows s_j (for the rows marked in `rows`), given
    /// each active demand's cheapest path `argmin` at the point:
    /// Σ_e s_j,e (load_e/c_e − H_j) + Σ_{d: level(d) ≤ j} v_d Σ_{e∈argmin_d} s_j,e/c_e.
    func slopes(_ k: Int, s: [Double], rows: [Bool], holds: [Double], argmin: UnsafePointer<Int>) -> [Double] {
        let E = linkCount
        var slope = [Double](repeating: 0, count: k)
        for j in 0..<k where rows[j] {
            var g = 0.0
            for e in 0..<E where invCap[e] > 0 && s[j * E + e] > 0 { g += s[j * E + e] * (load[e] * invCap[e] - holds[j]) }
            slope[j] = g
        }
        for a in 0..<activeCount {
            let d = Int(active[a])
            let p = argmin[d]
            guard p >= 0, level[d] < k else { continue }
            for j in level[d]..<k where rows[j] {
                var c = 0.0
                for i in linkStart[p]..<linkStart[p + 1] {
                    let e = Int(links[i])
                    c += s[j * E + e] * invCap[e]
                }
                slope[j] += volume[d] * c
            }
        }
        return slope
    }

    /// The hold-aware search at the current link weights (`weight`·`inverseSum`, normalized):
    /// its best certificate above `floor`, if any (remembered for the next passes).
    func tryHoldBound(_ k: Int, inverseSum inv: Double, plain: Double, caps: [Double], floor: Double, sweeps: Int, stopAt: (top: Double, target: Double)? = nil) -> (value: Double, y: [Double], z: [Double], costs: [Double])? {
        let E = linkCount
        var y = [Double](repeating: 0, count: E)
        for e in 0..<E where invCap[e] > 0 { y[e] = weight[e] * inv }
        let found = y.withUnsafeBufferPointer { yb in
            yb.baseAddress.flatMap { searchHoldBound(k, y: $0, plain: plain, caps: caps, floor: floor, sweeps: sweeps, stopAt: stopAt) }
        }
        guard let found else { return nil }
        return (found.bound, y, found.z, found.costs)
    }

    /// Prices the certificate that stage `k` inherited from the previous stage (`dual`, and
    /// `holdZ` with fewer rows: the missing ones are 0) for stage k's demands: costs to `passCost`;
    /// returns the bound it certifies for stage k.
    func priceInherited(_ k: Int, holds: [Double]) -> Double {
        let rows = holdZ.count / max(1, linkCount)
        return holdZ.withUnsafeBufferPointer { zb in
            holdBound(k, y: dual, z: rows > 0 ? zb.baseAddress : nil, rows: rows, holds: holds)
        }
    }

    /// The z rows stored with stage `k`'s certificate: k rows (padded with 0), or [] without z.
    func storedHoldRows(_ k: Int) -> [Double] {
        guard k > 0, holdZ.contains(where: { $0 > 0 }) else { return [] }
        let n = k * linkCount
        if holdZ.count >= n { return Array(holdZ.prefix(n)) }
        return holdZ + [Double](repeating: 0, count: n - holdZ.count)
    }
}
