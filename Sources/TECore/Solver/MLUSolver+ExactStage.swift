/// Exact stages for small multi-priority problems (docs/solve.md, "Exact stages for small
/// problems"). A later stage holds every earlier one at the MLU it reached, and the lexicographic
/// optimum can move far when an earlier stage ends a little off its own: on random seed 1185, a
/// stage 0 within 0.24% of the LP let stage 1 end 4.4% below the LP's and left stage 2 2.7% above.
/// Where the stage is small enough, its LP is solved by an interior-point method (`StageLP`), so
/// each stage ends at its optimum and the next one is held there. The answer is checked like any
/// other: the MLU is recomputed from the flows, and the bound from the LP's multipliers as a
/// certificate (y, z) by the same `holdBound` that checks the sweeps' certificates.
extension SolverRun {
    /// The most path-link entries (times rows) of a stage solved exactly.
    static let exactEntryLimit = 200_000
    /// The LP holds each earlier stage at its MLU times 1 + this. Its solution meets its rows to
    /// about 1e-9 of the volumes, so a row may end a hair above: the hold that is reported, and
    /// that the certificate is computed for, is the higher of the two.
    static let exactHoldSlack = 1e-9

    /// Solves stage `k` exactly, each earlier stage j held at `held[j]` (its MLU), over the links
    /// `exactStageLinks` found (the stage is small enough): writes the flows of its demands and
    /// every row of `cum` this run keeps, sets the stage's certificate (`dual`, `holdZ`,
    /// `bestCost`) and returns it with the holds it certifies. Nil (nothing changed) when the
    /// interior-point method does not converge, or its answer does not check out within
    /// `exactStageGap`.
    func exactStage(_ k: Int, held: [Double], links stageLinks: (localLink: [Int32], used: [Int])) -> (result: StageResult, holds: [Double])? {
        let E = linkCount
        let lpHolds = held.map { $0 * (1 + SolverRun.exactHoldSlack) }
        let rowLevels = lpRows(k, holds: lpHolds)
        let (localLink, used) = stageLinks
        let L = used.count

        // Links no path crosses keep their own utilization: row k is at least the highest.
        var floor = 0.0, floorLink = -1
        for e in 0..<E where invCap[e] > 0 && localLink[e] < 0 && load[e] * invCap[e] > floor {
            floor = load[e] * invCap[e]
            floorLink = e
        }
        // Scaled so that the largest capacity is 1 (utilizations are unchanged).
        var scale = 0.0
        for e in used { scale = max(scale, 1 / invCap[e]) }
        guard scale > 0, scale.isFinite else { return nil }
        var lp = StageLP()
        for j in rowLevels {
            for e in used {
                let c = 1 / invCap[e] / scale
                lp.a.append(j == k ? c : 0)
                // Row k: negative where the load alone is above the floor. A held row is never
                // below its load (its hold is an MLU reached with that load).
                lp.b.append(j == k ? floor * c - load[e] / scale : max(0, lpHolds[j] * c - load[e] / scale))
            }
        }
        var demands: [Int] = []
        var paths: [Int] = []
        for a in 0..<activeCount {
            let d = Int(active[a])
            guard volume[d] > 0 else { continue }
            var rowsOfPaths: [[Int32]] = []
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                var list: [Int32] = []
                for (r, j) in rowLevels.enumerated() where j >= level[d] {
                    for i in linkStart[p]..<linkStart[p + 1] { list.append(Int32(r * L) + localLink[Int(links[i])]) }
                }
                rowsOfPaths.append(list)
                paths.append(p)
            }
            guard !rowsOfPaths.isEmpty else { continue }
            lp.addDemand(volume: volume[d] / scale, paths: rowsOfPaths)
            demands.append(d)
        }
        guard !demands.isEmpty, let answer = lp.solve() else { return nil }

