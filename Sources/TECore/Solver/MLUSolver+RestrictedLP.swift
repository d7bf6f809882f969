import Foundation

/// A certificate from a restricted LP, for a stage whose sweeps crawl above its target (docs/solve.md,
/// "Restricted LP certificate").
///
/// Dropping the capacity rows of all but a set S of links relaxes the stage's problem, so the
/// optimum of what is left is a lower bound on the stage's own optimum, and the LP's multipliers
/// are a certificate (y, z) like any other: `certificateBound` checks them over every path. Where
/// the flows are close to optimal, the multipliers that matter sit on the links at the top: on
/// wan-300-tight (seed 3, after its sweeps stalled) the LP over the links within 0.39% of the top
/// (444 link-rows of 1,712 links) bounds 0.65% below the flows' MLU, where the sweeps'
/// certificates stopped at 1.63%. A demand with a path
/// that crosses no link of S is left out (all of its flow can go there at no cost), so the LP
/// holds the demands that the top links squeeze, and is solved by the interior-point method of
/// the exact stages (`StageLP`).
extension SolverRun {
    /// The first δ, as a share of the stage's target; each step multiplies it by
    /// `restrictedStep`, up to `restrictedLastShare` of the target, and then every link is taken.
    static let restrictedFirstShare = 0.2
    static let restrictedStep = 1.4
    static let restrictedLastShare = 4.0
    /// The interior-point method's residual tolerance and iteration limit for these LPs (their
    /// multipliers need not be exact: the bound is computed from them over every path).
    static let restrictedTolerance = 1e-7
    static let restrictedIterations = 40

    /// Tries restricted LPs over the links within δ of the top of row k (and within δ/2 of its
    /// hold in each held row), δ from a fifth of the target up by steps of 1.4 to four times
    /// it and then every link, while they stay within `options.restrictedLPLimit` link-rows,
    /// until one certifies `target`. The step that would pass the limit takes the limit's worth
    /// of the nearest link-rows instead, once (wan-300-tight seed 27: 434 link-rows bound 6.4%
    /// below the MLU, the next step has 654, and the 600 nearest certify 0.67%). The LPs of a
    /// try cost at most three of the largest allowed (Σ R³), and at most `budget` (a warm
    /// stage's). Adopts each better certificate (raising `bestBound`).
    ///
    /// `grow`: the stage is about to end above its target (its last resort). The try starts at
    /// the limit's worth of the nearest link-rows and, where that does not certify, adds the
    /// link-rows that the LP's own flows overfill (row generation), half the limit's worth at a
    /// time, most overfilled first, up to `options.restrictedLPGrowth` times the limit (the budget is
    /// not applied: a warm stage that ends above its target is solved again cold).
    func restrictedCertificate(_ k: Int, caps: [Double], top: Double, target: Double, bestBound: inout Double, work budget: Double = .infinity, grow: Bool = false) {
        let E = linkCount
        guard options.restrictedLPLimit > 0, top > 0, top.isFinite, activeCount > 0 else { return }
        let holds = Array(caps.prefix(k))
        var deltas: [Double] = []
        if !grow, target > 0, target.isFinite {
            var d = target * SolverRun.restrictedFirstShare
            while d <= target * SolverRun.restrictedLastShare {
                deltas.append(d)
                d *= SolverRun.restrictedStep
            }
        }
        // Last, every link (where that fits: small problems). With δ = 1 every held row's links
        // are within δ/2 = 50% of its hold, not all of them: 2 takes all (limits ≤ 0).
        deltas.append(2)
        // The rows that take part (row k, and each held row with a hold) and their utilization
        // (links without capacity: −∞, never near the top).
        let rowLevels = lpRows(k, holds: holds)
        let utilization = rowLevels.map { j in
            let row = cum + j * E
            return (0..<E).map { e in invCap[e] > 0 ? (load[e] + row[e]) * invCap[e] : -Double.infinity }
        }
        // The `n` link-rows nearest the top: a held row's link at H·(1 − δ/2) as near as one of
        // row k at top·(1 − δ).
        func nearest(_ n: Int) -> [[Int]] {
            var scored: [(score: Double, row: Int, link: Int)] = []
            for (r, j) in rowLevels.enumerated() {
                for e in 0..<E where utilization[r][e] > -Double.infinity {
                    let score = j < k ? 2 * utilization[r][e] / holds[j] - 1 : utilization[r][e] / top
                    scored.append((score, r, e))
                }
            }
            scored.sort { $0.score > $1.score || ($0.score == $1.score && ($0.row, $0.link) < ($1.row, $1.link)) }
            var lists = [[Int]](repeating: [], count: rowLevels.count)
            for x in scored.prefix(n) { lists[x.row].append(x.link) }
            return lists.map { $0.sorted() }
        }
        var previousRows = -1
        var work = 0.0
        for delta in deltas {
            // The link-rows: row k's links near the top, each held row's links near its hold.
            var rowLinks: [[Int]] = []
            var count = 0
            for (r, j) in rowLevels.enumerated() {
                let limit = j < k ? holds[j] * (1 - delta / 2) : top * (1 - delta)
                let list = (0..<E).filter { utilization[r][$0] >= limit }
                count += list.count
                rowLinks.append(list)
            }
            // Past the limit: once, the limit's worth of the nearest link-rows, and no further.
            var last = false
            if count > options.restrictedLPLimit {
                guard previousRows < options.restrictedLPLimit * 9 / 10 else { break }
                rowLinks = nearest(options.restrictedLPLimit)
                count = options.restrictedLPLimit
                last = true
            }
            if count == previousRows { continue }
            previousRows = count
            // At most the cost of three of the largest LPs allowed per try (Σ R³; many steps
            // just under the limit would otherwise add up), and at most the caller's budget.
            let cost = pow(Double(count), 3)
            if !grow, work + cost > min(budget, 3 * pow(Double(options.restrictedLPLimit), 3)) { break }
            work += cost
            guard let bound = restrictedBound(k, rowLevels: rowLevels, rowLinks: rowLinks, holds: holds, overfilled: grow) else { continue }
            if bound.certificate.value > bestBound { adopt(bound.certificate, bestBound: &bestBound) }
            if relativeGap(top, lowerBound: bestBound) <= target { break }
            if last {
                if grow { growRows(k, rowLevels: rowLevels, rowLinks: rowLinks, holds: holds, from: bound.overfilled, top: top, target: target, bestBound: &bestBound) }
                break
            }
        }
    }

