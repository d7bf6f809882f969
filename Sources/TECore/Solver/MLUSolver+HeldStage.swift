/// Held stages that stall: a re-solve as one min-max over "virtual links", bisecting on the
/// stage's MLU (docs/solve.md, "Held stages that stall").
///
/// Stage k minimizes t subject to row k ≤ t·c and every held row j < k ≤ H_j·c. For a trial t,
/// give each row its own copy of every link: row k's copy has capacity t·c_e, held row j's copy
/// H_j·c_e; a demand of level l crosses the copies of rows l…k of its path's links. The
/// single-priority min-max λ(t) of that problem is ≤ 1 exactly when t is reachable under the
/// holds, so the main solver (no holds, no hard caps: no move is ever blocked) answers both
/// questions: an answer with λ ≤ 1 is a feasible split with row k at most λ·t, and a certified
/// lower bound λ_lb > 1 proves t unreachable (t is then a lower bound of stage k). Bisection on t
/// between the stage's bound and its MLU closes the gap where single-demand moves under hard
/// caps stall: lowering row k there needs flow of several held priorities to trade places.
extension SolverRun {
    /// Problems larger than this (path-link entries times rows; `SolveOptions.heldRefineLimit`)
    /// are left to the sweeps: each bisection step is a whole solve of the virtual problem.
    static let heldRefineLimit = 60_000
    static let heldRefineSteps = 6