        // The flows: the LP's, each demand's renormalized to its volume (they meet the demand
        // rows to about 1e-9; what is below 1e-12 of the volume is dropped). The previous ones
        // are kept until the answer is checked.
        var previous: [Double] = []
        for d in demands { for p in pathStart[d]..<pathStart[d + 1] { previous.append(flow[p]) } }
        // (The sweeps that then solve the stage start by refreshing `util` from these rows.)
        func restore() {
            var i = 0
            for d in demands {
                for p in pathStart[d]..<pathStart[d + 1] {
                    flow[p] = previous[i]
                    i += 1
                }
            }
            rebuildRows(through: max(k, lastRow))
        }
        for (i, d) in demands.enumerated() {
            let first = lp.pathStart[i], end = lp.pathStart[i + 1]
            var total = 0.0
            for q in first..<end where answer.flow[q] > 1e-12 * lp.volume[i] { total += answer.flow[q] }
            guard total > 0 else {
                restore()
                return nil
            }
            for p in pathStart[d]..<pathStart[d + 1] { flow[p] = 0 }
            for q in first..<end where answer.flow[q] > 1e-12 * lp.volume[i] {
                flow[paths[q]] = answer.flow[q] / total * volume[d]
            }
        }
        rebuildRows(through: max(k, lastRow))