    /// Row generation after the LP over `rowLinks` fell short (`restrictedCertificate`'s `grow`):
    /// the link-rows its flows overfill join, `restrictedLPLimit / 2` at a time, most
    /// overfilled first, while the LP stays within `options.restrictedLPGrowth` times the limit.
    /// wan-300-tight seed 63 (cold), whose sweeps stalled at a certified 1.98% (MLU 0.9256):
    /// the 600 nearest link-rows bound 0.9076, 1,216 link-rows outside them are overfilled by
    /// that LP's flows, and 900 and then 1,200 link-rows bound 0.9093 and 0.9182 (0.98%).
    func growRows(_ k: Int, rowLevels: [Int], rowLinks: [[Int]], holds: [Double], from overfilled: [(row: Int, link: Int)], top: Double, target: Double, bestBound: inout Double) {
        let step = max(1, options.restrictedLPLimit / 2)
        let most = options.restrictedLPLimit * options.restrictedLPGrowth
        var rows = rowLinks
        var count = rowLinks.reduce(0) { $0 + $1.count }
        var next = overfilled
        while !next.isEmpty, count < most {
            let added = next.prefix(min(step, most - count))
            for x in added { rows[x.row].append(x.link) }
            count += added.count
            rows = rows.map { $0.sorted() }
            guard let bound = restrictedBound(k, rowLevels: rowLevels, rowLinks: rows, holds: holds, overfilled: true) else { return }
            if bound.certificate.value > bestBound { adopt(bound.certificate, bestBound: &bestBound) }
            if relativeGap(top, lowerBound: bestBound) <= target { return }
            next = bound.overfilled
        }
    }