    /// Whether stage `k` under `caps` is small enough for `refineHeldStage`.
    func heldRefinable(_ k: Int, caps: [Double]) -> Bool {
        let rows = (0..<k).filter { caps[$0].isFinite && caps[$0] > 0 }.count + 1
        var entries = 0
        for a in 0..<activeCount {
            let d = Int(active[a])
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] { entries += linkStart[p + 1] - linkStart[p] }
        }
        return entries * rows <= options.heldRefineLimit
    }

    /// Re-solves stage `k` (MLU `top`, certified `bound`) under `caps` in at most `budget` sweeps
    /// (what the stage has left of `maxSweepsPerStage`); on success writes the better flows into
    /// `flow` and `cum` and returns the new MLU and lower bound.
    func refineHeldStage(_ k: Int, caps: [Double], top: Double, bound: Double, target: Double, budget: Int) -> (mlu: Double, bound: Double, sweeps: Int)? {
        let E = linkCount
        let rows = (0..<k).filter { caps[$0].isFinite && caps[$0] > 0 } + [k]
        guard k > 0, rows.count > 1, top > 0, bound > 0, budget > 0, heldRefinable(k, caps: caps) else { return nil }

        // The virtual problem's structure: copies of the live links per row, and per active
        // demand its live paths over the copies of the rows it counts in.
        var virtual = SolveProblem()
        var copy = [Int](repeating: -1, count: rows.count * E)
        for (r, row) in rows.enumerated() {
            for e in 0..<E where invCap[e] > 0 {
                copy[r * E + e] = virtual.addLink(name: "\(problem.linkNames[e])@\(levels[row])", capacity: problem.capacity[e] * (row == k ? top : caps[row]), load: load[e])
            }
        }
        // original[v]: the path of this problem behind virtual path v (virtual demand i's paths
        // are virtual.paths(of: i), in the same order); demandOf[i]: the demand behind it.
        var original: [Int] = []
        var demandOf: [Int] = []
        for a in 0..<activeCount {
            let d = Int(active[a])
            let q = level[d]
            var paths: [[Int]] = []
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                var links: [Int] = []
                for (r, row) in rows.enumerated() where row >= q {
                    for i in linkStart[p]..<linkStart[p + 1] { links.append(copy[r * E + Int(self.links[i])]) }
                }
                paths.append(links)
                original.append(p)
            }
            guard !paths.isEmpty else { continue }
            virtual.addDemand(name: problem.demandNames[d], volume: volume[d], paths: paths)
            demandOf.append(d)
        }
        // The current split, as the first trial's warm start.
        var current = [Double](repeating: 0, count: original.count)
        for i in demandOf.indices {
            let paths = virtual.paths(of: i)
            var total = 0.0
            for v in paths { current[v] = flow[original[v]]; total += current[v] }
            if total > 0 { for v in paths { current[v] /= total } }
        }
        let rowK = rows.count - 1
        func rowCapacities(_ t: Double) -> [Double] {
            var c = virtual.capacity
            for e in 0..<E where copy[rowK * E + e] >= 0 { c[copy[rowK * E + e]] = problem.capacity[e] * t }
            return c
        }

        // Bisection: `low` is certified (every t ≤ low is unreachable), `high` reached.
        var low = bound, searchLow = bound, high = top
        var best: SolveSolution?
        var proof: SolveSolution?
        var start = WarmStart(splits: current)
        var steps = 0, sweeps = 0
        while relativeGap(high, lowerBound: low) > target, steps < SolverRun.heldRefineSteps, budget - sweeps >= 2 {
            steps += 1
            // (Half of what is left: a warm solve of the virtual problem that misses its gap is
            // followed by a cold one, which may take as many.)
            let options = SolveOptions(gap: target / 4, maxSweepsPerStage: min(600, (budget - sweeps) / 2), restrictedLPLimit: self.options.restrictedLPLimit)
            let t = (max(searchLow, low) + high) / 2
            virtual.capacity = rowCapacities(t)
            let answer = MLUSolver.solve(virtual, options: options, warmStart: start)
            sweeps += answer.sweeps
            if answer.mlu <= 1 {
                // Row k's own maximum is what this split reaches (≤ λ·t).
                var reached = 0.0
                for e in 0..<E where copy[rowK * E + e] >= 0 { reached = max(reached, answer.utilization[copy[rowK * E + e]] * t) }
                if reached < high {
                    high = reached
                    best = answer
                }
                start = WarmStart(splits: answer.split)
            } else if answer.lowerBound > 1 {
                low = t
                searchLow = t
                proof = answer
            } else {
                // Undecided within the inner gap: search above t, certify nothing.
                searchLow = t
            }
            if searchLow >= high { break }
        }
        // The certificate of the highest t proved unreachable, as the stage's own (y, z).
        var certified = bound
        if let proof, let b = adoptVirtualCertificate(k, proof.duals.first ?? [], t: low, rows: rows, copy: copy, caps: caps, above: bound) {
            certified = b
        }
        guard let best, high < top else { return certified > bound ? (top, certified, sweeps) : nil }

        // Write the better split back, and rebuild every row this run keeps.
        for (i, d) in demandOf.enumerated() {
            for p in pathStart[d]..<pathStart[d + 1] { flow[p] = 0 }
            for v in virtual.paths(of: i) { flow[original[v]] = best.split[v] * volume[d] }
        }
        rebuildRows(through: max(k, lastRow))
        return (refreshUtilization(k), certified, sweeps)
    }

    /// Turns the virtual problem's certificate at trial t (weights a on row k's copies, b_j on
    /// held row j's, λ_lb > 1) into the stage's: y = a/A and z_j = t·b_j/(A·H_j), A = Σa. Then
    /// bound(y, z) = (t/A)·(virtual bound numerator − Σb) > (t/A)·Σa = t, so the stored
    /// certificate proves the printed bound (docs/solve.md). When bound(y, z) is above `above`,
    /// sets `dual`, `holdZ` and `bestCost` to it and returns it; else changes nothing (nil).
    func adoptVirtualCertificate(_ k: Int, _ weights: [Double], t: Double, rows: [Int], copy: [Int], caps: [Double], above: Double) -> Double? {
        let E = linkCount
        let rowK = rows.count - 1
        guard weights.count > 0 else { return nil }
        var a = 0.0
        for e in 0..<E where copy[rowK * E + e] >= 0 { a += weights[copy[rowK * E + e]] }
        guard a > 0, a.isFinite else { return nil }
        var y = [Double](repeating: 0, count: E)
        for e in 0..<E where copy[rowK * E + e] >= 0 { y[e] = weights[copy[rowK * E + e]] / a }
        var z = [Double](repeating: 0, count: k * E)
        for (r, row) in rows.enumerated() where row < k {
            for e in 0..<E where copy[r * E + e] >= 0 { z[row * E + e] = t * weights[copy[r * E + e]] / (a * caps[row]) }
        }
        let b = y.withUnsafeBufferPointer { yb -> Double in
            guard let yp = yb.baseAddress else { return .nan }
            return z.withUnsafeBufferPointer { holdBound(k, y: yp, z: $0.baseAddress, rows: k, holds: caps) }
        }
        guard b.isFinite, b > above else { return nil }
        dual.update(from: y, count: E)
        holdZ = z
        bestCost.update(from: passCost, count: demandCount)
        bestCostValid = true
        return b
    }
}