        // The certificate: row k's multipliers as link weights y (times c: per unit of
        // utilization), the held rows' as z, both divided by Σ y.
        var y = [Double](repeating: 0, count: E)
        var z = [Double](repeating: 0, count: k * E)
        var sum = 0.0
        for (r, j) in rowLevels.enumerated() {
            for (l, e) in used.enumerated() {
                let m = answer.multiplier[r * L + l] / invCap[e] / scale
                if j == k {
                    y[e] = m
                    sum += m
                } else {
                    z[j * E + e] = m
                }
            }
        }
        // The rest of the unit weight is t's own multiplier (Σ λ·c + z_t = 1): it belongs to the
        // floor's link, which binds where the stage's own links all stay below it.
        if floorLink >= 0, sum < 1 {
            y[floorLink] += 1 - sum
            sum = 1
        }
        guard sum > 0, sum.isFinite else {
            restore()
            return nil
        }
        for e in 0..<E { y[e] /= sum }
        for i in 0..<z.count { z[i] /= sum }
        // The holds as the flows meet them. The LP's residuals are relative to its largest
        // volume: where volumes differ by orders of magnitude a small row can end far above its
        // hold (a demand of 4e8 next to one of 2 lifted the latter's row 1.4%). More than 1e-6
        // above is refused: the sweeps keep the holds.
        var holds = lpHolds
        for j in rowLevels where j < k {
            let row = cum + j * E
            for e in used { holds[j] = max(holds[j], (load[e] + row[e]) * invCap[e]) }
            if holds[j] > lpHolds[j] * (1 + 1e-6) {
                restore()
                return nil
            }
        }
        // With the hold multipliers, and without (whichever certifies more: the z of an LP
        // solved to 1e-9 can cost a hair where the holds do not bind).
        let (bound, chosenZ, costs) = pricedOrPlainBound(k, y: y, z: z, holds: holds)
        let top = refreshUtilization(k)
        // Checked as an answer (`exactStageGap`); else the sweeps solve it.
        guard bound > 0, bound.isFinite, relativeGap(top, lowerBound: bound) <= exactStageGap(k) else {
            restore()
            return nil
        }
        dual.update(from: y, count: E)
        holdZ = chosenZ
        bestCost.update(from: costs, count: demandCount)
        bestCostValid = true
        return (StageResult(mlu: top, bound: bound, sweeps: 0, mu: 0), holds)
    }

    /// The links the active demands' live paths cross, numbered locally (`localLink[e]`, -1 for
    /// the others, and `used` in that order), where `rows` rows of them fit the exact limit; nil
    /// where they do not (a stage of the benchmark's size stops at once: the scan ends early).
    func exactStageLinks(rows: Int) -> (localLink: [Int32], used: [Int])? {
        guard options.exactStageLimit >= rows, liveLinkCount > 0 else { return nil }
        let linkLimit = options.exactStageLimit / rows
        let entryLimit = SolverRun.exactEntryLimit / rows
        var localLink = [Int32](repeating: -1, count: linkCount)
        var used: [Int] = []
        var entries = 0
        for a in 0..<activeCount {
            let d = Int(active[a])
            guard volume[d] > 0 else { continue }
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                entries += linkStart[p + 1] - linkStart[p]
                for i in linkStart[p]..<linkStart[p + 1] {
                    let e = Int(links[i])
                    if localLink[e] < 0 {
                        localLink[e] = Int32(used.count)
                        used.append(e)
                    }
                }
            }
            if used.count > linkLimit || entries > entryLimit { return nil }
        }
        return used.isEmpty ? nil : (localLink, used)
    }

    /// The gap an exact stage must certify to be kept: a tenth of the stage's target, or 1e-4
    /// where that is finer (about what the interior point reaches where the normal equations grow
    /// ill-conditioned, and far finer than sweeps usually reach). The same in a warm run (a
    /// warm trial must certify what the exact stage would).
    func exactStageGap(_ k: Int) -> Double { max(stageTarget(k, warm: false) / 10, 1e-4) }

    /// Sweeps a trial gets before the interior point takes over (`exactTrial`).
    static let exactTrialSweeps = 16

    /// A warm start's try at a stage small enough to be exact: sweeps from the previous answer
    /// (at most `exactTrialSweeps`, no restricted LP), kept where they certify `exactStageGap`,
    /// what the interior point must; nil otherwise: the interior point then solves the stage
    /// from scratch as in a cold solve (the trial's flows are overwritten), or, after an earlier
    /// kept trial, the run gives up for a cold solve (`SolverRun.solve`). A stage the previous
    /// answer solved exactly hands on no smoothing (0): the trial starts at the finest the
    /// stage's floor allows. (A leaf-spine of 192 links and 3,000 demands in 2 priorities: the
    /// interior point was 85% of a warm re-solve, 1.1× the cold one; with the trial 103–120×.)
    func exactTrial(_ k: Int, caps: [Double], held: [Double], warmStart: WarmStart?, costsFit: Bool) -> StageResult? {
        guard let warmStart else { return nil }
        let level = levels[k]
        let mu = warmStart.smoothing[level].flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? .leastNormalMagnitude
        let target = exactStageGap(k)
        let result = runStage(
            k, caps: caps, held: held, warmMu: mu, warmDual: warmStart.duals[level], warmHold: warmStart.holdDuals[level],
            warmCosts: costsFit ? warmStart.pathCosts[level] : nil, previousBound: 0, trial: (target, SolverRun.exactTrialSweeps)
        )
        return relativeGap(result.mlu, lowerBound: result.bound) <= target ? result : nil
    }

    /// Stage `k` when it has no demand to place: its MLU is the highest utilization as it
    /// stands, and y = 1 on that link certifies exactly that (Σ y·load/c plus the rows' flows,
    /// which no demand of this stage can move). Nil when no link has capacity.
    func loadOnlyStage(_ k: Int) -> StageResult? {
        let top = refreshUtilization(k)
        var argmax = -1
        for e in 0..<linkCount where invCap[e] > 0 && (argmax < 0 || util[e] > util[argmax]) { argmax = e }
        guard argmax >= 0, top > 0 else { return nil }
        dual.update(repeating: 0, count: linkCount)
        dual[argmax] = 1
        holdZ = []
        bestCostValid = true
        return StageResult(mlu: top, bound: load[argmax] * invCap[argmax], sweeps: 0, mu: 0)
    }

    /// Recomputes rows 0…`last` of `cum` from the flows.
    func rebuildRows(through last: Int) {
        let E = linkCount
        cum.update(repeating: 0, count: (last + 1) * E)
        for d in 0..<demandCount where level[d] <= last {
            for p in pathStart[d]..<pathStart[d + 1] where flow[p] != 0 {
                for r in level[d]...last {
                    let row = cum + r * E
                    for j in linkStart[p]..<linkStart[p + 1] { row[Int(links[j])] += flow[p] }
                }
            }
        }
    }
}
