import Foundation

/// Min-max link utilization, lexicographic by priority, with a certified optimality gap.
///
/// Method (chosen by measurement, see docs/model.md): per priority stage, Gauss–Seidel sweeps of
/// per-demand projected-Newton moves on the smoothed maximum Φ = Σ_e exp((u_e − U0)/μ). Each move
/// shifts flow from a path to the demand's cheapest path under the current link prices
/// w_e/c_e, and the prices of the touched links are refreshed right away. After each sweep the
/// softmax weights y = w/Σw give a lower bound (any y ≥ 0 summing to 1 does):
/// Σ_e y_e·load_e/c_e + Σ_d v_d·min_p Σ_{e∈p} y_e/c_e ≤ optimal MLU. μ is halved only when the
/// smoothed problem's duality gap is below its smoothing error μ·ln|E|; the stage stops once
/// (MLU − bound)/bound ≤ the requested gap.
///
/// Lexicographic stages: stage k places demands of priority ≤ k; demands of higher priority
/// may still move, but no move lets any higher priority's own MLU exceed what its stage reached
/// (times 1 + `holdSlack`). Where those holds bind, the stage's bound also prices them
/// (multipliers z on the held rows: MLUSolver+HoldBound.swift, docs/solve.md).
public enum MLUSolver {
    public static func solve(_ problem: SolveProblem, options: SolveOptions = SolveOptions(), warmStart: WarmStart? = nil) -> SolveSolution {
        let run = SolverRun(problem: problem, options: options, warmStart: warmStart)
        let answer = run.solve(warmStart: warmStart)
        // (A warm start that does not fit the problem's paths was not used: the run was cold.)
        let used = warmStart.map { $0.splits.count == problem.pathCount } ?? false
        let warmGap = run.abandoned ? .infinity : answer.worstStageGap
        // Only a stage that misses the asked gap where the previous answer reached it goes back
        // to a cold solve: where the previous answer (cold or warm) stopped above it too, the
        // sweeps cannot certify that stage, and a cold solve doubled the cost for an answer no
        // better (wan-300-tight seed 63 after ±5%: warm 2.06% after 266 sweeps, then 415 cold
        // sweeps to 2.07%; `runTarget`).
        let missed = run.abandoned || answer.stages.contains { $0.gap > options.gap + 1e-12 && run.previousMiss($0.priority) == nil }
        guard used, warmGap > options.gap + 1e-12, missed else { return answer }
        // A warm start never costs quality: one that stopped above the asked gap (a stage that
        // stalled where the previous answer's flows led it) is solved again cold, and the answer
        // with the lower certified gap is kept. Rare: none of the benchmark's warm solves, 18 of
        // 500 small random ones (docs/solve.md, "Warm start").
        var cold = SolverRun(problem: problem, options: options, warmStart: nil).solve(warmStart: nil)
        let coldGap = cold.worstStageGap
        guard coldGap < warmGap else {
            var kept = answer
            kept.sweeps += cold.sweeps
            return kept
        }
        cold.sweeps += answer.sweeps
        cold.notes.append(SolveNote(kind: .warmStartDiscarded, message: "the warm start stopped at a certified gap of \(formatPercent(warmGap)) (asked \(formatPercent(options.gap))): solved cold, certified \(formatPercent(coldGap))"))
        return cold
    }
}

/// The working state of one solve. Owns its mutable flat buffers (allocated once, freed in
/// deinit) and shares the read-only structure buffers (`SolveBuffers`, reused from a warm start
/// of the same structure), so the sweeps allocate nothing and run without bounds checks in
/// release builds.
final class SolverRun {
    let problem: SolveProblem
    let options: SolveOptions
    /// Read-only: inverse capacities, paths, levels, usable paths (shared, not owned). The
    /// accessors below read them through `buffers` (an immutable final class: the loads hoist).
    let buffers: SolveBuffers
    var linkCount: Int { buffers.linkCount }
    var demandCount: Int { buffers.demandCount }
    var pathCount: Int { buffers.pathCount }
    var levels: [Int] { buffers.levels }
    var invCap: UnsafeMutablePointer<Double> { buffers.invCap }
    var pathStart: UnsafeMutablePointer<Int> { buffers.pathStart }
    var linkStart: UnsafeMutablePointer<Int> { buffers.linkStart }
    var links: UnsafeMutablePointer<Int32> { buffers.links }
    var level: UnsafeMutablePointer<Int> { buffers.level }
    var pathLive: UnsafeMutablePointer<Bool> { buffers.pathLive }
    var livePathCount: UnsafeMutablePointer<Int> { buffers.livePaths }
    var liveLinkCount: Int { buffers.liveLinkCount }
    /// Whether `buffers` came from the warm start (the structure is unchanged).
    let reusedBuffers: Bool

    let load: UnsafeMutablePointer<Double>
    let volume: UnsafeMutablePointer<Double>
    let flow: UnsafeMutablePointer<Double>
    /// cum[j·E + e]: flow on link e of demands with level ≤ j.
    let cum: UnsafeMutablePointer<Double>
    let util: UnsafeMutablePointer<Double>
    let weight: UnsafeMutablePointer<Double>
    /// weight[e]·(1/c_e), filled for a certification pass that prices no held rows.
    let linkPrice: UnsafeMutablePointer<Double>
    /// Hold prices: holdWeight[j·E + e] = exp((u_e^j − M_j)/μ) for the held rows j < k of the
    /// current stage, M_j the MLU that stage j reached (on the scale of `weight`, whose top link
    /// weighs 1): a held row at its own maximum weighs like the top link, and more as it nears
    /// its cap. Moves price them, so flow of a higher priority leaves the links where its row is
    /// full before a hold blocks a move there; the certification pass uses them as the hold
    /// multipliers z.
    let holdWeight: UnsafeMutablePointer<Double>
    /// Whether the current stage prices its held rows (from its first stall on; until then
    /// holdWeight is 0).
    var holdPricing = false
    /// Whether the current stage's moves may lift a link far below the top by more than μ
    /// (`stepLimit`; a cold stage, from its first stall on).
    var wideTrust = false
    /// Per demand: the cheapest-path cost under the link weights alone (no hold prices) in the
    /// last certification pass, normalized like `dual`.
    let plainCost: UnsafeMutablePointer<Double>
    /// The normalized link weights behind the current stage's best bound.
    let dual: UnsafeMutablePointer<Double>
    let active: UnsafeMutablePointer<Int32>
    var activeCount = 0
    /// A warm run given up for a cold solve (`exactTrial`'s fallback).
    var abandoned = false
    /// A warm start's priorities that stopped above their asked gap, and the gap they reached
    /// (`WarmStart.missedGaps`); empty when cold.
    var previousGaps: [Int: Double] = [:]
    /// Per priority: the sweeps the warm start's stage took (`WarmStart.stageSweeps`).
    var previousSweeps: [Int: Int] = [:]
    /// Demands a restricted (warm) sweep moves: those with flow on a link above the certificate.
    let hot: UnsafeMutablePointer<Int32>
    /// Per demand: the `epoch` in which `demandsAbove` last picked it.
    let mark: UnsafeMutablePointer<UInt32>
    var epoch: UInt32 = 0
    /// Per demand: cheapest-path cost under the weights of the last certification pass, and under
    /// the current stage's best dual (`dual`), both normalized like the dual.
    let passCost: UnsafeMutablePointer<Double>
    let bestCost: UnsafeMutablePointer<Double>
    /// Whether `bestCost` belongs to `dual` for every active demand of the current stage.
    var bestCostValid = false
    /// Capacities, priorities and paths: path costs under a dual depend on nothing else.
    let structure: SolveStructure
    /// The last row of `cum` that moves keep up to date (beyond the stage's own: warm starts).
    var lastRow = 0
    /// The hold multipliers z (flat rows j < k, normalized like `dual`) of the certificate in
    /// `dual`; empty: none (the plain bound). See MLUSolver+HoldBound.swift.
    var holdZ: [Double] = []
    /// The previous answer's certificate as the current stage re-evaluated it at its start
    /// (bound under the stage's holds, y, z rows, per-demand costs); nil where it had none. The
    /// final figures restate it beside the stage's own (`restatedAtFinalRows`) and keep the
    /// higher: restated under the reported MLUs, the two can change places.
    var warmCertificate: StoredCertificate?
    typealias StoredCertificate = (bound: Double, y: [Double], z: [Double], costs: [Double])
    var holdSearch = HoldSearch()
    /// Passes over the active paths that priced a hold-aware certificate (`holdBound`; tests).
    var holdBoundPasses = 0
    /// Restricted LPs tried before dropping forward caps that certified the stage (tests).
    var capsKeptByLP = 0
    /// Moves of the last sweep that only a forward cap (a later stage's row, in a warm start)
    /// held to under half their step.
    var forwardBlocked = 0
    /// Whether this run starts from a previous answer's flows.
    var warmRun = false