    /// The restricted LP over `rowLinks[r]` of row `rowLevels[r]` (the last is row k), solved, and
    /// its multipliers' bound under `holds` (with the held rows' multipliers as z, and without:
    /// the higher); and, with `overfilled`, the link-rows outside it that its flows overfill
    /// (row k's above the LP's MLU, a held row's above its hold; the demands left out keep their
    /// flows), most overfilled first. Nil when the LP has nothing to hold or does not solve.
    func restrictedBound(_ k: Int, rowLevels: [Int], rowLinks: [[Int]], holds: [Double], overfilled listed: Bool = false) -> (certificate: (value: Double, y: [Double], z: [Double], costs: [Double]), overfilled: [(row: Int, link: Int)])? {
        let E = linkCount
        // Per row and link: its link-row (or -1).
        var linkRow = [Int32](repeating: -1, count: rowLevels.count * E)
        var scale = 0.0
        var lp = StageLP()
        for links in rowLinks {
            for e in links { scale = max(scale, 1 / invCap[e]) }
        }
        guard scale > 0, scale.isFinite else { return nil }
        for (r, j) in rowLevels.enumerated() {
            for e in rowLinks[r] {
                linkRow[r * E + e] = Int32(lp.a.count)
                let c = 1 / invCap[e] / scale
                lp.a.append(j == k ? c : 0)
                lp.b.append(j == k ? -load[e] / scale : max(0, holds[j] * c - load[e] / scale))
            }
        }
        guard lp.a.contains(where: { $0 > 0 }) else { return nil }
        var rowsOfPaths: [[Int32]] = []
        // Per LP path, in order: the path behind it.
        var lpPaths: [Int] = []
        var lpPathsOfDemand: [Int] = []
        for a in 0..<activeCount {
            let d = Int(active[a])
            guard volume[d] > 0 else { continue }
            rowsOfPaths.removeAll(keepingCapacity: true)
            lpPathsOfDemand.removeAll(keepingCapacity: true)
            var free = false
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                var list: [Int32] = []
                for (r, j) in rowLevels.enumerated() where j >= level[d] {
                    let base = r * E
                    for i in linkStart[p]..<linkStart[p + 1] {
                        let lr = linkRow[base + Int(links[i])]
                        if lr >= 0 { list.append(lr) }
                    }
                }
                if list.isEmpty {
                    free = true
                    break
                }
                rowsOfPaths.append(list)
                lpPathsOfDemand.append(p)
            }
            guard !free, !rowsOfPaths.isEmpty else { continue }
            lp.addDemand(volume: volume[d] / scale, paths: rowsOfPaths)
            lpPaths.append(contentsOf: lpPathsOfDemand)
        }
        guard lp.demandCount > 0, let answer = lp.solve(tolerance: SolverRun.restrictedTolerance, acceptable: .infinity, maxIterations: SolverRun.restrictedIterations) else { return nil }

        // Row k's multipliers as y (per unit of utilization: times c), the held rows' as z.
        var y = [Double](repeating: 0, count: E)
        var z = [Double](repeating: 0, count: k * E)
        var sum = 0.0
        var i = 0
        for (r, j) in rowLevels.enumerated() {
            for e in rowLinks[r] {
                let m = answer.multiplier[i] / invCap[e] / scale
                i += 1
                guard m.isFinite else { return nil }
                if j == k {
                    y[e] = m
                    sum += m
                } else {
                    z[j * E + e] = m
                }
            }
        }
        guard sum > 0, sum.isFinite else { return nil }
        for e in 0..<E { y[e] /= sum }
        for q in 0..<z.count { z[q] /= sum }
        let (value, chosenZ, costs) = pricedOrPlainBound(k, y: y, z: z, holds: holds)
        guard value > 0, value.isFinite else { return nil }
        guard listed else { return ((value, y, chosenZ, costs), []) }

        // The LP's flows (the demands left out keep theirs), summed per row over the links.
        var full = Array(UnsafeBufferPointer(start: flow, count: pathCount))
        for (i, p) in lpPaths.enumerated() { full[p] = answer.flow[i] * scale }
        var rowFlow = [Double](repeating: 0, count: (k + 1) * E)
        for a in 0..<activeCount {
            let d = Int(active[a])
            let base = level[d] * E
            for p in pathStart[d]..<pathStart[d + 1] where full[p] != 0 {
                for i in linkStart[p]..<linkStart[p + 1] { rowFlow[base + Int(links[i])] += full[p] }
            }
        }
        for j in 0..<k {
            for e in 0..<E { rowFlow[(j + 1) * E + e] += rowFlow[j * E + e] }
        }
        var overfilled: [(excess: Double, row: Int, link: Int)] = []
        for (r, j) in rowLevels.enumerated() {
            let limit = j == k ? answer.t : holds[j]
            guard limit > 0, limit.isFinite else { continue }
            for e in 0..<E where invCap[e] > 0 && linkRow[r * E + e] < 0 {
                let excess = (load[e] + rowFlow[j * E + e]) * invCap[e] / limit - 1
                if excess > 1e-9 { overfilled.append((excess, r, e)) }
            }
        }
        overfilled.sort { $0.excess > $1.excess || ($0.excess == $1.excess && ($0.row, $0.link) < ($1.row, $1.link)) }
        return ((value, y, chosenZ, costs), overfilled.map { ($0.row, $0.link) })
    }
}

extension SolverRun {
    /// The rows a restricted LP of stage k holds: row k, and each held row with a hold.
    func lpRows(_ k: Int, holds: [Double]) -> [Int] {
        (0...k).filter { $0 == k || (holds[$0].isFinite && holds[$0] > 0) }
    }