    init(problem: SolveProblem, options: SolveOptions, warmStart: WarmStart?) {
        self.problem = problem
        self.options = options
        let fitting = warmStart.flatMap { $0.splits.count == problem.pathCount ? $0 : nil }
        previousGaps = fitting?.missedGaps ?? [:]
        previousSweeps = fitting?.stageSweeps ?? [:]
        var structure = SolveStructure(problem)
        // Same structure: equal arrays, usually the very same buffers (then O(1)), else one compare.
        if let warm = warmStart?.structure, let cached = warm.buffers, warm == structure {
            buffers = cached
            reusedBuffers = true
        } else {
            buffers = SolveBuffers(problem)
            reusedBuffers = false
        }
        structure.buffers = buffers
        self.structure = structure

        func copy<T>(_ a: [T], extra: Int = 0, fill: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count + extra))
            p.initialize(repeating: fill, count: max(1, a.count + extra))
            a.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { p.update(from: base, count: source.count) }
            }
            return p
        }
        func filled<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
            p.initialize(repeating: value, count: max(1, count))
            return p
        }
        load = copy(problem.load, fill: 0)
        volume = copy(problem.volume, fill: 0)
        flow = filled(problem.pathCount, 0)
        cum = filled(max(1, buffers.levels.count) * problem.linkCount, 0)
        util = filled(problem.linkCount, 0)
        weight = filled(problem.linkCount, 0)
        linkPrice = filled(problem.linkCount, 0)
        holdWeight = filled(max(1, buffers.levels.count) * problem.linkCount, 0)
        plainCost = filled(problem.demandCount, .infinity)
        dual = filled(problem.linkCount, 0)
        active = filled(problem.demandCount, Int32(0))
        hot = filled(problem.demandCount, Int32(0))
        mark = filled(problem.demandCount, UInt32(0))
        passCost = filled(problem.demandCount, .infinity)
        bestCost = filled(problem.demandCount, .infinity)
    }

    deinit {
        for p in [load, volume, flow, cum, util, weight, linkPrice, holdWeight, plainCost, dual, passCost, bestCost] { p.deallocate() }
        hot.deallocate()
        mark.deallocate()
        active.deallocate()
    }

    /// Restricted sweeps a warm stage tries before it falls back to full ones.
    static let maxRestrictedRounds = 12

    func livePaths(of d: Int) -> Int { livePathCount[d] }

    func solve(warmStart: WarmStart?) -> SolveSolution {
        var notes: [SolveNote] = []
        for e in 0..<linkCount where problem.capacity[e] <= 0 {
            notes.append(SolveNote(kind: .zeroCapacity, message: "link \"\(problem.linkNames[e])\" has zero capacity: paths across it carry nothing"))
        }
        // Per demand: has volume and a usable path (a raw buffer: `place` writes it per demand).
        let routable = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, demandCount))
        routable.initialize(repeating: false, count: max(1, demandCount))
        defer { routable.deallocate() }
        // Hoisted: binding the warm start per demand would retain its arrays 16,000 times.
        let warmSplits = warmStart.flatMap { $0.splits.count == pathCount ? $0.splits : nil }
        let E = linkCount
        // Unchanged structure and the previous link flows known: start every stage's row from
        // them and add each path's flow change (one pass over the path-links, no row rebuilt).
        let previousFlows = warmStart.flatMap {
            reusedBuffers && warmSplits != nil && $0.flows.count == pathCount && $0.stageLinkFlow.count == levels.count * E ? $0.flows : nil
        }
        // Per level: the flow change of that level's demands on each link (summed into the
        // cumulative rows once at the end, so a changed path is scattered once, not per row).
        var deltaRows: UnsafeMutablePointer<Double>?
        if previousFlows != nil, let rows = warmStart?.stageLinkFlow {
            rows.withUnsafeBufferPointer { if let base = $0.baseAddress { cum.update(from: base, count: $0.count) } }
            let buffer = UnsafeMutablePointer<Double>.allocate(capacity: max(1, levels.count * E))
            buffer.initialize(repeating: 0, count: max(1, levels.count * E))
            deltaRows = buffer
        }
        defer { deltaRows?.deallocate() }
        // Raw views of the warm arrays: no retain or bounds check per path (sizes checked above).
        func place(_ splitView: UnsafeBufferPointer<Double>?, _ previousView: UnsafeBufferPointer<Double>?) {
            for d in 0..<demandCount {
                let n = livePathCount[d]
                let start = pathStart[d], end = pathStart[d + 1]
                if end == start {
                    notes.append(SolveNote(kind: .noPath, message: "demand \"\(problem.demandNames[d])\" has no path: its volume is left out"))
                } else if n == 0 {
                    notes.append(SolveNote(kind: .noUsablePath, message: "demand \"\(problem.demandNames[d])\": every path crosses a zero-capacity link; its volume is left out"))
                }
                let v = volume[d]
                routable[d] = n > 0 && v > 0
                // Initial split: warm start where it fits, else even over the usable paths.
                var fitted = false
                if let splits = splitView?.baseAddress, n > 0 {
                    // Usable: every split ≥ 0 and finite (a NaN or ∞ makes the sum fail its
                    // range), none on a path that is not live, summing to about 1.
                    var sum = 0.0, lowest = 0.0, dead = 0.0
                    for p in start..<end {
                        let s = splits[p]
                        sum += s
                        lowest = min(lowest, s)
                        if !pathLive[p] { dead += s }
                    }
                    if sum > 0.5, sum < 1.5, lowest >= 0, dead == 0 {
                        let scale = v / sum
                        for p in start..<end { flow[p] = splits[p] * scale }
                        fitted = true
                    }
                }
                if !fitted {
                    for p in start..<end { flow[p] = n > 0 && pathLive[p] ? v / Double(n) : 0 }
                }
                if !routable[d] { for p in start..<end { flow[p] = 0 } }
                if let previous = previousView?.baseAddress, let deltaRows {
                    // Every path's change, 0 included. Whether a path's flow changed is close to
                    // a coin toss (an answer leaves many paths empty, and rescaling a split moves
                    // others by an ulp even where the volume stayed: 13–52% of the paths differ
                    // when the benchmark's instances start from their own answers), and the
                    // mispredicted branch per path cost more than adding the zeros
                    // (fattree-k12-tight-16k: placing 1.13 → 0.72 ms). Adding 0 leaves a row's
                    // value as it is: the rows are the same to the bit.
                    let row = deltaRows + level[d] * E
                    for p in start..<end {
                        let delta = flow[p] - previous[p]
                        for i in linkStart[p]..<linkStart[p + 1] { row[Int(links[i])] += delta }
                    }
                }
            }
        }
        let none: [Double] = []
        (warmSplits ?? none).withUnsafeBufferPointer { splits in
            (previousFlows ?? none).withUnsafeBufferPointer { previous in
                place(warmSplits == nil ? nil : splits, previousFlows == nil ? nil : previous)
            }
        }
        if let deltaRows {
            // Row k of cum gains the changes of levels 0…k.
            for k in 0..<levels.count {
                let row = deltaRows + k * E
                if k > 0 { for e in 0..<E { row[e] += row[e - E] } }
                let target = cum + k * E
                for e in 0..<E { target[e] += row[e] }
            }
        }

        var stages: [SolveStage] = []
        var stageMLU = [Double](repeating: 0, count: levels.count)
        var stageBound = [Double](repeating: 0, count: levels.count)
        var stageSweeps = [Int](repeating: 0, count: levels.count)
        var stageMu = [Double](repeating: 0, count: levels.count)
        var stageDuals: [[Double]] = []
        var stageCosts: [[Double]] = []
        var stageHolds: [[Double]] = []
        var stageHoldCaps: [[Double]] = []
        var stageWarm: [StoredCertificate?] = []
        // Same structure: equal arrays, usually the very same buffers (then O(1)), else one compare.
        let costsFit = reusedBuffers || (warmStart.map { $0.structure == structure } ?? false)
        // A warm start keeps every stage's row from the start: a move made for stage k must not
        // undo what the previous answer arranged for the later stages (it may not raise their
        // MLU), else stage 0 alone reshuffles the flows that stages 1… were balanced around.
        let warm = warmStart.map { $0.splits.count == pathCount } ?? false
        warmRun = warm
        lastRow = warm ? levels.count - 1 : 0
        if warm, previousFlows == nil {
            for k in levels.indices {
                let row = cum + k * E
                if k > 0 { row.update(from: cum + (k - 1) * E, count: E) }
                for d in 0..<demandCount where routable[d] && level[d] == k {
                    for p in pathStart[d]..<pathStart[d + 1] where flow[p] != 0 {
                        for i in linkStart[p]..<linkStart[p + 1] { row[Int(links[i])] += flow[p] }
                    }
                }
            }
        }
        // `active` = stage k's demands (routable, level ≤ k), in demand order. Without a branch
        // per demand: on mixed priorities whether one is active is a coin toss, and the
        // mispredicted branch made this loop 0.06–0.11 ms a stage on 16,000 demands, now 0.02–0.04.
        func listActive(_ k: Int) {
            let active = self.active, level = self.level
            var n = 0
            for d in 0..<demandCount {
                active[n] = Int32(truncatingIfNeeded: d)
                n += routable[d] && level[d] <= k ? 1 : 0
            }
            activeCount = n
        }
        var previousExact = false
        var stageExact = [Bool](repeating: false, count: levels.count)
        var trialKept = false
        for k in 0..<levels.count {
            // cum[k] = cum[k−1] + the flows of level-k demands.
            let row = cum + k * E
            if k > 0, !warm { row.update(from: cum + (k - 1) * E, count: E) }
            activeCount = 0
            if warm {
                // (Every row is in place already.)
                listActive(k)
            } else {
                for d in 0..<demandCount where routable[d] && level[d] <= k {
                    active[activeCount] = Int32(d)
                    activeCount += 1
                    if level[d] == k {
                        for p in pathStart[d]..<pathStart[d + 1] where flow[p] != 0 {
                            for i in linkStart[p]..<linkStart[p + 1] { row[Int(links[i])] += flow[p] }
                        }
                    }
                }
            }
            var caps = (0..<k).map { j in holdCap(mlu: stageMLU[j], bound: stageBound[j], exact: stageExact[j]) }
            if warm, k + 1 < levels.count {
                caps.append(.infinity)
                for j in (k + 1)..<levels.count {
                    // Half the gap of headroom: small moves pass, reshuffles do not.
                    caps.append(rowMLU(j) * (1 + options.gap / 2))
                }
            }
            // The previous stage's dual certifies its bound here too (more demands only add terms).
            if k == 0 { dual.update(repeating: 0, count: max(1, E)) }
            // Small multi-priority problems: each stage at its exact optimum (MLUSolver+ExactStage).
            // A stage with nothing to place (no demand with volume and a usable path) is at its
            // optimum already: the loads' own maximum, certified by all weight on that link.
            // (The links of a stage small enough to be exact: scanned once, for the trial and the
            // interior point.)
            let exactLinks = activeCount > 0 && levels.count > 1
                ? exactStageLinks(rows: stageMLU.prefix(k).filter { $0.isFinite && $0 > 0 }.count + 1) : nil
            let eligible = exactLinks != nil
            // A warm start first tries sweeps from the previous answer on a stage small enough to
            // be exact: kept where they certify what the exact stage must, at a fraction of the
            // interior point's cost, which a warm start would otherwise repeat in full
            // (`exactTrial`).
            let trial = eligible && warm
                ? exactTrial(k, caps: caps, held: Array(stageMLU.prefix(k)), warmStart: warmStart, costsFit: costsFit) : nil
            // After a kept trial, a stage small enough to be exact whose trial fails ends the warm
            // run, and the cold solve follows at once (`MLUSolver.solve`): held at a trial's MLU
            // rather than at an optimum, the interior point can fall short of its check
            // (`solve-random` seed 1117 after ±5%: its rows met priority 1's hold to 5e-7, which
            // cost its certificate 0.1%, and the sweeps then stopped at 2.3% after 217). With the
            // interior point and the sweeps tried first, 17 of 500 random warm re-solves took
            // longer than a cold solve, down to 0.4× its speed; given up at once, 0.9× at worst.
            if trialKept, eligible, trial == nil {
                abandoned = true
                break
            }
            trialKept = trialKept || trial != nil
            let exact = trial != nil ? nil : activeCount == 0 ? loadOnlyStage(k).map { ($0, Array(caps.prefix(k))) }
                : exactLinks.flatMap { exactStage(k, held: Array(stageMLU.prefix(k)), links: $0) }
            if let exact { caps.replaceSubrange(0..<k, with: exact.holds) }
            var result = trial ?? exact?.result ?? runStage(
                k, caps: caps, held: Array(stageMLU.prefix(k)), warmMu: warmStart?.smoothing[levels[k]], warmDual: warmStart?.duals[levels[k]],
                warmHold: warmStart?.holdDuals[levels[k]],
                warmCosts: costsFit ? warmStart?.pathCosts[levels[k]] : nil,
                // (Not after an exact stage: its bound prices z at holds tighter than this
                // stage's, so the number does not carry over; its dual is re-priced below.)
                previousBound: k > 0 && !previousExact ? stageBound[k - 1] : 0
            )
            // (`runStage` sets it afresh; a trial or an exact stage has none.)
            stageWarm.append(trial == nil && exact == nil ? warmCertificate : nil)
            // A held stage that stopped above its target: re-solve it over virtual links
            // (MLUSolver+HeldStage.swift), where holds cannot block a move.
            // (Within what the stage has left of `maxSweepsPerStage`.)
            if k > 0, !result.atRows, relativeGap(result.mlu, lowerBound: result.bound) > runTarget(k),
               let refined = refineHeldStage(k, caps: Array(caps.prefix(k)), top: result.mlu, bound: result.bound, target: runTarget(k), budget: options.maxSweepsPerStage - result.sweeps) {
                result.mlu = refined.mlu
                result.bound = max(result.bound, refined.bound)
                result.sweeps += refined.sweeps
            }
            stageDuals.append(Array(UnsafeBufferPointer(start: dual, count: E)))
            // The inherited certificate priced for this stage (more demands: often above the number inherited).
            var inherited = -Double.infinity
            if !bestCostValid {
                // The stage kept an earlier stage's bound (its dual): price that dual once here, so
                // a warm start re-evaluates it from the costs instead of a pass over every path.
                var sum = 0.0
                for e in 0..<E where invCap[e] > 0 { sum += dual[e] }
                if sum > 0, sum.isFinite {
                    inherited = priceInherited(k, holds: Array(caps.prefix(k)))
                    bestCost.update(from: passCost, count: demandCount)
                    bestCostValid = true
                }
            }
            stageCosts.append(bestCostValid ? Array(UnsafeBufferPointer(start: bestCost, count: demandCount)) : [])
            stageHolds.append(storedHoldRows(k))
            stageHoldCaps.append(Array(caps.prefix(k)))
            stageMLU[k] = result.mlu
            stageBound[k] = max(result.bound, inherited)
            stageSweeps[k] = result.sweeps
            stageMu[k] = result.mu
            previousExact = exact != nil
            stageExact[k] = exact != nil || trial != nil
        }

        // Final figures from the final flows: each stage's MLU may have moved within its slack.
        var totalSweeps = 0
        let finalMLU = (0..<levels.count).map(rowMLU)
        for k in 0..<levels.count {
            let m = finalMLU[k]
            // The certificate restated under the earlier priorities' final MLUs where that bounds
            // higher (`restatedAtFinalRows`).
            let runHolds = k < stageHoldCaps.count ? stageHoldCaps[k] : []
            // Also where it bounds lower: a row that the later stages raised above this stage's
            // own hold (an exact stage holds its rows at its optimum, 1e-9 above; the sweeps after
            // it may raise them by gap/100) is no longer held there, so only the bound restated
            // under its final MLU bounds what the answer states (a random problem of five exact
            // stages and a last by sweeps, gap 0.1%: priority 1's bound was 1.8e-6 above its
            // optimum with priority 0 held at its reported MLU). Where restated it falls below
            // what y alone certifies, the plain certificate is stated.
            if k < stageHoldCaps.count, k < stageHolds.count, let restated = restatedAtFinalRows(k, bound: stageBound[k], caps: stageHoldCaps[k], z: stageHolds[k], finalMLU: finalMLU, lowerToo: true) {
                let lowered = restated < stageBound[k]
                stageBound[k] = restated
                stageHoldCaps[k] = Array(finalMLU.prefix(k))
                if lowered, k < stageDuals.count, k < stageCosts.count {
                    // (y alone, priced over stage k's demands: costs to `passCost`.)
                    listActive(k)
                    let plain = certificateBound(k, y: stageDuals[k], z: [], holds: [], costs: nil)
                    if plain > restated {
                        stageBound[k] = plain
                        stageHolds[k] = []
                        stageCosts[k] = Array(UnsafeBufferPointer(start: passCost, count: demandCount))
                    }
                }
            }
            // The previous answer's certificate, restated the same way, where it now bounds
            // higher: the stage kept the better of the two under its own holds, and restated under
            // the reported MLUs the one with more weight on the held rows can pass the other.
            if k < stageWarm.count, k < stageDuals.count, k < stageHolds.count, k < stageCosts.count, let w = stageWarm[k], w.z.isEmpty || w.z.count == k * E {
                let restated = restatedAtFinalRows(k, bound: w.bound, caps: runHolds, z: w.z, finalMLU: finalMLU, lowerToo: true)
                if (restated ?? w.bound) > stageBound[k] {
                    stageBound[k] = restated ?? w.bound
                    stageHoldCaps[k] = restated != nil ? Array(finalMLU.prefix(k)) : runHolds
                    stageDuals[k] = w.y
                    stageHolds[k] = w.z
                    stageCosts[k] = w.costs
                }
            }
            // A later stage may lower this row below the bound certified under this stage's
            // holds (it lets the rows before it rise within their slack): the bound printed is
            // then the row's final MLU, weaker and still proved by the same certificate.
            let lowerBound = min(stageBound[k], m)
            let g = relativeGap(m, lowerBound: lowerBound)
            stages.append(SolveStage(priority: levels[k], mlu: m, lowerBound: lowerBound, gap: g, sweeps: stageSweeps[k], smoothing: stageMu[k]))
            totalSweeps += stageSweeps[k]
            if g > options.gap + 1e-12 {
                notes.append(SolveNote(kind: .gapNotReached, message: "priority \(levels[k]): stopped after \(stageSweeps[k]) sweeps at a certified gap of \(formatPercent(g)) (asked \(formatPercent(options.gap)))"))
            }
        }
        // Bulk copies into uninitialized storage: no zero fill, no per-demand allocation.
        let flows = Array(UnsafeBufferPointer(start: flow, count: pathCount))
        let split = [Double](unsafeUninitializedCapacity: pathCount) { out, initialized in
            guard let out = out.baseAddress else { initialized = 0; return }
            for d in 0..<demandCount {
                let start = pathStart[d], end = pathStart[d + 1]
                guard end > start else { continue }
                var total = 0.0
                for p in start..<end { total += flow[p] }
                if total > 0 {
                    let inv = 1 / total
                    for p in start..<end { out[p] = flow[p] * inv }
                } else {
                    let n = livePathCount[d]
                    for p in start..<end { out[p] = n > 0 ? (pathLive[p] ? 1 / Double(n) : 0) : 1 / Double(end - start) }
                }
            }
            initialized = pathCount
        }
        let stageLinkFlow = Array(UnsafeBufferPointer(start: cum, count: levels.count * E))
        var utilization = [Double](repeating: 0, count: E)
        var mlu = 0.0
        if let last = levels.indices.last {
            for e in 0..<E {
                let t = load[e] + cum[last * E + e]
                if invCap[e] > 0 {
                    utilization[e] = t * invCap[e]
                    mlu = max(mlu, utilization[e])
                } else {
                    utilization[e] = t > 0 ? .infinity : 0
                }
            }
        } else {
            for e in 0..<E where invCap[e] > 0 {
                utilization[e] = load[e] * invCap[e]
                mlu = max(mlu, utilization[e])
            }
        }
        let bound = stages.last?.lowerBound ?? mlu
        if mlu > 1 + 1e-9 {
            notes.append(SolveNote(kind: .infeasible, message: "MLU \(formatPercent(mlu)) is above 100%: the demands do not fit the capacity (best found; lower bound \(formatPercent(bound)))"))
        }
        return SolveSolution(
            flow: flows, split: split, utilization: utilization, mlu: mlu, lowerBound: bound,
            gap: relativeGap(mlu, lowerBound: bound), stages: stages, notes: notes, sweeps: totalSweeps,
            duals: stageDuals, dualPathCosts: stageCosts, structure: structure, stageLinkFlow: stageLinkFlow,
            holdDuals: stageHolds, holdCaps: stageHoldCaps, askedGap: options.gap
        )
    }

    struct StageResult {
        var mlu: Double
        var bound: Double
        var sweeps: Int
        var mu: Double
        /// Stopped on its bound restated under the held rows' MLUs (`boundAtRows`): `bound` is
        /// still the one under its caps, and the final figures restate it.
        var atRows = false
    }

    /// Stage `k`'s bound `bound` (its certificate's, with z rows `z`: missing rows are 0; under
    /// `caps`) restated under
    /// the earlier priorities' MLUs in the final answer, M_j: the bound is affine in the holds
    /// (−Σ_e z_j,e per unit of H_j), so it becomes bound + Σ_j (H_j − M_j)·Σ_e z_j,e. It bounds
    /// the MLU of priorities ≤ k over the splits that keep each earlier priority at or below the
    /// MLU this answer reports for it (the final flows are such a split). Where the later stages
    /// left the held rows below their caps and z prices them, it is higher. Where a later stage
    /// left a priced row above its cap, it is lower, and only it bounds what the answer states:
    /// with `lowerToo` (the final figures) it is returned then too. Nil where it is not higher
    /// (and no priced row ended above its cap, or not `lowerToo`: no z, or the last stage's stop
    /// test, which never needs it), or a z row has no cap. (`leafspine_instance.py
    /// --seed 10 --leaves 32 --spines 16 --demands 6000 --priorities 4 --paths some` after four
    /// ±5% changes: its last stage certified 1.37% under caps 0.2% above priority 2's MLU, with
    /// z on that row weighing 8.2; restated under the MLUs at the end, 0.017%.)
    func restatedAtFinalRows(_ k: Int, bound: Double, caps: [Double], z: [Double], finalMLU: [Double], lowerToo: Bool = false) -> Double? {
        let E = linkCount
        guard k > 0, caps.count >= k, finalMLU.count >= k, bound > 0, bound.isFinite else { return nil }
        var restated = bound
        var above = false
        // (z rows beyond those given are 0.)
        for j in 0..<min(k, z.count / max(1, E)) {
            var sum = 0.0
            for e in 0..<E where invCap[e] > 0 && z[j * E + e] > 0 { sum += z[j * E + e] }
            guard sum > 0 else { continue }
            guard caps[j].isFinite, caps[j] > 0 else { return nil }
            if finalMLU[j] > caps[j] { above = true }
            restated += (caps[j] - finalMLU[j]) * sum
        }
        guard restated.isFinite else { return nil }
        return restated > bound || (lowerToo && above) ? max(0, restated) : nil
    }

    /// The last stage's bound `bound` (its certificate `dual`, `holdZ` under `caps`) restated under
    /// the held rows' MLUs as they are now, as `restatedAtFinalRows` restates it at the end:
    /// nothing runs after the last stage, so these are the MLUs the answer reports. Nil for an
    /// earlier stage (a later one may still raise its held rows up to their caps), without z,
    /// or where it is not higher.
    func boundAtRows(_ k: Int, bound: Double, caps: [Double]) -> Double? {
        guard k > 0, k == levels.count - 1 else { return nil }
        return restatedAtFinalRows(k, bound: bound, caps: caps, z: holdZ, finalMLU: (0..<k).map(rowMLU))
    }

    /// Whether the previous answer's certificate of warm last stage `k` (`warmCertificate`: its
    /// bound under `caps`), restated at the held rows' MLUs as they are now, certifies `top`
    /// within `target`. The final figures restate it so (nothing runs after the last stage), so a
    /// stage that stops on it reports what it certifies. wan-300-loose seed 343 after ±5%: the
    /// previous certificate prices priority 1's top links (z = 4 on each) and, restated at the
    /// rows, certifies the last stage at once; without this check the stage swept 203 times
    /// and ran the grown LP (0.34 s), and the final figures found the same certificate.
    func warmCertifiesAtRows(_ k: Int, caps: [Double], top: Double, target: Double) -> Bool {
        guard options.warmRestatedAtRows, k > 0, k == levels.count - 1, let w = warmCertificate, w.z.count == k * linkCount else { return false }
        guard let restated = restatedAtFinalRows(k, bound: w.bound, caps: Array(caps.prefix(k)), z: w.z, finalMLU: (0..<k).map(rowMLU)) else { return false }
        return relativeGap(top, lowerBound: restated) <= target
    }

    /// How far a later stage may raise an earlier stage's MLU (relative): `holdSlack` where set;
    /// else gap/5 after a stage solved by sweeps (its MLU is within the gap of its optimum, and
    /// the room lets later sweeps move), gap/100 after one solved exactly (its MLU is its
    /// optimum). Room off an optimum is what a later optimum can amplify: on `solve-random` seed
    /// 7094, priority 1 solved exactly at 1.1670 and raised by 0.12% within gap/5 let priority 2
    /// end at 1.1741 where its optimum is 1.1993, and held there, priority 3 ended 5.95% above the
    /// LP's 1.1993 (certified 1.78%); with gap/100, 0.72% (certified 0.92%). Over 800 random
    /// instances (seeds 1000–1199, 7001–7300, 9001–9300) no stage ends more than 1% above the LP,
    /// and none stops above the asked gap (1 of each before).
    func heldSlack(exact: Bool) -> Double {
        options.holdSlack ?? options.gap / (exact ? 100 : 5)
    }

    /// The certified gap stage `k` stops at: for all but the last stage, below the asked gap
    /// (later stages may still raise its MLU up to its hold, and the final per-stage gaps must
    /// stay within what was asked): 0.75 of it cold, `SolveOptions.warmEarlierShare` (0.95) of
    /// it warm, where `holdCap` keeps the hold within the gap of the stage's bound. A warm stage
    /// starts next to its previous optimum and, asked for 0.75, crawled on under its old
    /// certificate: wan-300-tight seed 211 after ±5%, priority 1 from 0.93% at sweep 13 to
    /// 0.78% at sweep 32, 2·10⁻⁵ of MLU a sweep (docs/solve.md, "Earlier warm stages stop at
    /// the gap").
    func stageTarget(_ k: Int, warm: Bool? = nil) -> Double {
        k + 1 < levels.count ? options.gap * ((warm ?? warmRun) ? options.warmEarlierShare : SolverRun.earlierShare) : options.gap
    }
    /// The share of the asked gap a cold run's stages before the last stop at: their holds
    /// (MLU × (1 + gap/5)) then keep their final gaps within it.
    static let earlierShare = 0.75
    /// A warm stage whose own previous certificate bounds below the stage before's bound runs
    /// restricted rounds against that bound where the MLU is within this many targets of it.
    static let inheritedReach = 2.0

    /// The hold on an earlier stage's row: its MLU × (1 + `heldSlack`), and (unless the slack
    /// was set) at most its bound × (1 + gap), so that its final gap stays within the asked one.
    /// (A stage whose MLU is already past that, stopped above the gap, keeps the plain slack.)
    func holdCap(mlu: Double, bound: Double, exact: Bool) -> Double {
        let cap = mlu * (1 + heldSlack(exact: exact))
        guard options.holdSlack == nil, bound > 0, bound.isFinite else { return cap }
        let limit = bound * (1 + options.gap * (1 - 1e-6))
        return mlu < limit ? min(cap, limit) : cap
    }

    /// The certified gap a stage stops at in this run: `stageTarget`, or, in a warm run whose
    /// previous answer stopped this priority above the gap its solve asked for, the gap it
    /// stopped at, where that is above the gap asked now. The sweeps could not certify more
    /// there, and a warm stage asked for more crawled to its stall guard and then was solved
    /// again cold (wan-300-tight seeds 63 and 72, whose cold answers certify 1.98% and 1.66%:
    /// 720 and 644 warm sweeps, then the cold solve, 0.6× and 0.7× its time, for an answer no
    /// better).
    func runTarget(_ k: Int) -> Double {
        let target = stageTarget(k)
        guard let previous = previousMiss(levels[k]), previous.isFinite else { return target }
        return max(target, previous)
    }

    /// The gap a warm start's previous answer stopped `priority` at, where that answer missed
    /// its asked gap and the gap is above the one asked now; nil otherwise.
    func previousMiss(_ priority: Int) -> Double? {
        previousGaps[priority].flatMap { $0 > options.gap + 1e-12 ? $0 : nil }
    }

    /// The MLU of row `j` (priorities ≤ stage j's, plus the loads) as the flows stand.
    func rowMLU(_ j: Int) -> Double {
        let row = cum + j * linkCount
        var m = 0.0
        for e in 0..<linkCount where invCap[e] > 0 { m = max(m, (load[e] + row[e]) * invCap[e]) }
        return m
    }

    /// Current MLU of stage `k` from cum[k] into `util`.
    func refreshUtilization(_ k: Int) -> Double {
        let row = cum + k * linkCount
        var m = 0.0
        for e in 0..<linkCount {
            let u = (load[e] + row[e]) * invCap[e]
            util[e] = u
            if u > m { m = u }
        }
        return m
    }

    /// The lower bound that link weights `y` (≥ 0, any scale; normalized here) certify for stage
    /// `k`'s active demands under the current volumes: one pass over the active paths.
    /// Σ over path p's links of y_e / c_e: the path's price under link weights `y`.
    @inline(__always)
    func pathCost(_ p: Int, _ y: UnsafePointer<Double>) -> Double {
        var c = 0.0
        for i in linkStart[p]..<linkStart[p + 1] {
            let e = Int(links[i])
            c += y[e] * invCap[e]
        }
        return c
    }

    func bound(of y: UnsafePointer<Double>) -> Double {
        var sum = 0.0
        for e in 0..<linkCount where invCap[e] > 0 { sum += y[e] }
        guard sum > 0, sum.isFinite else { return 0 }
        var b = 0.0
        for e in 0..<linkCount where invCap[e] > 0 { b += y[e] * load[e] * invCap[e] }
        for a in 0..<activeCount {
            let d = Int(active[a])
            var best = Double.infinity
            for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                let c = pathCost(p, y)
                if c < best { best = c }
            }
            passCost[d] = best
            if best.isFinite { b += volume[d] * best }
        }
        return b / sum
    }

    /// The same bound from stored per-demand path costs (normalized like `y`) of the same
    /// structure: O(links + demands), no pass over the paths.
    func bound(of y: UnsafePointer<Double>, costs: UnsafePointer<Double>) -> Double {
        var sum = 0.0
        for e in 0..<linkCount where invCap[e] > 0 { sum += y[e] }
        guard sum > 0, sum.isFinite else { return 0 }
        var b = 0.0
        for e in 0..<linkCount where invCap[e] > 0 { b += y[e] * load[e] * invCap[e] }
        var paths = 0.0
        for a in 0..<activeCount {
            let d = Int(active[a])
            let c = costs[d]
            if c.isFinite { paths += volume[d] * c }
        }
        return (b + paths) / sum
    }

    func runStage(_ k: Int, caps: [Double], held: [Double], warmMu: Double?, warmDual: [Double]?, warmHold: [Double]?, warmCosts: [Double]?, previousBound: Double, trial: (target: Double, sweeps: Int)? = nil) -> StageResult {
        let E = linkCount
        let logE = log(Double(max(2, liveLinkCount)))
        // Per held row j < k: whether its hold H_j = caps[j] is a real cap, and the MLU M_j its
        // hold weights are centred on (∞: none).
        let holds = (0..<k).map { caps[$0].isFinite && caps[$0] > 0 }
        let centers = (0..<k).map { holds[$0] ? held[$0] : .infinity }
        holdPricing = false
        wideTrust = false
        holdWeight.update(repeating: 0, count: max(1, k * E))
        var top = refreshUtilization(k)
        var mu = max(top, 1e-12) * 0.25 / logE
        let coldMu = mu
        let warm = warmMu.map { $0 > 0 && $0.isFinite } ?? false
        // A warm start resumes at the smoothing the last answer ended with (consistent with its
        // gap), so its first certification pass may already succeed; never finer than the floor.
        if let warmMu, warmMu > 0, warmMu.isFinite {
            // (At a cold run's earlier-stage share of the gap for every stage of a multi-priority run.)
            let floor = muFloor(options.gap * (levels.count > 1 ? SolverRun.earlierShare : 1), top: top, logE: logE)
            mu = min(mu, max(warmMu, floor))
        }
        var bestBound = previousBound
        bestCostValid = false
        var warmCertified = false
        warmCertificate = nil
        // The previous answer's certificate, re-evaluated on this instance: its link weights are
        // still a valid dual (any y ≥ 0 is), and after a small change a nearly optimal one. With
        // the same structure its per-demand path costs are unchanged: only volumes and loads are
        // re-read (no pass over the paths).
        if let warmDual, warmDual.count == E {
            let stored = warmCosts.map { $0.count == demandCount } ?? false
            // With hold multipliers z: the hold-aware bound under this run's holds (MLU+HoldBound).
            let b = certificateBound(k, y: warmDual, z: warmHold ?? [], holds: Array(caps.prefix(k)), costs: stored ? warmCosts : nil)
            // (Normalized y only: the stored certificate is y, z and costs as they are.)
            var ySum = 0.0
            for e in 0..<E where invCap[e] > 0 { ySum += warmDual[e] }
            if b > 0, b.isFinite, abs(ySum - 1) <= 1e-12, trial == nil {
                let costs = stored ? (warmCosts ?? []) : Array(UnsafeBufferPointer(start: passCost, count: demandCount))
                warmCertificate = (b, warmDual, warmHold ?? [], costs)
            }
            // ≥: a later stage often keeps an earlier stage's bound (the same dual certifies both).
            if b > 0, b >= bestBound {
                bestBound = b
                dual.update(from: warmDual, count: E)
                holdZ = warmHold ?? []
                if stored, let warmCosts {
                    bestCost.update(from: warmCosts, count: demandCount)
                } else {
                    bestCost.update(from: passCost, count: demandCount)
                }
                bestCostValid = true
                warmCertified = true
            }
        }
        var sweeps = 0
        // (A trial, `exactTrial`: its own target and sweep limit, and no restricted LP.)
        let target = trial?.target ?? runTarget(k)
        let sweepLimit = trial?.sweeps ?? options.maxSweepsPerStage
        var capsBuffer = caps
        // Stall guard: a stage whose MLU stops improving (hold constraints that the certificate
        // cannot see) ends instead of sweeping to the limit.
        var bestTop = Double.infinity
        var lastImprovement = 0
        var lastHalving = 0
        var pricingSince = 0
        // Warm: the previous certificate stays fixed, so its bound needs no re-evaluation while
        // flows move; only demands with flow on links above it are moved (restricted sweeps),
        // until the MLU is within the gap of that bound or progress stalls (then full sweeps).
        var restrictedMu: Double?
        // Also where the stage before's bound (which holds here too: more demands only add
        // terms) is the better one and near: within `inheritedReach` targets of the MLU.
        let inheritedNear = options.warmInheritedRounds && warm && !warmCertified && trial == nil && bestBound > 0
            && relativeGap(top, lowerBound: bestBound) <= SolverRun.inheritedReach * target
        if warmCertified || inheritedNear, bestBound > 0 {
            top = refreshUtilization(k)
            var rounds = 0
            // The most moves that a forward cap alone held back in one round (`forwardBlocked`).
            var blocked = 0
            while relativeGap(top, lowerBound: bestBound) > target, rounds < SolverRun.maxRestrictedRounds {
                let over = top - bestBound
                // Only links that break the target need relief (most links bind on tight instances).
                let threshold = bestBound * (1 + target * 0.8)
                let muR = max(mu, over / 4)
                restrictedMu = muR
                let inverse = 1 / muR
                for e in 0..<E { weight[e] = invCap[e] > 0 ? exp(max(-700, (util[e] - top) * inverse)) : 0 }
                refreshHoldWeights(k, mu: muR, centers: centers)
                let hotCount = demandsAbove(threshold, k)
                sweep(k, caps: capsBuffer, center: top, mu: muR, list: hot, count: hotCount, above: threshold)
                sweeps += 1
                rounds += 1
                blocked = max(blocked, forwardBlocked)
                let next = refreshUtilization(k)
                let progressed = next < top - over * 0.1
                top = next
                // A round that stalls while a forward cap held back some of its moves (too few
                // for the rule below that drops the caps before the full sweeps): the caps go,
                // and the rounds go on. Those few moves can be the top link's only relief, and a
                // round costs a fraction of a full sweep (fattree-k16-tight-8k after ±5%, seed 6:
                // stage 0's second round, 80 demands with 14 moves held back, left the MLU
                // unchanged 4.2% above the old bound, then full sweeps of up to 1,350 demands
                // followed; over seeds 1–24, with the rule alone, 7 warm re-solves took fewer
                // sweeps, 2 more: 33 → 23 on seed 2, 11 → 6 on seed 15, 18 → 23 on seed 16).
                if !progressed, forwardBlocked > 0, forwardBlocked < SolverRun.forwardBlockedLimit(activeCount), capsBuffer.count > k {
                    capsBuffer.removeSubrange(k...)
                    continue
                }
                if !progressed { break }
            }
            // Still above the target: the LP over the previous certificate's support, with the
            // new volumes, may certify what the old certificate no longer does (wan-300-tight
            // seed 101 after ±5%: its last stage crawled 64 sweeps toward the old bound, 0.9058;
            // that LP bounds 0.9115 and certifies the rounds' MLU at once: 70 → 10 sweeps).
            // A warm last stage: the previous answer's certificate restated at the held rows'
            // MLUs as they are now (`warmCertifiesAtRows`) may certify what the rounds left.
            if relativeGap(top, lowerBound: bestBound) > target, trial == nil, warmCertifiesAtRows(k, caps: caps, top: top, target: target) {
                return StageResult(mlu: top, bound: bestBound, sweeps: sweeps, mu: mu, atRows: true)
            }
            if relativeGap(top, lowerBound: bestBound) > target, trial == nil, options.warmSupportLP, let warmDual {
                supportCertificate(k, caps: caps, y: warmDual, z: warmHold ?? [], target: target, bestBound: &bestBound)
            }
            if relativeGap(top, lowerBound: bestBound) <= target {
                return StageResult(mlu: top, bound: bestBound, sweeps: sweeps, mu: mu)
            }
            // (Rounds against an inherited bound that fall short: the full sweeps go on as they
            // would have without them, at the previous answer's μ over every demand.)
            if inheritedNear { restrictedMu = nil }
            // Forward caps that held back the moves of many demands in a restricted round go now,
            // before the full sweeps: by the rule below they would go after one full sweep
            // without progress, or after more where tiny gains reset its count (fattree-k8-tight
            // after ±5%, seed 3: stage 0's rounds had 29–30 moves held back, and 3 full sweeps
            // followed before the caps went; 9 warm sweeps in all, now 6).
            if blocked >= SolverRun.forwardBlockedLimit(activeCount), capsBuffer.count > k {
                capsBuffer.removeSubrange(k...)
            }
        }
        // (The MLU the restricted rounds left, against which the first full sweep is judged.)
        let roundsTop = top
        // Full sweeps from here keep the previous answer's smoothing: the restricted rounds
        // relieved the links far above the bound at a coarser one, and what is left is close.
        let firstFull = sweeps
        // After restricted rounds the flows are out of balance at this μ: a certification pass
        // before the first full sweep would price a dual no better than the one held.
        var sweepFirst = restrictedMu != nil
        // Where the restricted rounds left the MLU within twice the target of the old bound, the
        // full sweeps start at half the previous answer's μ. That μ only just certified the
        // previous answer, and its smoothing error is what keeps the first certification of
        // the changed problem above the target (tight fat-trees after ±5%: 1.0–1.3% at μ, then
        // a second sweep and pass at μ/2 certified 0.05–0.34%). Farther away, μ/2 crawls (moves
        // are held to μ per link): after 5% of the demands changed by ±50%, restricted rounds
        // that ended 2.6–7.2% above the bound took 3–4 sweeps more at μ/2 than at μ.
        // Never finer than a smoothing error of a quarter of the target: in the daemon's cycles
        // each warm answer starts the next, and a stage certified at μ/2 hands on μ/2, to be
        // halved again next cycle (fattree-k16-tight-16k, seed 7: the last stage's μ went
        // 8.4e-4 → 4.2e-4 → 2.1e-4 over 7 cycles; at μ/2 = 1.0e-4 only 110 of the 16,000
        // demands had flow within 20μ of the top, the first certification bounded 0.65 against
        // an MLU of 1.002, and the cycle took 10 sweeps, 5 with this floor).
        if restrictedMu != nil, relativeGap(top, lowerBound: bestBound) <= 2 * target {
            mu = max(muFloor(target, top: top, logE: logE, errorShare: 1.0 / 4), mu / 2)
        }
        var previousGap = Double.infinity
        // The crawl check (every `crawlWindow` sweeps: the gap then and there) and the restricted
        // LP's schedule: the sweep of the last try, and the sweeps until the next may follow
        // (from the stage's start for the first; doubled at each try).
        var crawlMark = (sweeps: 0, gap: Double.infinity)
        var restrictedLast: Int?
        var restrictedSpacing = SolverRun.restrictedFirstSweep
        func tryRestrictedLP(grow: Bool = false) {
            guard trial == nil else { return }
            // A warm stage's try costs about what its sweeps so far have, at most (Σ R³ against
            // the path-link entries it swept): its sweeps are cheap, and a failed try at the cold
            // limit cost six times the rest of the re-solve (wan-300-tight after ±5%, seed 39:
            // 0.68 s of LPs after 32 sweeps; the same 39 sweeps and certified gap without them).
            let budget = warm ? SolverRun.warmRestrictedWork * Double(linkStart[pathCount]) * Double(max(1, sweeps)) : .infinity
            restrictedCertificate(k, caps: caps, top: top, target: target, bestBound: &bestBound, work: budget, grow: grow)
            restrictedSpacing *= 2
            restrictedLast = sweeps
        }
        // The finest μ the stage has been halved from (balanced there, or stuck): crawling never
        // coarsens μ back to it.
        var halvedFrom = Double.infinity
        // Sweeping on past the pricing limit toward a restricted LP's bound (below).
        var reaching = false
        // The sweep after which the stage took the closing μ below the rounds' (see below).
        var closedAt: Int?
        // The MLU at the last certification pass (after a full sweep from the second on).
        var certifiedTop = -Double.infinity
        while true {
            // Recentre, refresh every price, and certify.
            top = refreshUtilization(k)
            let center = top
            var sum = 0.0
            for e in 0..<E {
                let w = invCap[e] > 0 ? exp((util[e] - center) / mu) : 0
                weight[e] = w
                sum += w
            }
            refreshHoldWeights(k, mu: mu, centers: centers)
            // No usable weights (no live link): nothing to price; keep the best bound certified so far.
            guard sum > 0, sum.isFinite else { return StageResult(mlu: top, bound: min(bestBound, top), sweeps: sweeps, mu: mu) }
            // After restricted rounds (a warm start), at this fine μ only the demands with flow on
            // a link within 20μ of the top carry weight (the others' paths weigh < e⁻²⁰ of the
            // top link's): sweep and price only those. Leaving the others' terms out of the bound
            // only lowers it (every term is ≥ 0), so it stays a valid bound.
            var list = UnsafePointer(active), listCount = activeCount
            if restrictedMu != nil {
                let n = demandsAbove(top - 20 * mu, k, orEveryBeyond: SolverRun.everyDemandShare)
                if n < activeCount {
                    list = UnsafePointer(hot)
                    listCount = n
                }
            }
            if sweepFirst {
                sweepFirst = false
                sweep(k, caps: capsBuffer, center: center, mu: mu, list: list, count: listCount, skipBelow: settled(warm: warm, fullSweeps: sweeps - firstFull, mu: mu, logE: logE, weightSum: sum, count: listCount))
                sweeps += 1
                continue
            }
            let inv = 1 / sum
            // Certify: y = weight/Σ weight on row k and, for the held rows, z = holdWeight/Σ
            // weight (the smoothed stage problem's own multipliers); also the plain bound (z = 0),
            // and whichever is higher is kept. Every term is computed in one pass over the paths.
            var loadTerm = 0.0
            for e in 0..<E where weight[e] > 0 { loadTerm += weight[e] * load[e] * invCap[e] }
            var holdTerm = 0.0
            // Held rows priced from level `pricedFrom` on: none (k) until the stage prices them.
            let pricedFrom = holdPricing ? 0 : k
            for j in pricedFrom..<k where holds[j] {
                let h = caps[j]
                let row = holdWeight + j * E
                for e in 0..<E where row[e] > 0 { holdTerm += row[e] * (load[e] * invCap[e] - h) }
            }
            var plainPaths = 0.0, pricedPaths = 0.0, current = 0.0, freeGap = 0.0
            if listCount < activeCount {
                // The demands left out: cost 0 (a lower estimate) in the stored certificate.
                for a in 0..<activeCount {
                    passCost[Int(active[a])] = 0
                    plainCost[Int(active[a])] = 0
                }
            }
            // No held row priced: a path's price is Σ weight·(1/c) over its links, one product per
            // link for the whole pass (the same products `pathCosts` forms, so the same sums).
            if pricedFrom == k {
                for e in 0..<E { linkPrice[e] = weight[e] * invCap[e] }
                let pass = plainPass(list: list, count: listCount, inverseSum: inv, freeFrom: capsBuffer.count)
                plainPaths = pass.paths
                pricedPaths = pass.paths
                current = pass.current
                freeGap = pass.free
            } else {
                for a in 0..<listCount {
                    let d = Int(list[a])
                    let q = level[d]
                    var bestPlain = Double.infinity, best = Double.infinity
                    var used = 0.0
                    for p in pathStart[d]..<pathStart[d + 1] where pathLive[p] {
                        let (c, held) = pathCosts(p, max(q, pricedFrom), k)
                        if c < bestPlain { bestPlain = c }
                        let priced = c + held
                        if priced < best { best = priced }
                        used += flow[p] * priced
                    }
                    // The demands no cap applies to (no held or forward-capped row): their moves
                    // are never blocked.
                    if q >= capsBuffer.count { freeGap += used - volume[d] * best }
                    plainPaths += volume[d] * bestPlain
                    pricedPaths += volume[d] * best
                    plainCost[d] = bestPlain * inv
                    passCost[d] = best * inv
                    current += used
                }
            }
            let bound = (loadTerm + plainPaths) * inv
            let priced = k > 0 ? (loadTerm + holdTerm + pricedPaths) * inv : bound
            if max(bound, priced) > bestBound {
                for e in 0..<E { dual[e] = weight[e] * inv }
                if priced > bound {
                    bestBound = priced
                    holdZ = [Double](unsafeUninitializedCapacity: k * E) { out, n in
                        for i in 0..<(k * E) { out[i] = holdWeight[i] * inv }
                        n = k * E
                    }
                    bestCost.update(from: passCost, count: demandCount)
                } else {
                    bestBound = bound
                    holdZ = []
                    bestCost.update(from: plainCost, count: demandCount)
                }
                bestCostValid = true
            }
            // Holds that bind keep the plain bound below the optimum: price them (z) once it stalls.
            // (A warm stage whose last full sweep left the MLU to the bit where it was: the holds
            // block it, and the hold-aware search runs at once instead of after 8 such sweeps.)
            let frozen = options.warmFrozenHoldSearch && warm && trial == nil && top == certifiedTop
            certifiedTop = top
            holdPass(k, inverseSum: inv, plain: bound, caps: caps, sweeps: sweeps, bestBound: &bestBound, top: top, target: target, frozen: frozen)
            var gap = relativeGap(top, lowerBound: bestBound)
            // A stage that crawls within a few targets of its bound: a certificate from the LP
            // over the links at the top (MLUSolver+RestrictedLP.swift). Once adopted, the sweeps
            // need only bring the MLU down to within the target of it.
            if sweeps - crawlMark.sweeps >= SolverRun.crawlWindow {
                let crawling = gap > crawlMark.gap * 0.75
                crawlMark = (sweeps, gap)
                if crawling, gap > target, gap <= 3 * target, sweeps >= (restrictedLast ?? 0) + restrictedSpacing {
                    tryRestrictedLP()
                    gap = relativeGap(top, lowerBound: bestBound)
                }
            }
            if top < bestTop * (1 - target / 50) {
                bestTop = top
                lastImprovement = sweeps
            }
            // Forward caps (warm) that stop progress are dropped: the later stages will re-balance.
            // After 3 sweeps without progress; or after 1, where they held back the moves of at
            // least a twentieth of the stage's demands, and of 16 at least. (fattree-k8-tight
            // after ±5%, seeds 3, 99 and 100: 146–337 such moves a sweep, an earlier stage stuck
            // while its certificates bounded 0.05–0.63 against MLUs of 0.38–0.73; 12 → 9, 9 → 7,
            // 12 → 11 sweeps. On seed 7's wan-300-tight 3–4 moves were held back, and dropping
            // the caps for those took its chain of 8 cycles from 185 to 488 sweeps: hence the
            // share; on a 50-demand random instance, 3 of 50 sent its last stage to a stall at
            // 8.1% where it had certified 0.81%: hence the floor.)
            if sweeps - lastImprovement >= 3 || (forwardBlocked >= SolverRun.forwardBlockedLimit(activeCount) && sweeps - lastImprovement >= 1), capsBuffer.count > k {
                // A warm stage before the last whose caps keep it within 3 targets of its bound
                // tries the LP over the links at the top first, which may certify it where it
                // is. Without the caps its moves can lift the later rows far above their bounds,
                // and the later stages then re-solve nearly cold (wan-300-tight seed 329 after
                // ±5%: priority 1 of 3, stuck 1.40% above its bound under the caps, went on to
                // 0.87% without them, and the last stage started at an MLU of 1.48 against a
                // bound of 0.94; the LP bounds 0.6244 and certifies the 0.6285 it had: the last
                // stage starts at 0.98, and the re-solve takes 21 sweeps instead of 53).
                if options.warmLPBeforeDroppingCaps, warm, trial == nil, k < levels.count - 1, gap > target, gap <= 3 * target, restrictedLast == nil {
                    tryRestrictedLP()
                    gap = relativeGap(top, lowerBound: bestBound)
                    capsKeptByLP += gap <= target ? 1 : 0
                }
                if gap > target { capsBuffer.removeSubrange(k...) }
            }
            // A warm last stage: the previous answer's certificate restated at the held rows'
            // MLUs as they are now (`warmCertifiesAtRows`), at every pass and so also before the
            // grown LP below, which has no budget (the restatement costs a pass over z).
            if gap > target, trial == nil, warmCertifiesAtRows(k, caps: caps, top: top, target: target) {
                return StageResult(mlu: top, bound: bestBound, sweeps: sweeps, mu: mu, atRows: true)
            }
            // (Pricing the holds gets `holdPricingSweeps`, 200: it often creeps on for thousands,
            // 0.02% a time.)
            let pricingDone = holdPricing && !reaching && sweeps - pricingSince >= options.holdPricingSweeps
            let stalled = sweeps - lastImprovement >= 200 || pricingDone
            if gap <= target || sweeps >= sweepLimit || activeCount == 0 || stalled {
                // (A last try, which grows its LP past the limit where the limit's worth falls
                // short: `restrictedCertificate`'s `grow`.)
                if gap > target {
                    tryRestrictedLP(grow: true)
                }
                gap = relativeGap(top, lowerBound: bestBound)
                // A stage stopped by the pricing limit alone, its MLU still improving, where
                // that LP's bound leaves it within twice its target: its sweeps go on toward the
                // MLU that bound certifies, with no pricing limit (until the MLU stops improving
                // or the sweep limit), where it would end uncertified. wan-300-tight seed 86: the
                // last stage stopped at 293 sweeps, a certified 1.39% and 1.03% above the LP's
                // optimum (6.2 s); the grown LP bounds 0.9031, and the sweeps reach the 0.9121
                // it certifies at sweep 790 (9.6 s; 0.64% above the LP's optimum, which takes
                // 15.9 s). Not where the stage is small enough for the bisection over virtual
                // links that follows a held stage ending above its target (`refineHeldStage`,
                // fewer sweeps). A warm last stage too (since 28 November), where it is above the
                // asked gap: there the run would go back to a cold solve (wan-300-tight seed 273
                // after ±5%: 771 sweeps warm and then cold, 0.6× the cold solve's time; going on,
                // 291, 1.3×). Not an earlier warm stage, whose final gap is restated under the
                // later stages' rows: seed 280's priority 1 went on for 6 sweeps and a second
                // grown LP, 0.56 → 1.13 s, for the 0.92% its restated bound certifies anyway.
                guard options.sweepsPastPricing, pricingDone, trial == nil, !warm || (k == levels.count - 1 && gap > options.gap), gap > target, gap <= 2 * target, sweeps - lastImprovement < 200,
                      sweeps < sweepLimit, activeCount > 0, !heldRefinable(k, caps: caps) else {
                    return StageResult(mlu: top, bound: bestBound, sweeps: sweeps, mu: mu)
                }
                reaching = true
            }
            // Smoothed duality gap of the stage problem with its holds priced:
            // Σ_d (current cost − v_d·cheapest) under y and z.
            let smoothedGap = max(0, current - pricedPaths) * inv
            // The last stage, crawling under its caps (pricing its held rows for `rowsCrawl`
            // sweeps) with its flows balanced at this μ: its certificate restated under the held
            // rows' MLUs as they are now (`boundAtRows`) may certify what the caps keep it from.
            if gap > target, holdPricing, sweeps - pricingSince >= SolverRun.rowsCrawl, smoothedGap < mu * logE, trial == nil,
               let rows = boundAtRows(k, bound: bestBound, caps: caps), relativeGap(top, lowerBound: rows) <= target {
                return StageResult(mlu: top, bound: bestBound, sweeps: sweeps, mu: mu, atRows: true)
            }
            let finest = muFloor(target, top: top, logE: logE)
            // A stage whose MLU has not improved for 8 sweeps starts pricing its held rows: moves
            // blocked by full held rows are the usual cause (priced, the flow of higher
            // priorities leaves those links first). Stages that never stall move as before. A
            // warm stage after 3 (`warmHoldPricingWindow`): it starts next to the answer, so a
            // flat MLU is its holds (wan-300-tight seed 295 after ±5%: 21 → 16 warm sweeps;
            // over seeds 289–336, 7 of 48 re-solves fewer sweeps, 1 more).
            // A stall of a cold stage also widens the trust region (`stepLimit`): flow that only
            // a detour far below the top can take would otherwise reach it μ·c a move while μ
            // shrinks. Warm stages near their target keep the narrow region: they start next to
            // the answer, and with the wide one seed 1's fattree-k16-tight-16k took 13 sweeps
            // instead of 4 after ±5%. A warm stage whose gap is above twice its target takes the
            // wide region at once: with the narrow one its full sweeps relieved the top link
            // μ·c a move, the MLU falling by the same step each sweep (seed 6's
            // fattree-k16-tight-8k after ±5%, stage 0: 0.0017 a sweep, a third of μ, for 6
            // sweeps; 19 sweeps for the stage with the narrow region, 14 with the wide one).
            if !warm, sweeps - lastImprovement >= 8 { wideTrust = true }
            if warm, gap > 2 * target { wideTrust = true }
            if k > 0, !holdPricing, sweeps - lastImprovement >= (warm ? options.warmHoldPricingWindow : 8) {
                holdPricing = true
                pricingSince = sweeps
                lastHalving = sweeps
                refreshHoldWeights(k, mu: mu, centers: centers)
            }
            // Moves that a cap blocks keep the smoothed gap open at any μ. So, once held rows are
            // priced, μ is also halved when the MLU has stopped improving for 4 sweeps while the
            // demands that no cap applies to are balanced (their share of the gap is below the
            // smoothing error).
            let stuck = holdPricing && sweeps - lastImprovement >= 4 && sweeps - lastHalving >= 4 && max(0, freeGap) * inv < mu * logE
            var nextMu = mu
            if smoothedGap < mu * logE || stuck, mu > finest {
                lastHalving = sweeps
                halvedFrom = min(halvedFrom, mu)
                nextMu = max(finest, mu / 2)
            } else if warm, restrictedMu == nil, sweeps == firstFull, smoothedGap > 16 * mu * logE {
                // The previous answer's μ is too fine for how far the changed problem is from
                // optimal (moves would crawl: the trust region is μ): pick, once, the μ whose
                // smoothing error matches the gap the first certification found.
                nextMu = min(coldMu, smoothedGap / logE)
            } else if let restrictedMu, sweeps == firstFull + 1, restrictedMu > mu, smoothedGap > 16 * mu * logE, roundsTop - top < 0.2 * (roundsTop - bestBound) {
                // One sweep at the previous answer's μ did not balance what the restricted rounds
                // left: far from optimal at this μ, continue at theirs (else the sweeps crawl at a
                // μ far below it). Not coarser, as the smoothed gap would ask: that made the stage
                // a cold one (its μ went to a cold start's), whose coarse moves reshuffled what the
                // caps protect for the later stages (seed 21's fattree-k16-tight-8k after ±5%:
                // stage 0 took 13 sweeps, and the last stage, at 0.98 before, started at 1.35,
                // which its first restricted round took 7,937 demands to bring down; now 1.07; 27
                // sweeps in all, now 24; `solve-random` seed 1066 after ±5%: 99 sweeps, now 12).
                // A stage that still crawls coarsens further below, one doubling at a time.
                // Not where that one sweep closed a fifth or more of what the rounds left above
                // the bound: it is not crawling, and the coarser μ spreads the flows back up
                // (wan-300-tight after ±5%, seed 34: the sweep took the last stage's MLU from
                // 0.9436 to 0.9405, bound 0.9306; at the rounds' μ it went back to 0.9434 and
                // took 9 more sweeps of 6,000 demands; now 1 more, 6.4× → 32×).
                // Nor coarser than needed to close what is left: a smoothing error of half the
                // target, or of half the excess over the bound where that is more. A μ whose
                // error alone is above the target certifies nothing, and each halving back down
                // costs a sweep (seed 60's fattree-k16-tight-8k after ±5%: the last stage's
                // rounds ended at μ = 0.0043, an error of 3.3% against a target of 1%; three
                // halvings, 8 sweeps and 9.2× in all; from μ = 0.0008, 5 sweeps and 36×. Over
                // its seeds 49–72, 16 → 19 warm re-solves ≥ 10×; seeds 1–24, 23 → 24).
                // If the sweep at that μ then crawls (closes under 5% of the gap), the rounds' μ
                // after all, below.
                let closing = max(muFloor(target, top: top, logE: logE, errorShare: 1.0 / 2), (top - bestBound) / (2 * logE))
                nextMu = max(mu, min(coldMu, restrictedMu, closing))
                if nextMu < restrictedMu { closedAt = sweeps }
            } else if let restrictedMu, let closedAt, sweeps == closedAt + 1, gap > previousGap * 0.95, mu < restrictedMu {
                // The μ that closes the gap crawls: moves lift a link by at most μ, and where the
                // rounds left many links near the top the stage needs the rounds' μ to move
                // (seed 7's wan-300-tight, cycles 4 and 6 of its chain: at the closing μ the gap
                // went 1.28% → 1.26% → 1.23% a sweep, and the cycles took 29 and 38 sweeps; 22
                // and 18 at the rounds' μ, and so with this return).
                nextMu = min(coldMu, restrictedMu)
            } else if warm, mu < coldMu, mu * 2 < halvedFrom, gap > 2 * target, gap > previousGap * 0.95, smoothedGap > 16 * mu * logE {
                // Crawling: far above the target, and the last sweep barely closed the gap (each
                // move lifts a link by at most μ, and the bound did not rise): coarsen μ, but
                // not back to a μ the stage was halved from (it would halve again: on a random
                // instance μ went 0.018 → 0.009 → 0.018 … for 200 sweeps, until the stall guard
                // stopped it at 2.4% where a cold solve certifies 0.9%).
                nextMu = min(coldMu, mu * 2)
            }
            var weightSum = sum
            if nextMu != mu {
                mu = nextMu
                weightSum = 0
                for e in 0..<E where invCap[e] > 0 {
                    weight[e] = exp((util[e] - center) / mu)
                    weightSum += weight[e]
                }
                refreshHoldWeights(k, mu: mu, centers: centers)
            }
            previousGap = gap
            sweep(k, caps: capsBuffer, center: center, mu: mu, list: list, count: listCount, skipBelow: settled(warm: warm, fullSweeps: sweeps - firstFull, mu: mu, logE: logE, weightSum: weightSum, count: listCount))
            sweeps += 1
        }
    }

    /// The certification pass where no held row is priced: per demand of `list`, the cheapest
    /// path's price Σ linkPrice over its links (stored, times `inverseSum`, in `plainCost` and
    /// `passCost`) and what its flows pay; returns Σ v_d·cheapest, Σ flows·prices and that gap
    /// summed over the demands of level `freeFrom` or more (no cap applies to them). The same
    /// sums, in the same order, as the loop for held rows with z = 0. With the buffers read into
    /// locals once, this pass and the link loops around it take 0.80–0.84 of the time they took
    /// as a branch of that loop (fattree-k8-tight's last stage, 2,000 demands: 103 → 83–86 µs,
    /// timed over 3,000 warm solves). Not inlined: compiled on its own, the loops keep the
    /// pointers in registers.
    @inline(never)
    func plainPass(list: UnsafePointer<Int32>, count: Int, inverseSum inv: Double, freeFrom: Int) -> (paths: Double, current: Double, free: Double) {
        let b = buffers
        let pathStart = b.pathStart, linkStart = b.linkStart, links = b.links, pathLive = b.pathLive, level = b.level
        let linkPrice = self.linkPrice, flow = self.flow, volume = self.volume, plainCost = self.plainCost, passCost = self.passCost
        var paths = 0.0, current = 0.0, free = 0.0
        for a in 0..<count {
            let d = Int(list[a])
            var best = Double.infinity
            var used = 0.0
            var p = pathStart[d]
            let end = pathStart[d + 1]
            while p < end {
                if pathLive[p] {
                    var c = 0.0
                    var i = linkStart[p]
                    let last = linkStart[p + 1]
                    while i < last { c += linkPrice[Int(links[i])]; i += 1 }
                    best = min(best, c)
                    used += flow[p] * c
                }
                p += 1
            }
            let v = volume[d]
            if level[d] >= freeFrom { free += used - v * best }
            paths += v * best
            let scaled = best * inv
            plainCost[d] = scaled
            passCost[d] = scaled
            current += used
        }
        return (paths, current, free)
    }

    /// Moves that forward caps alone held back in one sweep, of a stage with `activeCount`
    /// demands, beyond which the caps go: a twentieth of the demands, and 16 at least (see the
    /// rule in `runStage`).
    static func forwardBlockedLimit(_ activeCount: Int) -> Int { max(16, activeCount / 20) }

    /// The smoothing whose error μ·ln|E| is `errorShare` of the target gap at the current MLU; by
    /// default (1/64) the finest a stage halves μ to.
    func muFloor(_ target: Double, top: Double, logE: Double, errorShare: Double = 1.0 / 64) -> Double {
        // (logE / errorShare: for a power-of-two share the same bits as the product it replaces.)
        target * max(top, 1e-12) / (logE / errorShare)
    }

    /// Full sweeps of a warm stage that may leave settled demands alone: the benchmark's warm
    /// stages mostly end within 1–3. A stage that needs more is a cold one from a worse start,
    /// where the skipped demands' small moves add up (a test's large change: 110 sweeps against
    /// 92 when skipping in every sweep, 86 with this limit).
    static let settledSweeps = 4

    /// The smoothed-gap contribution, in the sweep's unnormalized weights, below which a full
    /// sweep leaves a demand alone (0: none): in the first `settledSweeps` full sweeps of a warm
    /// stage, Σ_p f_p·g_p − v_d·min_p g_p < share·μ·ln|E|·Σw / n over the n demands swept
    /// (share: `SolveOptions.settledShare`, 0.5). Together such demands hold less than half the
    /// smoothing error, the amount μ is halved below, so they cannot keep the stage from
    /// converging. After a small change most demands are settled, and their moves (a few exp
    /// per link of both paths, for a change that barely moves the MLU or the bound) were most of
    /// a warm sweep's time. Cold stages sweep every demand: there, skipping cut the tight
    /// fat-trees' cold solves by up to half but slowed the instances that converge over many
    /// sweeps (at a share of 0.1–0.3: fattree-k32-loose 84 → 170–183 sweeps, wan-300-tight
    /// 74 → 93–131).
    func settled(warm: Bool, fullSweeps: Int, mu: Double, logE: Double, weightSum: Double, count: Int) -> Double {
        guard warm, fullSweeps < SolverRun.settledSweeps else { return 0 }
        return options.settledShare * mu * logE * weightSum / Double(max(1, count))
    }

    /// Gradient g, curvature h (times μ) and the largest 1/c of moving flow onto path `p` of a
    /// demand of level `q` in stage `k`: row k's weights, plus the hold weights of the held
    /// rows q…k−1 that the demand's flow also counts in.
    @inline(__always)
    func price(_ p: Int, _ q: Int, _ k: Int) -> (g: Double, h: Double, maxInv: Double) {
        if q < k { return heldPrice(p, q, k) }
        var g = 0.0, h = 0.0, m = 0.0
        for i in linkStart[p]..<linkStart[p + 1] {
            let e = Int(links[i])
            let c = invCap[e]
            let wc = weight[e] * c
            g += wc
            h += wc * c
            if c > m { m = c }
        }
        return (g, h, m)
    }

    /// `price` with the hold weights of rows q…k−1 (only once a stage prices its holds).
    @inline(never)
    func heldPrice(_ p: Int, _ q: Int, _ k: Int) -> (g: Double, h: Double, maxInv: Double) {
        var g = 0.0, h = 0.0, m = 0.0
        let E = linkCount
        for i in linkStart[p]..<linkStart[p + 1] {
            let e = Int(links[i])
            let c = invCap[e]
            var w = weight[e]
            var j = q
            while j < k {
                w += holdWeight[j * E + e]
                j += 1
            }
            let wc = w * c
            g += wc
            h += wc * c
            if c > m { m = c }
        }
        return (g, h, m)
    }

    /// Path `p`'s price under the link weights alone, and what the hold weights of rows q…k−1
    /// add to it (0 when q ≥ k).
    @inline(__always)
    func pathCosts(_ p: Int, _ q: Int, _ k: Int) -> (plain: Double, held: Double) {
        var c = 0.0, held = 0.0
        let E = linkCount
        for i in linkStart[p]..<linkStart[p + 1] {
            let e = Int(links[i])
            let ic = invCap[e]
            c += weight[e] * ic
            var j = q
            while j < k {
                held += holdWeight[j * E + e] * ic
                j += 1
            }
        }
        return (c, held)
    }

    /// holdWeight for the held rows j < k at smoothing μ, from the current flows; row j is
    /// centred on `centers[j]` (∞: the row has no hold, weight 0).
    func refreshHoldWeights(_ k: Int, mu: Double, centers: [Double]) {
        guard holdPricing else { return }
        let E = linkCount
        let inverseMu = 1 / mu
        for j in 0..<k {
            let row = holdWeight + j * E
            let h = centers[j]
            let flows = cum + j * E
            for e in 0..<E {
                row[e] = invCap[e] > 0 && h.isFinite ? holdPrice(((load[e] + flows[e]) * invCap[e] - h) * inverseMu) : 0
            }
        }
    }

    /// exp(x) for a hold weight; 0 below e⁻⁴⁰ (a row that far under its maximum does not bind).
    @inline(__always)
    func holdPrice(_ x: Double) -> Double { x < -40 ? 0 : exp(min(600, x)) }

    @inline(__always)
    func shift(_ delta: Double, path p: Int, from q: Int, to k: Int, center: Double, mu: Double) {
        let E = linkCount
        let inverseMu = 1 / mu
        for i in linkStart[p]..<linkStart[p + 1] {
            let e = Int(links[i])
            var j = q
            let last = max(k, lastRow)
            while j <= last {
                cum[j * E + e] += delta
                j += 1
            }
            let c = invCap[e]
            let u = (load[e] + cum[k * E + e]) * c
            util[e] = u
            if q < k, holdPricing {
                // Rows q…k−1 rose by the same δ/c as row k: one exp for all their weights
                // (hold weights under e⁻⁴⁰ at the last refresh stay 0 until the next one).
                let factor = exp(min(600, delta * c * inverseMu))
                weight[e] = min(weight[e] * factor, 1e260)
                var h = q
                while h < k {
                    holdWeight[h * E + e] *= factor
                    h += 1
                }
            } else {
                weight[e] = exp(min(600, (u - center) * inverseMu))
            }
        }
    }

    /// Whether path `p` crosses `link` (a move between two paths leaves the links they share
    /// unchanged).
    @inline(__always)
    func path(_ p: Int, crosses link: Int32) -> Bool {
        for m in linkStart[p]..<linkStart[p + 1] where links[m] == link { return true }
        return false
    }

    /// The wide trust region of a move onto path `to` (in a cold stage that stalled): the most flow
    /// it may take before one of its links (not shared with `from`) rises by more than μ or, for
    /// a link more than 2μ below the sweep's centre, comes within μ of the centre. Holding every
    /// link to μ a move made a demand with much flow on the top link and an idle detour of small
    /// capacity far below it crawl, μ·c a sweep, for hundreds of sweeps. Stages that do not
    /// stall, and warm stages, keep the narrow region: on tight fabrics after a warm start the
    /// wide one piled flow onto links just below the top and took 2–3× the sweeps.
    @inline(__always)
    func stepLimit(_ to: Int, from: Int, center: Double, mu: Double) -> Double {
        var limit = Double.infinity
        for i in linkStart[to]..<linkStart[to + 1] {
            let e = Int(links[i])
            if path(from, crosses: links[i]) { continue }
            let flowLimit = max(mu, center - mu - util[e]) / invCap[e]
            if flowLimit < limit { limit = flowLimit }
        }
        return limit
    }

    /// Room on path `to` for the rows q… with a finite cap (the held stages before k; in a warm
    /// start also the later ones) before any of them passes its cap, not
    /// counting links that `from` shares (flow moved between them leaves those unchanged).
    /// Also the room for the held rows q..<k alone (∞ without one), in the same pass: where the
    /// two differ, a forward cap (a later stage's row) is what holds the move back.
    func room(to: Int, from: Int, q: Int, k: Int, caps: [Double]) -> (all: Double, held: Double) {
        var r = Double.infinity, held = Double.infinity
        let E = linkCount
        for i in linkStart[to]..<linkStart[to + 1] {
            let e = Int(links[i])
            if path(from, crosses: links[i]) { continue }
            for j in q..<caps.count where caps[j] < .infinity {
                let free = caps[j] / invCap[e] - load[e] - cum[j * E + e]
                if free < r { r = free }
                if j < k, free < held { held = free }
            }
        }
        return (max(0, r), max(0, held))
    }

    /// Beyond this share of all path-link entries on links within 20μ of the top, a warm stage's
    /// full sweeps take every active demand without looking for the hot ones. Beyond a quarter a
    /// look has to scan the demands one by one (`demandsAbove`), and on the tight fabrics it
    /// left out too few to pay for itself: fattree-k8-tight after ±5%, seed 1, 26 µs to find
    /// 1,935 of the 2,000 demands hot, where sweeping and pricing the other 65 costs a few µs.
    /// (The limit was 0.45. At 0.25 that re-solve keeps its sweeps on 42 seeds and 35 of them
    /// are ≥ 10× faster than cold, 32 before: docs/solve.md, "No look for hot demands beyond a
    /// quarter".)
    static let everyDemandShare = 0.25
    /// A stage's gap is checked for a crawl every this many sweeps (less than a quarter closed).
    static let crawlWindow = 16
    /// Sweeps of pricing its held rows after which the last stage may stop on its bound restated
    /// under the held rows' MLUs (`boundAtRows`), its flows balanced at its μ. Stopped on it at
    /// once, whenever it certified, a cold answer handed the next warm start a certificate that
    /// is weak under its caps and flows off balance (seed 49's fattree-k16-tight-8k: stopped 1
    /// sweep sooner, right after halving μ, at 0.95% instead of 0.71%, and its warm re-solve
    /// after ±5% took 38 sweeps instead of 14). With these two conditions seeds 49–72 of it and
    /// seeds 1–4 of every benchmark instance take the same sweeps as without the rule; the
    /// leaf-spine instance of `restatedAtFinalRows`, warm after its fourth change, 169 sweeps
    /// instead of 222.
    static let rowsCrawl = 16
    /// The first sweep of a stage at which a crawl may try a restricted LP.
    static let restrictedFirstSweep = 32
    /// A warm stage's restricted LP try: its Σ R³ (R link-rows per LP) at most this many times
    /// the path-link entries times the sweeps so far. A dense LP step costs ≈ R³/3 and a try
    /// takes ≈ 30 of them, a sweep ≈ 30 operations per path-link entry: about the sweeps' cost.
    static let warmRestrictedWork = 3.0

    /// Fills `hot` with the demands of stage `k` that have flow on a link whose utilization is at
    /// least `threshold`, in demand order; returns how many. Where few links are that hot, from
    /// those links' path lists, only their paths of levels ≤ k (no pass over every path); where
    /// their lists hold over a quarter of all path-link entries (tight instances: most links
    /// bind), by the stage's active demands, stopping at the first path with flow that crosses
    /// one (usually the first path looked at). Where they hold
    /// over `orEveryBeyond` of them, returns `activeCount` and fills nothing: the caller takes
    /// every active demand.
    func demandsAbove(_ threshold: Double, _ k: Int, orEveryBeyond share: Double = 1) -> Int {
        let linkPathStart = buffers.linkPathStart, linkPaths = buffers.linkPaths, pathDemand = buffers.pathDemand
        let linkLevelEnd = buffers.linkLevelEnd, L = max(1, levels.count)
        // (Every level's entries counted: the share is of all path-link entries.)
        var listed = 0
        for e in 0..<linkCount where util[e] >= threshold { listed += linkPathStart[e + 1] - linkPathStart[e] }
        if share < 1, Double(listed) > share * Double(linkPathStart[linkCount]) { return activeCount }
        // The stage's demands (routable, level ≤ k), in demand order: only those can have flow.
        let active = self.active
        var count = 0
        if listed > linkPathStart[linkCount] / 4 {
            for a in 0..<activeCount {
                let d = Int(active[a])
                let tiny = 1e-12 * volume[d]
                for p in pathStart[d]..<pathStart[d + 1] where flow[p] > tiny && crosses(p, above: threshold) {
                    hot[count] = Int32(d)
                    count += 1
                    break
                }
            }
            return count
        }
        epoch &+= 1
        var marked = 0
        for e in 0..<linkCount where util[e] >= threshold {
            // Each link's paths of levels ≤ k come first (`linkLevelEnd`).
            for i in linkPathStart[e]..<linkLevelEnd[e * L + k] {
                let p = Int(linkPaths[i])
                let d = Int(pathDemand[p])
                if mark[d] != epoch, flow[p] > 1e-12 * volume[d] {
                    mark[d] = epoch
                    marked += 1
                }
            }
        }
        if marked > 0 {
            for a in 0..<activeCount where mark[Int(active[a])] == epoch {
                hot[count] = active[a]
                count += 1
            }
        }
        return count
    }

    /// Whether path `p` crosses a link whose utilization is at least `threshold`.
    @inline(__always)
    func crosses(_ p: Int, above threshold: Double) -> Bool {
        for i in linkStart[p]..<linkStart[p + 1] where util[Int(links[i])] >= threshold { return true }
        return false
    }

    /// One Gauss–Seidel pass over the demands `list[0..<count]`. With a finite `above`, only flow
    /// on paths that cross a link at or above that utilization moves (a warm start's relief of
    /// its hottest links). A demand whose smoothed-gap contribution is below `skipBelow` is left
    /// as it is (`settled`).
    func sweep(_ k: Int, caps: [Double], center: Double, mu: Double, list: UnsafePointer<Int32>, count: Int, above: Double = .infinity, skipBelow: Double = 0) {
        forwardBlocked = 0
        for a in 0..<count {
            let d = Int(list[a])
            let first = pathStart[d], end = pathStart[d + 1]
            if end - first < 2 { continue }
            let q = level[d]
            // The level whose held rows the prices include: none until the stage prices them.
            let r = holdPricing ? q : k
            var cheapest = -1
            var cheapestCost = Double.infinity
            var used = 0.0
            for p in first..<end where pathLive[p] {
                let c = price(p, r, k).g
                used += flow[p] * c
                if c < cheapestCost { cheapestCost = c; cheapest = p }
            }
            if cheapest < 0 { continue }
            if skipBelow > 0, used - volume[d] * cheapestCost < skipBelow { continue }
            let tiny = 1e-12 * volume[d]
            for p in first..<end where p != cheapest && flow[p] > tiny && pathLive[p] {
                if above < .infinity, !crosses(p, above: above) { continue }
                let from = price(p, r, k)
                let to = price(cheapest, r, k)
                if from.g <= to.g { continue }
                var delta = mu * (from.g - to.g) / (from.h + to.h)
                // Trust region: no link of the target path rises by more than μ in one move (in
                // a stage that stalled: or, a link far below the sweep's centre, to within μ of
                // it, `stepLimit`).
                if to.maxInv > 0, delta * to.maxInv > mu {
                    delta = wideTrust ? min(delta, stepLimit(cheapest, from: p, center: center, mu: mu)) : mu / to.maxInv
                }
                delta = min(delta, flow[p])
                if q < caps.count {
                    let r = room(to: cheapest, from: p, q: q, k: k, caps: caps)
                    // Count the moves that only a later stage's cap (a warm start's) holds to
                    // under half their step (`forwardBlocked`).
                    if r.all < delta * 0.5, caps.count > k + 1, r.held >= delta {
                        forwardBlocked += 1
                    }
                    delta = min(delta, r.all)
                }
                // Prices far below the top underflow (subnormal g, h = 0): 0/0 would poison the
                // flows with NaN, and such a move would not matter anyway.
                if !(delta > tiny) || !delta.isFinite { continue }
                flow[p] -= delta
                flow[cheapest] += delta
                shift(-delta, path: p, from: q, to: k, center: center, mu: mu)
                shift(delta, path: cheapest, from: q, to: k, center: center, mu: mu)
            }
        }
    }
}

func formatPercent(_ v: Double) -> String {
    guard v.isFinite else { return "∞" }
    let scaled = (v * 10000).rounded() / 100
    return "\(scaled)%"
}