    /// The share of a previous certificate's weight (y and z together) whose link-rows make up
    /// its support for `supportCertificate`; the rest is left out.
    static let supportMass = 1 - 1e-6
    /// The support LP may cost this share of the sweeps the previous answer's stage took.
    static let supportShare = 0.1
    /// The support LP's cost against a sweep's (one unit per path-link entry of the problem): per
    /// path-row entry of the LP and per cube of its link-rows, over its 10–20 interior-point
    /// iterations; plus one pass (its certificate over every path). Measured on wan-300-tight,
    /// fattree-k8-tight and fattree-k16-tight-8k (LPs of 3–600 link-rows and up to 72,000
    /// path-row entries): about
    /// 0.16 µs per entry and 0.018 ns per R³ each iteration, against about 10 ns per entry in a
    /// sweep.
    static let supportEntryWork = 240.0
    static let supportRowWork = 0.027

    /// A warm stage's certificate from the restricted LP over the link-rows that carried the
    /// previous answer's certificate (`y` on row k, `z` on the held rows: those that hold all
    /// but 10⁻⁶ of its weight) and each held row's links within half the target of its hold,
    /// with this run's volumes and loads (docs/solve.md, "The LP over the previous
    /// certificate's support").
    ///
    /// Where the previous certificate came from an LP (the restricted LP, or the bisection over
    /// virtual links), it sits on a few hundred link-rows at most: the constraints that bound its
    /// optimum. After a small change the new optimum is bound by mostly the same ones, so the LP
    /// over them bounds the changed problem about as well as the grown LP that found them did
    /// the old one, at the cost of one LP of their size. The held rows' links near their holds
    /// join because the holds moved (each is an earlier stage's new MLU), and the previous
    /// certificate may not have priced them. A certificate from the sweeps (smoothed weights on
    /// every link) has no small support. The LP is tried only where its estimated cost is at
    /// most `supportShare` of the sweeps the previous answer's stage took (none where that is
    /// not known). Adopts the certificate where it is better (raising `bestBound`).
    func supportCertificate(_ k: Int, caps: [Double], y: [Double], z: [Double], target: Double, bestBound: inout Double) {
        let E = linkCount
        guard options.restrictedLPLimit > 0, activeCount > 0, y.count == E, let previous = previousSweeps[levels[k]] else { return }
        let allowed = Double(previous) * SolverRun.supportShare
        let entryCount = Double(max(1, linkStart[pathCount]))
        let L = max(1, levels.count)
        // The LP's estimated cost in sweeps, from its link-rows and its path-row entries (a row
        // j link's: the paths of levels ≤ j that cross it).
        var count = 0, lpEntries = 0
        func fits() -> Bool {
            let work = SolverRun.supportEntryWork * Double(lpEntries) + SolverRun.supportRowWork * pow(Double(count), 3)
            return count <= options.restrictedLPLimit && 1 + work / entryCount <= allowed
        }
        guard fits() else { return }
        let holds = Array(caps.prefix(k))
        let rowLevels = lpRows(k, holds: holds)
        var entries: [(weight: Double, row: Int, link: Int)] = []
        var total = 0.0
        for (r, j) in rowLevels.enumerated() {
            for e in 0..<E where invCap[e] > 0 {
                let w = j == k ? y[e] : (j * E + e < z.count ? z[j * E + e] : 0)
                guard w > 0, w.isFinite else { continue }
                entries.append((w, r, e))
                total += w
            }
        }
        guard total > 0, total.isFinite else { return }
        entries.sort { $0.weight > $1.weight || ($0.weight == $1.weight && ($0.row, $0.link) < ($1.row, $1.link)) }
        var member = [Bool](repeating: false, count: rowLevels.count * E)
        func add(_ r: Int, _ e: Int) {
            member[r * E + e] = true
            count += 1
            lpEntries += buffers.linkLevelEnd[e * L + rowLevels[r]] - buffers.linkPathStart[e]
        }
        var mass = 0.0
        for x in entries where mass < SolverRun.supportMass * total {
            add(x.row, x.link)
            mass += x.weight
            guard fits() else { return }
        }
        for (r, j) in rowLevels.enumerated() where j < k {
            let row = cum + j * E
            for e in 0..<E where invCap[e] > 0 && !member[r * E + e] && (load[e] + row[e]) * invCap[e] >= holds[j] * (1 - target / 2) { add(r, e) }
        }
        guard fits() else { return }
        let rowLinks = (0..<rowLevels.count).map { r in (0..<E).filter { member[r * E + $0] } }
        guard !rowLinks[rowLevels.count - 1].isEmpty,
              let bound = restrictedBound(k, rowLevels: rowLevels, rowLinks: rowLinks, holds: holds),
              bound.certificate.value > bestBound else { return }
        adopt(bound.certificate, bestBound: &bestBound)
    }
}
