import Foundation
import PropertyBased
import Testing

@testable import TECore

/// Warm re-solves that reuse the previous certificate's per-demand path costs and move only the
/// demands on links above it (restricted sweeps).
@Suite struct MLUSolverIncrementalTests {
    /// min over usable paths of Σ y_e/c_e (+∞ without a usable path).
    static func pathCost(_ p: SolveProblem, y: [Double], demand d: Int) -> Double {
        var best = Double.infinity
        for path in p.paths(of: d) {
            let links = p.links(of: path)
            if links.isEmpty || links.contains(where: { p.capacity[Int($0)] <= 0 }) { continue }
            best = min(best, links.reduce(0.0) { $0 + y[Int($1)] / p.capacity[Int($1)] })
        }
        return best
    }

    /// A mid-size instance whose capacities are a few percent above a random routing, so that
    /// most links bind (like the benchmark's tight ones), with three priorities.
    static func tightProblem(seed: Int) -> SolveProblem {
        var r = TestRandom(seed)
        let links = 40
        var paths: [[[Int]]] = []
        var volumes: [Double] = []
        var routed = [Double](repeating: 0, count: links)
        for _ in 0..<300 {
            var ps: [[Int]] = []
            for _ in 0..<(2 + r.int(4)) {
                let a = r.int(links / 2), b = links / 2 + r.int(links / 2)
                ps.append([a, b])
            }
            let v = r.uniform(1, 10)
            for e in ps[r.int(ps.count)] { routed[e] += v }
            paths.append(ps)
            volumes.append(v)
        }
        var p = SolveProblem()
        for e in 0..<links { p.addLink(name: "l\(e)", capacity: max(1, routed[e]) * r.uniform(1.01, 1.06)) }
        for d in paths.indices { p.addDemand(name: "d\(d)", volume: volumes[d], priority: d % 3, paths: paths[d]) }
        return p
    }

    @Test func storedPathCostsAreTheCheapestPathCostsUnderTheDual() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            let p = randomProblem(seed: seed)
            let s = MLUSolver.solve(p)
            #expect(s.dualPathCosts.count == s.stages.count)
            for (k, stage) in s.stages.enumerated() where !s.dualPathCosts[k].isEmpty {
                for d in 0..<p.demandCount where p.priority[d] <= stage.priority && p.volume[d] > 0 {
                    // Under y plus the hold multipliers z of the rows the demand is counted in.
                    let expected = HoldCertificate.pathCost(p, stages: s.stages, k: k, y: s.duals[k], z: s.holdDuals[k], demand: d)
                    let stored = s.dualPathCosts[k][d]
                    if expected.isFinite {
                        #expect(abs(stored - expected) <= 1e-9 * max(expected, 1e-300), "demand \(d): \(stored) vs \(expected)")
                    } else {
                        #expect(!stored.isFinite)
                    }
                }
            }
        }
    }

    /// The bound a warm stage starts from (stored costs, new volumes and loads: no pass over the
    /// paths) is the bound recomputed from scratch with the previous y; the answer is certified.
    @Test func incrementalBoundEqualsTheBoundRecomputedFromScratch() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            // (The sweeps' warm stages: exact stages do not start from the stored certificate.)
            var p = randomProblem(seed: seed)
            let first = MLUSolver.solve(p, options: sweepsOnly)
            var r = TestRandom(seed &+ 5)
            for d in 0..<p.demandCount { p.volume[d] *= r.uniform(0.95, 1.05) }
            for e in 0..<p.linkCount { p.load[e] *= r.uniform(0.9, 1.1) }
            let warm = MLUSolver.solve(p, options: sweepsOnly, warmStart: WarmStart(first))
            for (k, stage) in warm.stages.enumerated() {
                guard k < first.duals.count, !first.dualPathCosts[k].isEmpty else { continue }
                // The previous certificate (y, z) under this run's holds.
                let scratch = HoldCertificate.bound(p, stages: warm.stages, k: k, y: first.duals[k], z: first.holdDuals[k], holds: warm.holdCaps[k])
                // Stages keep the best certified bound, so at least the re-evaluated previous one.
                #expect(stage.lowerBound >= scratch * (1 - 1e-9) - 1e-12, "priority \(stage.priority): \(stage.lowerBound) < \(scratch)")
            }
            // And whatever bound is reported, its own (y, z) certifies it on the new problem.
            HoldCertificate.expectCertified(p, warm, cold: false)
        }
    }

    /// The case the property above found (its input 696869). The last stage kept, under the
    /// holds it ran with, a certificate a hair better than the previous answer's; restated under
    /// the MLUs the answer reports, the previous one, with more weight on the held rows, bounded
    /// 1.3e-9 higher (0.91020687542 against 0.91020687420). The answer now states whichever of
    /// the two restates higher.
    /// A warm run's stages before the last stop at 0.95 of the asked gap instead of a cold
    /// run's 0.75: they start next to their previous optimum, where the last quarter of the gap
    /// is crawled at a sweep's smoothing. Their holds stay within the asked gap of their bounds,
    /// so no later stage pushes their final gaps past it.
    @Test func earlierWarmStagesStopWithinTheGapAndStayThere() {
        var old = sweepsOnly
        old.warmEarlierShare = 0.75
        var sweepsOld = 0, sweepsNew = 0, pastTheColdTarget = 0
        for seed in 1...12 {
            var problem = Self.tightProblem(seed: seed)
            let cold = MLUSolver.solve(problem, options: sweepsOnly)
            var r = TestRandom(seed &+ 977)
            for d in 0..<problem.demandCount { problem.volume[d] *= r.uniform(0.95, 1.05) }
            let before = MLUSolver.solve(problem, options: old, warmStart: WarmStart(cold))
            let warm = MLUSolver.solve(problem, options: sweepsOnly, warmStart: WarmStart(cold))
            HoldCertificate.expectCertified(problem, warm, cold: false)
            let flows = problem.flows(splits: warm.split)
            for stage in warm.stages {
                #expect(stage.gap <= 0.01, "seed \(seed) priority \(stage.priority): gap \(stage.gap)")
                let recomputed = problem.maxUtilization(flows: flows, upToPriority: stage.priority)
                #expect(recomputed <= stage.lowerBound * 1.01, "seed \(seed) priority \(stage.priority): MLU \(recomputed), bound \(stage.lowerBound)")
            }
            pastTheColdTarget += warm.stages.dropLast().filter { $0.gap > 0.0075 }.count
            sweepsOld += before.sweeps
            sweepsNew += warm.sweeps
        }
        #expect(sweepsNew < sweepsOld, "warm sweeps with earlier stages asked for 0.95 of the gap: \(sweepsNew), for 0.75: \(sweepsOld)")
        #expect(pastTheColdTarget > 0)
    }

    @Test func aWarmAnswerKeepsThePreviousCertificateWhereRestatedItBoundsHigher() {
        let seed = 696_869
        var p = randomProblem(seed: seed)
        let first = MLUSolver.solve(p, options: sweepsOnly)
        var r = TestRandom(seed &+ 5)
        for d in 0..<p.demandCount { p.volume[d] *= r.uniform(0.95, 1.05) }
        for e in 0..<p.linkCount { p.load[e] *= r.uniform(0.9, 1.1) }
        let warm = MLUSolver.solve(p, options: sweepsOnly, warmStart: WarmStart(first))
        #expect(warm.stages.count == 3)
        for (k, stage) in warm.stages.enumerated() where k < first.duals.count {
            let scratch = HoldCertificate.bound(p, stages: warm.stages, k: k, y: first.duals[k], z: first.holdDuals[k], holds: Array(warm.stages.prefix(k).map(\.mlu)))
            #expect(stage.lowerBound >= scratch * (1 - 1e-12), "priority \(stage.priority): \(stage.lowerBound) < \(scratch)")
        }
        HoldCertificate.expectCertified(p, warm, cold: false)
    }

    @Test func aChangedCapacityDoesNotReuseTheStoredCosts() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            var p = randomProblem(seed: seed)
            // (The sweeps' warm stages: exact stages do not start from the stored certificate.)
            let first = MLUSolver.solve(p, options: sweepsOnly)
            var r = TestRandom(seed &+ 9)
            let e = r.int(p.linkCount)
            p.capacity[e] *= 0.5
            let warm = MLUSolver.solve(p, options: sweepsOnly, warmStart: WarmStart(first))
            #expect(warm.structure != first.structure)
            // Stale costs would certify a bound that the new capacities do not support.
            HoldCertificate.expectCertified(p, warm, cold: false)
        }
    }

    /// After every volume changed by up to ±5%, or 5% of them by up to ±50%, a warm solve
    /// relieves the links above the old certificate: certified within the gap, close to the cold
    /// answer, in far fewer sweeps.
    @Test(arguments: [1, 2, 3, 4])
    func restrictedWarmSolvesAreCertifiedWithinTheGap(seed: Int) {
        let p = Self.tightProblem(seed: seed)
        let first = MLUSolver.solve(p, options: sweepsOnly)
        var r = TestRandom(seed &+ 17)
        // Every volume ±5%, and separately 5% of the demands ±50%.
        var all = p
        for d in 0..<all.demandCount { all.volume[d] *= r.uniform(0.95, 1.05) }
        var some = p
        for d in 0..<some.demandCount where r.int(20) == 0 { some.volume[d] *= r.uniform(0.5, 1.5) }
        for changed in [all, some] {
            let warm = MLUSolver.solve(changed, options: sweepsOnly, warmStart: WarmStart(first))
            let cold = MLUSolver.solve(changed, options: sweepsOnly)
            // Far fewer sweeps than cold (restricted rounds count as sweeps).
            #expect(warm.sweeps * 3 <= cold.sweeps, "\(warm.sweeps) sweeps warm, \(cold.sweeps) cold")
            for (k, stage) in warm.stages.enumerated() {
                #expect(stage.gap <= 0.01 + 1e-9, "priority \(stage.priority): gap \(stage.gap)")
                let certified = HoldCertificate.bound(changed, stages: warm.stages, k: k, y: warm.duals[k], z: warm.holdDuals[k], holds: warm.holdCaps[k])
                #expect(certified >= stage.lowerBound * (1 - 1e-9))
                // Within the gap of the cold answer's certified bound, stage by stage.
                #expect(stage.mlu <= cold.stages[k].mlu * 1.02 + 1e-12)
            }
            let recomputed = changed.maxUtilization(flows: changed.flows(splits: warm.split))
            #expect(abs(recomputed - warm.mlu) <= 1e-9 * max(1, warm.mlu))
        }
    }

    /// A warm solve that reuses the cached structure buffers and the stored per-stage link flows
    /// (adding only the changed demands' deltas) answers as one that rebuilds both: same splits
    /// within rounding, every stage certified by its own dual, and link utilizations that match
    /// the splits recomputed from scratch (the incremental loads did not drift).
    @Test(arguments: [1, 2, 3])
    func cachedStructureGivesTheSameWarmAnswerAsARebuild(seed: Int) {
        let p = Self.tightProblem(seed: seed)
        let first = MLUSolver.solve(p, options: sweepsOnly)
        #expect(first.structure?.buffers != nil)
        #expect(first.stageLinkFlow.count == first.stages.count * p.linkCount)
        var r = TestRandom(seed &+ 23)
        var changed = p
        for d in 0..<changed.demandCount where r.int(10) == 0 { changed.volume[d] *= r.uniform(0.5, 1.5) }
        changed.volume[r.int(changed.demandCount)] = 0
        for e in 0..<changed.linkCount where r.int(5) == 0 { changed.load[e] += r.uniform(0, 0.5) }
        let cached = WarmStart(first)
        var rebuilt = WarmStart(first)
        rebuilt.structure = first.structure?.withoutCache()
        rebuilt.stageLinkFlow = []
        #expect(rebuilt.structure == cached.structure)
        let a = MLUSolver.solve(changed, options: sweepsOnly, warmStart: cached)
        let b = MLUSolver.solve(changed, options: sweepsOnly, warmStart: rebuilt)
        #expect(a.stages.count == b.stages.count)
        var worst = 0.0
        for (x, y) in zip(a.split, b.split) { worst = max(worst, abs(x - y)) }
        #expect(worst <= 1e-6, "largest split difference \(worst)")
        for s in [a, b] {
            for (k, stage) in s.stages.enumerated() {
                #expect(stage.gap <= 0.01 + 1e-9, "priority \(stage.priority): gap \(stage.gap)")
                let certified = HoldCertificate.bound(changed, stages: s.stages, k: k, y: s.duals[k], z: s.holdDuals[k], holds: s.holdCaps[k])
                #expect(certified >= stage.lowerBound * (1 - 1e-9) - 1e-12)
                let mlu = changed.maxUtilization(flows: s.flow, upToPriority: stage.priority)
                #expect(abs(mlu - stage.mlu) <= 1e-9 * max(1, mlu))
            }
            let utilization = changed.utilization(flows: changed.flows(splits: s.split))
            for (u, v) in zip(utilization, s.utilization) { #expect(abs(u - v) <= 1e-9 * max(1, u)) }
        }
        #expect(abs(a.mlu - b.mlu) <= 1e-6 * max(1, b.mlu))
    }

    /// A k = 8 fat-tree (512 directed links) with 2,000 demands of 4–8 paths edge → agg → core →
    /// agg → edge, a tenth of them elephants, and capacities 1–6% above a random single-path
    /// routing: most links bind, as on the benchmark's tight fabrics. One priority.
    static func tightFatTree(seed: Int) -> SolveProblem {
        var r = TestRandom(seed)
        var paths: [[[Int]]] = []
        var volumes: [Double] = []
        var routed = [Double](repeating: 0, count: fatTreeLinks(k: 8))
        for _ in 0..<2000 {
            let ps = fatTreeDemandPaths(k: 8, &r)
            let v = r.int(10) == 0 ? r.uniform(20, 60) : r.uniform(1, 10)
            for e in ps[r.int(ps.count)] { routed[e] += v }
            paths.append(ps)
            volumes.append(v)
        }
        var p = SolveProblem()
        for e in routed.indices { p.addLink(name: "l\(e)", capacity: max(1, routed[e]) * r.uniform(1.01, 1.06)) }
        for d in paths.indices { p.addDemand(name: "d\(d)", volume: volumes[d], priority: 0, paths: paths[d]) }
        return p
    }

    /// The directed links of a k-ary fat-tree as these generators number them: edge ↔ agg, then
    /// agg ↔ core.
    static func fatTreeLinks(k: Int) -> Int { 2 * k * (k / 2) * (k / 2) * 2 }

    /// One demand's 4–8 paths edge → agg → core → agg → edge between two random pods.
    static func fatTreeDemandPaths(k: Int, _ r: inout TestRandom) -> [[Int]] {
        let h = k / 2
        func up(_ pod: Int, _ edge: Int, _ agg: Int) -> Int { ((pod * h + edge) * h + agg) * 2 }
        let core = k * h * h * 2
        func toCore(_ pod: Int, _ agg: Int, _ c: Int) -> Int { core + ((pod * h + agg) * h + c) * 2 }
        let p1 = r.int(k), p2 = (p1 + 1 + r.int(k - 1)) % k
        let e1 = r.int(h), e2 = r.int(h)
        var ps: [[Int]] = []
        var chosen = Set<Int>()
        let want = 4 + r.int(5)
        while chosen.count < want {
            let j = r.int(h * h)
            guard chosen.insert(j).inserted else { continue }
            let a = j / h, c = j % h
            ps.append([up(p1, e1, a), toCore(p1, a, c), toCore(p2, a, c) + 1, up(p2, e2, a) + 1])
        }
        return ps
    }

    /// A k = 8 fat-tree with 2,000 demands of 4–8 paths in three priorities (a fifth, three tenths
    /// and half of them), capacities 1.5, 3.75 or 6 times the busiest link of an even spread, and
    /// 30% of the links loaded by 0–30% of their capacity: loose, as the benchmark's loose
    /// fabrics, where the priorities often share their top link.
    static func looseFatTree(seed: Int, k: Int = 8, demands: Int = 2000) -> SolveProblem {
        var r = TestRandom(seed)
        var paths: [[[Int]]] = []
        var volumes: [Double] = []
        var prio: [Int] = []
        var f = [Double](repeating: 0, count: fatTreeLinks(k: k))
        for _ in 0..<demands {
            let ps = fatTreeDemandPaths(k: k, &r)
            let v = r.int(10) == 0 ? r.uniform(20, 60) : r.uniform(1, 10)
            for p in ps { for e in p { f[e] += v / Double(ps.count) } }
            paths.append(ps)
            volumes.append(v)
            let u = r.uniform(0, 1)
            prio.append(u < 0.2 ? 0 : u < 0.5 ? 1 : 2)
        }
        let peak = f.max() ?? 1
        var p = SolveProblem()
        for e in f.indices {
            let c = (peak * 1.5 * [1.0, 2.5, 4.0][r.int(3)]).rounded()
            let l = r.int(10) < 3 ? r.uniform(0, 0.3) * c : 0
            p.addLink(name: "l\(e)", capacity: c, load: l)
        }
        for d in paths.indices { p.addDemand(name: "d\(d)", volume: volumes[d], priority: prio[d], paths: paths[d]) }
        return p
    }

    /// A warm stage whose own previous certificate bounds below the stage before's bound (which
    /// holds for it too) runs its restricted rounds against that bound where its MLU is near it,
    /// instead of going straight to full sweeps: fattree-k32-loose seed 214 after ±5%, whose last
    /// stage took 6 full sweeps at 1.9% above priority 1's bound, certifies after 2 rounds (11 →
    /// 7 warm sweeps, 5.7× → 33× faster than cold). Here priority 1's certificate is replaced by
    /// an even one, which bounds below priority 0's, on loose fat-trees where the two priorities
    /// share their top link.
    @Test func aWarmStageChasesTheBoundOfTheStageBefore() {
        let on = SolveOptions(exactStageLimit: 0)
        var off = on
        off.warmInheritedRounds = false
        var sweepsOn = 0, sweepsOff = 0
        for seed in 21...30 {
            let p = Self.looseFatTree(seed: seed)
            let first = MLUSolver.solve(p, options: on)
            var changed = p
            var r = TestRandom(seed &+ 41)
            for d in 0..<changed.demandCount { changed.volume[d] *= r.uniform(0.95, 1.05) }
            var start = WarmStart(first)
            let middle = first.stages[1].priority
            start.duals[middle] = [Double](repeating: 1 / Double(p.linkCount), count: p.linkCount)
            start.pathCosts[middle] = nil
            start.holdDuals[middle] = nil
            let with = MLUSolver.solve(changed, options: on, warmStart: start)
            let without = MLUSolver.solve(changed, options: off, warmStart: start)
            HoldCertificate.expectCertified(changed, with, cold: false)
            for stage in with.stages { #expect(stage.gap <= 0.01, "seed \(seed) priority \(stage.priority): \(stage.gap)") }
            #expect(!with.notes.contains { $0.kind == .warmStartDiscarded })
            #expect(with.sweeps <= without.sweeps, "seed \(seed): \(with.sweeps) sweeps, \(without.sweeps) without the rounds")
            sweepsOn += with.sweeps
            sweepsOff += without.sweeps
        }
        #expect(sweepsOn < sweepsOff, "\(sweepsOn) warm sweeps, \(sweepsOff) without the rounds")
    }

    /// A warm re-solve moves the flow the change asks for and leaves the demands that are
    /// already balanced where they were (`SolveOptions.settledShare`): after 5% of the demands
    /// changed by up to ±50% on a tight fat-tree, fewer splits (and so fewer WCMP groups) change
    /// than when every demand is swept, and the answer is certified within the gap just the same.
    @Test func aWarmSolveLeavesSettledDemandsAlone() {
        var changedSplits = [0, 0]
        for seed in 1...4 {
            let p = Self.tightFatTree(seed: seed)
            let first = MLUSolver.solve(p, options: sweepsOnly)
            var r = TestRandom(seed &+ 41)
            var changed = p
            for d in 0..<changed.demandCount where r.int(20) == 0 { changed.volume[d] *= r.uniform(0.5, 1.5) }
            var everyDemand = sweepsOnly
            everyDemand.settledShare = 0
            var moved: [Int] = []
            var answers: [SolveSolution] = []
            for options in [sweepsOnly, everyDemand] {
                let warm = MLUSolver.solve(changed, options: options, warmStart: WarmStart(first))
                answers.append(warm)
                #expect(warm.gap <= 0.01 + 1e-9, "seed \(seed): gap \(warm.gap)")
                let certified = HoldCertificate.bound(changed, stages: warm.stages, k: 0, y: warm.duals[0], z: [], holds: [])
                #expect(certified >= warm.lowerBound * (1 - 1e-9), "seed \(seed)")
                moved.append((0..<p.demandCount).filter { d in p.paths(of: d).contains { warm.split[$0] != first.split[$0] } }.count)
            }
            #expect(moved[0] <= moved[1], "seed \(seed): \(moved[0]) splits changed, \(moved[1]) when every demand is swept")
            // The next cycle starts from this answer: its stored certificate still certifies.
            let next = MLUSolver.solve(p, options: sweepsOnly, warmStart: WarmStart(answers[0]))
            HoldCertificate.expectCertified(p, next, cold: false)
            changedSplits[0] += moved[0]
            changedSplits[1] += moved[1]
        }
        // (5,266 against 5,695 when last measured: seed 1 changes the same 1,268 either way, seeds
        // 2–4 4,001 against 4,427. It was 5,280 against 6,241 before the full sweeps after close
        // restricted rounds started at μ/2, where sweeping every demand moves fewer too.)
        #expect(changedSplits[0] * 20 <= changedSplits[1] * 19, "\(changedSplits[0]) splits changed, \(changedSplits[1]) when every demand is swept")
    }

    /// After every volume changed by up to ±5% on a tight fat-tree, a warm re-solve is
    /// certified within the gap after its restricted rounds and at most one full sweep (3 sweeps
    /// in all, against 7–10 cold). Its full sweeps start at half the previous answer's μ when the
    /// restricted rounds ended close to the old bound: at that μ itself, the first certification
    /// of seeds 3 and 7 landed above the target, and a second sweep followed (4 sweeps).
    @Test func aSmallChangeIsCertifiedAfterOneFullSweep() {
        for seed in 1...8 {
            let p = Self.tightFatTree(seed: seed)
            let first = MLUSolver.solve(p, options: sweepsOnly)
            var r = TestRandom(seed &+ 77)
            var changed = p
            for d in 0..<changed.demandCount { changed.volume[d] *= r.uniform(0.95, 1.05) }
            let warm = MLUSolver.solve(changed, options: sweepsOnly, warmStart: WarmStart(first))
            let cold = MLUSolver.solve(changed, options: sweepsOnly)
            #expect(warm.gap <= 0.01 + 1e-9, "seed \(seed): gap \(warm.gap)")
            HoldCertificate.expectCertified(changed, warm, cold: false)
            #expect(warm.sweeps <= 3, "seed \(seed): \(warm.sweeps) sweeps warm, \(cold.sweeps) cold")
            #expect(warm.sweeps * 2 <= cold.sweeps, "seed \(seed): \(warm.sweeps) sweeps warm, \(cold.sweeps) cold")
        }
    }

    /// The daemon's steady state: each cycle's volumes drift by up to ±5% from the previous
    /// cycle's, and each warm start is the previous cycle's warm answer (`PlannerWarmStart`).
    /// Over 8 cycles every answer stays certified within the gap by its own stored certificate,
    /// every stage's MLU still matches the one recomputed from the splits (the per-stage link
    /// loads carried from cycle to cycle by adding the changed flows do not drift), and the chain
    /// takes at most a third of the sweeps of solving each cycle cold. The smoothing each answer
    /// hands on to the next cycle stays no finer than the cold answer's or one whose error is a
    /// quarter of the target: a stage certified after the half-smoothing start used to hand on
    /// μ/2, halved again the next cycle (fat-tree seed 2: 9.0e-4 → 4.5e-4 → 2.3e-4 by cycle 3;
    /// seed 3 by cycle 8), until the first sweeps saw only the few links next to the top.
    @Test(arguments: Array(1...6))
    func warmCyclesChainedFromWarmAnswersStayCertified(seed: Int) {
        // Three priorities on a small random fabric, and one priority on tight fat-trees.
        var problem = seed <= 3 ? Self.tightProblem(seed: seed) : Self.tightFatTree(seed: seed - 3)
        var previous = MLUSolver.solve(problem, options: sweepsOnly)
        let coldSmoothing = previous.stages.map(\.smoothing)
        let logE = log(Double(problem.linkCount))
        var r = TestRandom(seed &+ 313)
        var warmSweeps = 0, coldSweeps = 0
        for cycle in 1...8 {
            for d in 0..<problem.demandCount { problem.volume[d] *= r.uniform(0.95, 1.05) }
            let warm = MLUSolver.solve(problem, options: sweepsOnly, warmStart: WarmStart(previous))
            let cold = MLUSolver.solve(problem, options: sweepsOnly)
            HoldCertificate.expectCertified(problem, warm, cold: false)
            let flows = problem.flows(splits: warm.split)
            for (k, stage) in warm.stages.enumerated() {
                #expect(stage.gap <= 0.01 + 1e-9, "seed \(seed) cycle \(cycle) priority \(stage.priority): gap \(stage.gap)")
                let recomputed = problem.maxUtilization(flows: flows, upToPriority: stage.priority)
                #expect(abs(recomputed - stage.mlu) <= 1e-9 * max(1, stage.mlu), "seed \(seed) cycle \(cycle) priority \(stage.priority): \(stage.mlu) reported, \(recomputed) from the splits")
                // (0.75%: the target of a stage before the last; 0.9: the floor is taken at the MLU
                // the restricted rounds left, a little above the final one.)
                let floor = min(coldSmoothing[k], 0.0075 * stage.mlu / (4 * logE)) * 0.9
                #expect(stage.smoothing >= floor, "seed \(seed) cycle \(cycle) priority \(stage.priority): smoothing \(stage.smoothing) handed on, cold \(coldSmoothing[k])")
            }
            warmSweeps += warm.sweeps
            coldSweeps += cold.sweeps
            previous = warm
        }
        #expect(warmSweeps * 3 <= coldSweeps, "seed \(seed): \(warmSweeps) sweeps warm over 8 cycles, \(coldSweeps) cold")
    }

    /// `tectl-bench solve-random` seed 1074 (one priority, 20 links, 10 demands) after every
    /// volume changed by up to ±5%. The warm stage went to a coarse μ, halved it back, and from
    /// there its crawl rule doubled μ each time it halved: μ went 0.018 → 0.009 → 0.018 … for
    /// 200 sweeps, until the stall guard stopped it at a certified gap of 2.43%, where a cold
    /// solve certifies 0.91%. Crawling no longer coarsens μ back to one it was halved from.
    @Test func aWarmStageDoesNotCoarsenBackToASmoothingItLeft() throws {
        let text = """
        {"links": [
                {"name": "l0", "capacity": 10.0, "load": 0.0},
                {"name": "l1", "capacity": 10.0, "load": 0.0},
                {"name": "l2", "capacity": 100.0, "load": 0.0},
                {"name": "l3", "capacity": 40.0, "load": 0.0},
                {"name": "l4", "capacity": 100.0, "load": 18.427},
                {"name": "l5", "capacity": 100.0, "load": 0.0},
                {"name": "l6", "capacity": 40.0, "load": 0.0},
                {"name": "l7", "capacity": 25.0, "load": 0.0},
                {"name": "l8", "capacity": 10.0, "load": 0.0},
                {"name": "l9", "capacity": 400.0, "load": 137.309},
                {"name": "l10", "capacity": 10.0, "load": 0.0},
                {"name": "l11", "capacity": 10.0, "load": 0.0},
                {"name": "l12", "capacity": 400.0, "load": 22.653},
                {"name": "l13", "capacity": 100.0, "load": 10.223},
                {"name": "l14", "capacity": 40.0, "load": 0.0},
                {"name": "l15", "capacity": 400.0, "load": 146.5},
                {"name": "l16", "capacity": 10.0, "load": 0.0},
                {"name": "l17", "capacity": 100.0, "load": 0.0},
                {"name": "l18", "capacity": 100.0, "load": 0.0},
                {"name": "l19", "capacity": 100.0, "load": 0.0}
            ],
            "demands": [
                {"name": "d0", "volume": 5.638, "paths": [["l11", "l14", "l15", "l0", "l13"], ["l4", "l6", "l2", "l18", "l14"], ["l14", "l9", "l5", "l7"]]},
                {"name": "d1", "volume": 6.933, "paths": [["l9", "l16", "l4"], ["l0", "l15", "l2"], ["l5", "l14", "l15", "l11"], ["l0", "l13"], ["l8", "l1", "l5", "l0"], ["l12", "l15", "l11", "l17", "l8"], ["l2", "l9", "l15", "l18", "l1"], ["l17", "l19", "l8", "l2"]]},
                {"name": "d2", "volume": 8.493, "paths": [["l16", "l7", "l4"], ["l5"], ["l8", "l14", "l19"], ["l2"], ["l8", "l15", "l16", "l1", "l10"], ["l5", "l15", "l6"], ["l17", "l3", "l13", "l19", "l4"]]},
                {"name": "d3", "volume": 5.683, "paths": [["l11", "l10", "l19"]]},
                {"name": "d4", "volume": 2.631, "paths": [["l1", "l4", "l7", "l13", "l15"], ["l5", "l6", "l9", "l14"], ["l5", "l7", "l6", "l13"]]},
                {"name": "d5", "volume": 9.253, "paths": [["l5"]]},
                {"name": "d6", "volume": 0.718, "paths": [["l14", "l1"], ["l8", "l14", "l17", "l7", "l6"], ["l11", "l19", "l9", "l13", "l3"], ["l5"], ["l10"]]},
                {"name": "d7", "volume": 7.903, "paths": [["l10", "l14", "l16", "l2", "l17"], ["l14", "l11"], ["l8", "l17", "l13", "l5", "l3"], ["l1"], ["l14"], ["l12", "l3"], ["l4", "l11"], ["l14"]]},
                {"name": "d8", "volume": 144.945, "paths": [["l13", "l18", "l7"], ["l19", "l10"], ["l3", "l0", "l14", "l12", "l9"], ["l16", "l6", "l9"], ["l14", "l3"], ["l16", "l1", "l9", "l4", "l18"], ["l2"], ["l15", "l14"]]},
                {"name": "d9", "volume": 1.855, "paths": [["l17", "l8", "l10", "l4"], ["l2", "l16", "l1"], ["l17", "l1", "l12", "l6"]]}
            ]}
        """
        let (warm, _) = try Self.warmAndCold(text, volumes: [5.813, 6.851, 8.226, 5.426, 2.692, 8.919, 0.716, 8.069, 139.222, 1.851])
        #expect(warm.sweeps < 200, "\(warm.sweeps) sweeps")
    }

    /// `randomProblem(seed: 925)` (15 demands) after every volume changed by up to ±5%, solved by
    /// sweeps alone (no exact stage, no restricted LP). Warm, a stage stops above the asked gap
    /// (1.3%), where a cold solve certifies within it (the previous answer did too: a priority
    /// it left above the gap is asked for what it reached, and kept). A warm start never costs quality: the
    /// answer is the cold solve's, says so in a note, and counts both solves' sweeps. (`tectl-bench
    /// solve-random` seeds 1034 and 1139 showed this until warm-start changes let their warm runs
    /// certify: a closing smoothing, and earlier stages' holds kept within the gap.)
    @Test func aWarmStartThatStopsAboveTheGapIsSolvedAgainCold() {
        let p = randomProblem(seed: 925)
        var changed = p
        var r = TestRandom(925 &+ 41)
        for d in 0..<changed.demandCount { changed.volume[d] *= r.uniform(0.95, 1.05) }
        let options = SolveOptions(exactStageLimit: 0, restrictedLPLimit: 0)
        let first = MLUSolver.solve(p, options: options)
        #expect(first.worstStageGap <= 0.01)
        let start = WarmStart(first)
        // The warm run alone stops above the asked gap.
        let alone = SolverRun(problem: changed, options: options, warmStart: start).solve(warmStart: start)
        #expect(alone.worstStageGap > 0.01, "warm alone: \(alone.worstStageGap)")
        let answer = MLUSolver.solve(changed, options: options, warmStart: start)
        let cold = MLUSolver.solve(changed, options: options)
        #expect(cold.worstStageGap <= 0.01)
        let sameSplits = answer.split == cold.split
        #expect(sameSplits, "the answer is not the cold solve's")
        #expect(answer.stages.map(\.gap) == cold.stages.map(\.gap))
        #expect(answer.sweeps == alone.sweeps + cold.sweeps)
        #expect(answer.notes.filter { $0.kind == .warmStartDiscarded }.count == 1)
        HoldCertificate.expectCertified(changed, answer)
    }

    /// The other way round: where the cold solve does no better (here it stops at the sweep
    /// limit far from the warm answer), the warm answer is kept, without a note.
    @Test func aWarmAnswerBetterThanTheColdOneIsKept() {
        let p = Self.tightProblem(seed: 1)
        // The previous answer at a 1% gap; now a gap no solve reaches in 3 sweeps a stage.
        let options = SolveOptions(gap: 1e-6, maxSweepsPerStage: 3, exactStageLimit: 0)
        let start = WarmStart(MLUSolver.solve(p, options: sweepsOnly))
        let alone = SolverRun(problem: p, options: options, warmStart: start).solve(warmStart: start)
        let cold = MLUSolver.solve(p, options: options)
        #expect(alone.worstStageGap < cold.worstStageGap, "warm \(alone.worstStageGap), cold \(cold.worstStageGap)")
        let answer = MLUSolver.solve(p, options: options, warmStart: start)
        let sameSplits = answer.split == alone.split
        #expect(sameSplits, "the answer is not the warm solve's")
        #expect(answer.sweeps == alone.sweeps + cold.sweeps)
        #expect(!answer.notes.contains { $0.kind == .warmStartDiscarded })
    }

    /// Solves the problem in `text`, changes its volumes to `volumes` and re-solves that warm from
    /// the first answer and cold: the warm answer is certified within the 1% gap and its MLU is
    /// within 1% of the cold one's.
    static func warmAndCold(_ text: String, volumes: [Double], sourceLocation: SourceLocation = #_sourceLocation) throws -> (warm: SolveSolution, cold: SolveSolution) {
        let p = try SolveProblemParser.parse(Array(text.utf8))
        let first = MLUSolver.solve(p)
        var changed = p
        changed.volume = volumes
        let warm = MLUSolver.solve(changed, warmStart: WarmStart(first))
        let cold = MLUSolver.solve(changed)
        #expect(warm.gap <= 0.01 + 1e-9, "gap \(warm.gap) after \(warm.sweeps) sweeps (cold: \(cold.gap))", sourceLocation: sourceLocation)
        #expect(warm.mlu <= cold.mlu * 1.01, sourceLocation: sourceLocation)
        HoldCertificate.expectCertified(changed, warm, cold: false, sourceLocation: sourceLocation)
        return (warm, cold)
    }

    /// `solve-random`'s second generator, instance 72 (one priority, 34 links, 109 demands, more
    /// demand than capacity), after every volume changed by up to ±5%. After the restricted
    /// rounds and one sweep at half the previous answer's μ, the stage is far from balance and
    /// goes on at a coarser μ. The rounds' μ was too coarse to certify the target: the stage
    /// then halved its way back down, 24 sweeps in all. It now goes no coarser than a smoothing
    /// error of half the target (or of half the excess over its bound): 9.
    @Test func aWarmStageGoesNoCoarserThanItsGapNeeds() throws {
        let text = """
        {"links": [
          {"name": "e0", "capacity": 100.0, "load": 0.0},
          {"name": "e1", "capacity": 100.0, "load": 0.0},
          {"name": "e2", "capacity": 25.0, "load": 0.0},
          {"name": "e3", "capacity": 400.0, "load": 0.0},
          {"name": "e4", "capacity": 100.0, "load": 0.92},
          {"name": "e5", "capacity": 100.0, "load": 0.0},
          {"name": "e6", "capacity": 400.0, "load": 0.0},
          {"name": "e7", "capacity": 400.0, "load": 0.0},
          {"name": "e8", "capacity": 40.0, "load": 0.0},
          {"name": "e9", "capacity": 400.0, "load": 0.0},
          {"name": "e10", "capacity": 100.0, "load": 0.0},
          {"name": "e11", "capacity": 40.0, "load": 0.613},
          {"name": "e12", "capacity": 40.0, "load": 5.433},
          {"name": "e13", "capacity": 100.0, "load": 59.766},
          {"name": "e14", "capacity": 400.0, "load": 0.0},
          {"name": "e15", "capacity": 100.0, "load": 8.797},
          {"name": "e16", "capacity": 10.0, "load": 1.649},
          {"name": "e17", "capacity": 25.0, "load": 0.0},
          {"name": "e18", "capacity": 40.0, "load": 0.0},
          {"name": "e19", "capacity": 25.0, "load": 0.0},
          {"name": "e20", "capacity": 400.0, "load": 0.0},
          {"name": "e21", "capacity": 100.0, "load": 10.3},
          {"name": "e22", "capacity": 400.0, "load": 131.781},
          {"name": "e23", "capacity": 40.0, "load": 11.005},
          {"name": "e24", "capacity": 25.0, "load": 0.0},
          {"name": "e25", "capacity": 40.0, "load": 0.0},
          {"name": "e26", "capacity": 100.0, "load": 0.0},
          {"name": "e27", "capacity": 400.0, "load": 0.0},
          {"name": "e28", "capacity": 10.0, "load": 0.0},
          {"name": "e29", "capacity": 400.0, "load": 109.108},
          {"name": "e30", "capacity": 100.0, "load": 0.0},
          {"name": "e31", "capacity": 25.0, "load": 0.0},
          {"name": "e32", "capacity": 25.0, "load": 7.963},
          {"name": "e33", "capacity": 10.0, "load": 0.0}
        ],
        "demands": [
          {"name": "d0", "volume": 43.363, "paths": [["e8", "e0", "e15"], ["e30"]]},
          {"name": "d1", "volume": 10.862, "paths": [["e11"], ["e6", "e13", "e0", "e9"]]},
          {"name": "d2", "volume": 10.604, "paths": [["e22"]]},
          {"name": "d3", "volume": 7.086, "paths": [["e25", "e31", "e19", "e20"]]},
          {"name": "d4", "volume": 20.508, "paths": [["e31", "e4"], ["e19", "e32"]]},
          {"name": "d5", "volume": 8.045, "paths": [["e25", "e20", "e31"], ["e18", "e0", "e24"], ["e27", "e0", "e11", "e33"], ["e16"], ["e0", "e16", "e12", "e9"]]},
          {"name": "d6", "volume": 0.902, "paths": [["e12", "e4", "e3", "e9"], ["e15"], ["e6"], ["e23", "e18"]]},
          {"name": "d7", "volume": 6.355, "paths": [["e0", "e33", "e16"]]},
          {"name": "d8", "volume": 7.804, "paths": [["e7", "e5", "e28", "e24"], ["e12", "e6"]]},
          {"name": "d9", "volume": 3.184, "paths": [["e10", "e11", "e5", "e29"], ["e33", "e7", "e31", "e12"], ["e27", "e32", "e13", "e17"], ["e1", "e9", "e3"], ["e5"], ["e5", "e9"]]},
          {"name": "d10", "volume": 8.887, "paths": [["e8", "e20", "e13", "e26"]]},
          {"name": "d11", "volume": 20.741, "paths": [["e29", "e22", "e31", "e5"], ["e25", "e4", "e28", "e27"], ["e21", "e12", "e4", "e19"], ["e0", "e5"]]},
          {"name": "d12", "volume": 0.446, "paths": [["e17"], ["e7", "e5", "e31"], ["e17", "e20"]]},
          {"name": "d13", "volume": 4.776, "paths": [["e9", "e15"], ["e11", "e0", "e10"], ["e33", "e6", "e13", "e24"], ["e8"]]},
          {"name": "d14", "volume": 6.814, "paths": [["e17", "e29", "e10", "e14"], ["e23", "e2", "e10"], ["e4"], ["e33", "e3"], ["e31", "e23", "e14"], ["e27"]]},
          {"name": "d15", "volume": 1.164, "paths": [["e7", "e20"], ["e31", "e9", "e8"], ["e15", "e1", "e29", "e6"], ["e27"], ["e29", "e32", "e31", "e10"], ["e25", "e16"]]},
          {"name": "d16", "volume": 52.542, "paths": [["e15", "e4", "e10"], ["e6", "e0", "e25"], ["e6", "e33", "e13"], ["e30", "e16", "e17"]]},
          {"name": "d17", "volume": 9.752, "paths": [["e10", "e0", "e26"], ["e29", "e16"], ["e11"], ["e9"], ["e26"]]},
          {"name": "d18", "volume": 8.39, "paths": [["e22", "e0", "e26", "e20"], ["e24", "e17", "e6", "e33"]]},
          {"name": "d19", "volume": 2.168, "paths": [["e11", "e24", "e26"], ["e12", "e25", "e26"], ["e13", "e0", "e11", "e6"], ["e30", "e6"]]},
          {"name": "d20", "volume": 2.553, "paths": [["e22", "e23", "e9", "e1"], ["e5"], ["e25", "e12", "e11", "e18"]]},
          {"name": "d21", "volume": 8.009, "paths": [["e5"], ["e28", "e32", "e4"], ["e14", "e20"], ["e11", "e28"]]},
          {"name": "d22", "volume": 53.723, "paths": [["e13"], ["e16", "e31", "e13", "e22"], ["e11"], ["e7", "e25", "e22"]]},
          {"name": "d23", "volume": 2.851, "paths": [["e5", "e3", "e4"], ["e33", "e30", "e31"]]},
          {"name": "d24", "volume": 7.916, "paths": [["e30", "e29"]]},
          {"name": "d25", "volume": 7.014, "paths": [["e19"], ["e9"], ["e22", "e10", "e20"], ["e9"]]},
          {"name": "d26", "volume": 1.277, "paths": [["e21", "e30", "e4"], ["e18", "e32", "e23", "e19"], ["e25", "e8", "e23"], ["e32", "e27", "e14", "e30"], ["e19", "e20"], ["e13", "e28", "e21", "e4"]]},
          {"name": "d27", "volume": 28.824, "paths": [["e3", "e2", "e4", "e24"], ["e10"], ["e11", "e7", "e12", "e19"]]},
          {"name": "d28", "volume": 7.705, "paths": [["e27"]]},
          {"name": "d29", "volume": 4.251, "paths": [["e5"], ["e17"], ["e18", "e29", "e24"]]},
          {"name": "d30", "volume": 5.592, "paths": [["e3", "e14"], ["e11", "e1", "e31", "e13"], ["e2", "e27", "e14"], ["e27", "e4", "e18"]]},
          {"name": "d31", "volume": 26.627, "paths": [["e1", "e9", "e33"], ["e7", "e31"], ["e15"]]},
          {"name": "d32", "volume": 12.896, "paths": [["e31", "e4"], ["e15", "e26", "e14"]]},
          {"name": "d33", "volume": 4.311, "paths": [["e15", "e1", "e22"], ["e5", "e30"], ["e7", "e31"], ["e15", "e5", "e20", "e25"], ["e2"]]},
          {"name": "d34", "volume": 1.6, "paths": [["e18", "e7", "e24"]]},
          {"name": "d35", "volume": 13.196, "paths": [["e6", "e33"], ["e11", "e27", "e29", "e14"], ["e18", "e25", "e11", "e20"]]},
          {"name": "d36", "volume": 75.795, "paths": [["e11", "e29"], ["e26"]]},
          {"name": "d37", "volume": 8.064, "paths": [["e32", "e15", "e33", "e28"], ["e10"], ["e20", "e0", "e25"]]},
          {"name": "d38", "volume": 8.728, "paths": [["e16"], ["e5", "e30"]]},
          {"name": "d39", "volume": 26.224, "paths": [["e18"], ["e5", "e18"], ["e12", "e9", "e13", "e24"]]},
          {"name": "d40", "volume": 17.134, "paths": [["e15", "e17"], ["e19", "e7", "e31"]]},
          {"name": "d41", "volume": 7.28, "paths": [["e18", "e7", "e15", "e13"], ["e8", "e17", "e27"], ["e1", "e6", "e13", "e22"], ["e33", "e18", "e27", "e28"], ["e14", "e19", "e4", "e31"], ["e10", "e7", "e27", "e0"]]},
          {"name": "d42", "volume": 5.582, "paths": [["e21", "e31", "e14"], ["e28"]]},
          {"name": "d43", "volume": 6.042, "paths": [["e26", "e8", "e31"], ["e26"], ["e15", "e0", "e8"]]},
          {"name": "d44", "volume": 20.592, "paths": [["e33"], ["e13", "e10", "e27"], ["e16"], ["e6", "e9", "e8"], ["e2", "e23", "e15", "e20"]]},
          {"name": "d45", "volume": 4.9, "paths": [["e5"], ["e17"], ["e5"], ["e13", "e2", "e3", "e21"], ["e1", "e31"]]},
          {"name": "d46", "volume": 6.595, "paths": [["e7", "e15"]]},
          {"name": "d47", "volume": 3.774, "paths": [["e6", "e30"], ["e27", "e29", "e28", "e32"], ["e27", "e7"], ["e1", "e4"], ["e26"], ["e0", "e27", "e22"]]},
          {"name": "d48", "volume": 2.745, "paths": [["e4", "e7"], ["e1", "e8"], ["e4", "e8", "e23", "e30"]]},
          {"name": "d49", "volume": 11.19, "paths": [["e1"], ["e19", "e14"], ["e20", "e2"], ["e16", "e5"], ["e5"]]},
          {"name": "d50", "volume": 8.718, "paths": [["e21", "e27", "e12", "e14"], ["e13", "e10", "e14"], ["e12", "e14"], ["e1", "e30", "e18"], ["e11"], ["e17", "e19", "e12", "e6"]]},
          {"name": "d51", "volume": 3.739, "paths": [["e11"], ["e13"], ["e9", "e4", "e7", "e8"], ["e10"]]},
          {"name": "d52", "volume": 10.502, "paths": [["e17"], ["e12", "e7", "e1", "e33"]]},
          {"name": "d53", "volume": 135.281, "paths": [["e21", "e25", "e9"], ["e19"], ["e27", "e29", "e0", "e12"], ["e33", "e14", "e4", "e29"], ["e20", "e27"], ["e31", "e27", "e2", "e3"]]},
          {"name": "d54", "volume": 27.183, "paths": [["e4", "e29", "e9"], ["e31", "e18", "e22", "e16"]]},
          {"name": "d55", "volume": 11.752, "paths": [["e27"]]},
          {"name": "d56", "volume": 9.451, "paths": [["e29", "e1", "e32", "e5"], ["e20", "e19", "e7"], ["e12", "e3"], ["e18"], ["e33", "e32", "e26"], ["e7", "e10", "e8"]]},
          {"name": "d57", "volume": 2.555, "paths": [["e17", "e21"], ["e27", "e8"], ["e25"], ["e15", "e22"]]},
          {"name": "d58", "volume": 1.889, "paths": [["e0", "e1"], ["e22"], ["e28"], ["e24", "e21"], ["e5", "e4", "e1"]]},
          {"name": "d59", "volume": 19.902, "paths": [["e13", "e1"], ["e29", "e11", "e31", "e14"], ["e5", "e18", "e16"]]},
          {"name": "d60", "volume": 8.988, "paths": [["e17", "e31"], ["e5", "e18", "e31"], ["e13", "e15", "e24", "e11"], ["e14"], ["e7", "e21", "e8"], ["e17"]]},
          {"name": "d61", "volume": 11.359, "paths": [["e5", "e15", "e17", "e30"], ["e10"]]},
          {"name": "d62", "volume": 9.172, "paths": [["e12", "e7"], ["e28", "e9", "e22"], ["e1", "e2", "e3", "e0"], ["e29"], ["e2"], ["e1", "e16", "e17", "e12"]]},
          {"name": "d63", "volume": 3.881, "paths": [["e17"], ["e22", "e17"], ["e12"], ["e9", "e15", "e19", "e33"], ["e9"]]},
          {"name": "d64", "volume": 23.175, "paths": [["e27", "e24", "e26", "e16"], ["e13", "e0"], ["e23", "e24", "e19"], ["e14", "e32", "e22", "e31"], ["e3"], ["e0"]]},
          {"name": "d65", "volume": 6.063, "paths": [["e4"], ["e21", "e25", "e6"]]},
          {"name": "d66", "volume": 13.192, "paths": [["e19", "e6"], ["e25", "e33", "e17"]]},
          {"name": "d67", "volume": 9.643, "paths": [["e11", "e26", "e18", "e9"], ["e30"], ["e23"], ["e18", "e28", "e27", "e11"], ["e10", "e32"]]},
          {"name": "d68", "volume": 10.247, "paths": [["e0"], ["e9", "e11", "e15"], ["e14", "e21"]]},
          {"name": "d69", "volume": 6.988, "paths": [["e14"]]},
          {"name": "d70", "volume": 4.878, "paths": [["e27", "e2"], ["e23", "e33", "e24", "e16"]]},
          {"name": "d71", "volume": 14.237, "paths": [["e33"], ["e15", "e9", "e12", "e23"], ["e17", "e13", "e10"], ["e16", "e25"]]},
          {"name": "d72", "volume": 22.212, "paths": [["e1", "e21", "e22"]]},
          {"name": "d73", "volume": 21.91, "paths": [["e15", "e28", "e3", "e21"], ["e24", "e4", "e7"], ["e33", "e23"], ["e11", "e14", "e31", "e15"], ["e7", "e17"]]},
          {"name": "d74", "volume": 5.165, "paths": [["e15", "e13"], ["e22"], ["e7"], ["e12"], ["e32", "e15", "e7", "e31"], ["e14"]]},
          {"name": "d75", "volume": 5.868, "paths": [["e15", "e16"]]},
          {"name": "d76", "volume": 8.449, "paths": [["e3", "e10"]]},
          {"name": "d77", "volume": 2.088, "paths": [["e18", "e11", "e29"], ["e25"], ["e9", "e25", "e15"], ["e28"]]},
          {"name": "d78", "volume": 4.3, "paths": [["e22", "e2", "e23", "e15"]]},
          {"name": "d79", "volume": 36.233, "paths": [["e8"], ["e24", "e17"]]},
          {"name": "d80", "volume": 20.602, "paths": [["e6", "e22"], ["e29"], ["e27", "e29", "e14", "e0"], ["e5", "e26", "e19"], ["e33", "e17"], ["e25", "e33"]]},
          {"name": "d81", "volume": 14.611, "paths": [["e30"], ["e10", "e7"], ["e12", "e10"], ["e15", "e6"], ["e19", "e5"]]},
          {"name": "d82", "volume": 8.884, "paths": [["e30"], ["e32", "e17", "e2"], ["e26", "e4", "e17"], ["e28", "e31", "e12"]]},
          {"name": "d83", "volume": 2.072, "paths": [["e4", "e12", "e28", "e20"], ["e21", "e4", "e26", "e16"]]},
          {"name": "d84", "volume": 5.826, "paths": [["e24"], ["e6", "e10", "e20", "e8"], ["e17", "e12"], ["e15"]]},
          {"name": "d85", "volume": 3.015, "paths": [["e0"], ["e5", "e1", "e20"], ["e33", "e29", "e30"], ["e2"], ["e23", "e29"]]},
          {"name": "d86", "volume": 2.216, "paths": [["e22", "e0", "e2", "e5"], ["e31", "e23", "e18", "e4"], ["e26", "e7"], ["e11", "e2", "e27"]]},
          {"name": "d87", "volume": 40.16, "paths": [["e7", "e6", "e25", "e29"], ["e14", "e7", "e11", "e12"], ["e30", "e32", "e0", "e9"], ["e26"], ["e23", "e9", "e31", "e13"], ["e12"]]},
          {"name": "d88", "volume": 12.738, "paths": [["e5", "e3", "e8"], ["e10", "e5", "e1"], ["e32"], ["e1", "e31"]]},
          {"name": "d89", "volume": 4.144, "paths": [["e11", "e5", "e2", "e32"]]},
          {"name": "d90", "volume": 1.647, "paths": [["e1"], ["e3"], ["e18", "e30"], ["e0", "e18", "e31", "e9"]]},
          {"name": "d91", "volume": 7.334, "paths": [["e17"], ["e33", "e9"]]},
          {"name": "d92", "volume": 1.919, "paths": [["e8", "e11"], ["e23"]]},
          {"name": "d93", "volume": 59.845, "paths": [["e9", "e27", "e24"], ["e22", "e6", "e11", "e20"], ["e0", "e6", "e1", "e17"], ["e0", "e5", "e28", "e23"]]},
          {"name": "d94", "volume": 4.722, "paths": [["e9", "e5", "e33", "e22"], ["e19", "e30", "e6"], ["e32", "e26", "e29"], ["e0", "e22"], ["e29", "e1", "e31"], ["e2", "e16", "e24"]]},
          {"name": "d95", "volume": 0.546, "paths": [["e13", "e0"], ["e23"]]},
          {"name": "d96", "volume": 39.348, "paths": [["e23", "e17", "e22"], ["e21", "e18"], ["e3", "e12", "e13"], ["e12", "e22", "e11", "e16"], ["e11"]]},
          {"name": "d97", "volume": 4.052, "paths": [["e24", "e33"], ["e15"], ["e4", "e29", "e3"]]},
          {"name": "d98", "volume": 6.311, "paths": [["e7"], ["e19"], ["e24", "e15", "e3", "e20"]]},
          {"name": "d99", "volume": 2.39, "paths": [["e9"]]},
          {"name": "d100", "volume": 28.353, "paths": [["e18", "e10", "e2", "e6"], ["e29", "e13", "e20", "e15"]]},
          {"name": "d101", "volume": 5.688, "paths": [["e28"]]},
          {"name": "d102", "volume": 10.495, "paths": [["e1"]]},
          {"name": "d103", "volume": 1.419, "paths": [["e31", "e26", "e3"], ["e28", "e10", "e19"], ["e1", "e16", "e23"], ["e16", "e11"], ["e9"], ["e12", "e31"]]},
          {"name": "d104", "volume": 11.349, "paths": [["e29"], ["e12"], ["e33", "e31"], ["e33"], ["e32", "e9", "e12"]]},
          {"name": "d105", "volume": 8.096, "paths": [["e9", "e6", "e30", "e7"], ["e29"], ["e6", "e25", "e8"], ["e25", "e32", "e18", "e21"], ["e2", "e30"], ["e28", "e26", "e9", "e6"]]},
          {"name": "d106", "volume": 7.095, "paths": [["e20", "e33", "e30"], ["e0", "e15", "e22", "e3"]]},
          {"name": "d107", "volume": 7.893, "paths": [["e8", "e6"], ["e23"], ["e3", "e9", "e23", "e16"], ["e28", "e32", "e15"], ["e4", "e14", "e32", "e33"]]},
          {"name": "d108", "volume": 11.731, "paths": [["e2", "e32"], ["e20", "e31", "e4"], ["e9", "e8", "e29", "e7"], ["e15", "e7"], ["e11", "e29", "e9", "e16"], ["e27", "e4", "e11", "e14"]]}
        ]}
        """
        let p = try SolveProblemParser.parse(Array(text.utf8))
        var changed = p
        changed.volume = [41.332126, 11.371215, 10.280478, 7.436335, 21.424182, 7.850855, 0.903467, 6.290357, 7.733537, 3.276236, 9.178254, 20.236038, 0.447959, 4.864838, 6.87796, 1.119938, 51.969894, 9.745061, 8.745822, 2.237902, 2.597632, 7.832951, 56.08003, 2.7738, 7.787624, 6.773396, 1.288366, 29.676142, 7.860498, 4.390095, 5.705201, 27.034783, 12.575516, 4.508667, 1.678478, 13.502988, 79.561968, 8.373295, 9.057279, 26.897482, 17.668251, 7.419063, 5.374146, 6.245801, 20.288109, 4.9704, 6.858352, 3.771471, 2.68198, 11.249665, 9.045563, 3.866442, 11.020644, 140.798037, 28.011709, 11.734197, 9.151106, 2.665577, 1.801815, 20.791721, 9.113168, 11.059165, 8.865664, 3.965195, 22.183784, 6.021193, 12.673136, 9.290902, 9.992293, 7.094693, 4.647238, 14.74048, 22.501237, 21.38052, 5.27578, 5.611597, 8.240636, 2.088816, 4.45232, 36.867881, 19.653802, 15.281406, 8.576607, 2.006636, 5.871348, 2.885475, 2.196267, 39.00157, 12.675068, 4.081582, 1.633972, 7.216653, 1.915132, 60.785992, 4.684366, 0.547575, 38.547875, 4.010409, 6.044573, 2.379944, 28.364849, 5.494311, 10.303319, 1.426999, 11.333113, 8.20212, 6.921801, 8.145479, 11.319088]
        let first = MLUSolver.solve(p)
        let warm = MLUSolver.solve(changed, warmStart: WarmStart(first))
        #expect(warm.gap <= 0.01 + 1e-9, "gap \(warm.gap)")
        #expect(warm.sweeps <= 12, "\(warm.sweeps) sweeps")
        #expect(!warm.notes.contains { $0.kind == .warmStartDiscarded })
        HoldCertificate.expectCertified(changed, warm, cold: false)
    }

    /// `tectl-bench solve-random` seed 1066 (one priority, 20 links, 10 demands) after every
    /// volume changed by up to ±5%. One sweep at the previous answer's μ left the stage far from
    /// balance, and the stage went on at the μ the smoothed gap asked for, which here was a cold
    /// start's: 99 sweeps warm against 216 cold. It now goes on at its restricted rounds' μ: 12.
    @Test func aWarmStageGoesOnAtItsRestrictedRoundsSmoothing() throws {
        let text = """
        {"links": [
                {"name": "l0", "capacity": 1.0, "load": 0.0},
                {"name": "l1", "capacity": 1.0, "load": 0.0},
                {"name": "l2", "capacity": 8.562, "load": 0.0},
                {"name": "l3", "capacity": 8.393, "load": 0.0},
                {"name": "l4", "capacity": 13.71, "load": 0.0},
                {"name": "l5", "capacity": 18.982, "load": 0.0},
                {"name": "l6", "capacity": 1.0, "load": 0.0},
                {"name": "l7", "capacity": 8.562, "load": 0.0},
                {"name": "l8", "capacity": 11.003, "load": 0.0},
                {"name": "l9", "capacity": 144.451, "load": 0.0},
                {"name": "l10", "capacity": 156.545, "load": 0.0},
                {"name": "l11", "capacity": 3.178, "load": 0.0},
                {"name": "l12", "capacity": 1.0, "load": 0.0},
                {"name": "l13", "capacity": 8.393, "load": 0.42},
                {"name": "l14", "capacity": 147.629, "load": 0.0},
                {"name": "l15", "capacity": 3.178, "load": 0.0},
                {"name": "l16", "capacity": 11.949, "load": 0.0},
                {"name": "l17", "capacity": 10.363, "load": 0.0},
                {"name": "l18", "capacity": 1.0, "load": 0.0},
                {"name": "l19", "capacity": 153.935, "load": 0.0}
            ],
            "demands": [
                {"name": "d0", "volume": 2.992, "priority": 0, "paths": [["l8"], ["l13", "l16", "l9", "l11"], ["l4", "l11", "l14", "l15"], ["l13"], ["l4", "l6", "l2", "l18", "l14"], ["l14", "l9", "l5", "l7"], ["l8", "l9", "l7", "l2", "l16"], ["l2", "l0", "l15", "l13", "l5"]]},
                {"name": "d1", "volume": 8.062, "priority": 0, "paths": [["l0", "l13"], ["l8", "l1", "l5", "l0"], ["l12", "l15", "l11", "l17", "l8"], ["l2", "l9", "l15", "l18", "l1"], ["l17", "l19", "l8", "l2"], ["l9"], ["l2", "l16", "l7", "l4"], ["l5"]]},
                {"name": "d2", "volume": 0.602, "priority": 0, "paths": [["l15", "l2", "l19", "l8", "l16"], ["l16", "l10"], ["l5", "l15", "l6"], ["l17", "l3", "l13", "l19", "l4"], ["l8", "l10"], ["l2", "l11", "l10", "l19", "l6"], ["l14", "l6", "l4", "l1", "l7"]]},
                {"name": "d3", "volume": 136.015, "priority": 0, "paths": [["l9", "l14"], ["l5", "l7", "l6", "l13"]]},
                {"name": "d4", "volume": 9.253, "priority": 0, "paths": [["l5"]]},
                {"name": "d5", "volume": 0.718, "priority": 0, "paths": [["l14", "l1"], ["l8", "l14", "l17", "l7", "l6"], ["l11", "l19", "l9", "l13", "l3"], ["l5"], ["l10"]]},
                {"name": "d6", "volume": 7.903, "priority": 0, "paths": [["l10", "l14", "l16", "l2", "l17"], ["l14", "l11"], ["l8", "l17", "l13", "l5", "l3"], ["l1"], ["l14"], ["l12", "l3"], ["l4", "l11"], ["l14"]]},
                {"name": "d7", "volume": 144.945, "priority": 0, "paths": [["l13", "l18", "l7"], ["l19", "l10"], ["l3", "l0", "l14", "l12", "l9"], ["l16", "l6", "l9"], ["l14", "l3"], ["l16", "l1", "l9", "l4", "l18"], ["l2"], ["l15", "l14"]]},
                {"name": "d8", "volume": 1.855, "priority": 0, "paths": [["l17", "l8", "l10", "l4"], ["l2", "l16", "l1"], ["l17", "l1", "l12", "l6"]]},
                {"name": "d9", "volume": 3.189, "priority": 0, "paths": [["l16"], ["l12", "l3"], ["l18", "l14", "l11"], ["l18", "l19", "l4", "l15"], ["l10", "l13", "l9", "l7"], ["l2", "l9"]]}
            ]}
        """
        let (warm, cold) = try Self.warmAndCold(text, volumes: [3.108, 8.083, 0.599, 134.537, 9.264, 0.721, 8.26, 145.804, 1.932, 3.077])
        #expect(warm.sweeps * 4 <= cold.sweeps, "\(warm.sweeps) sweeps warm, \(cold.sweeps) cold")
    }

    /// `tectl-bench solve-random` seed 1084 (four priorities, the 112 links its 10 demands use)
    /// after every volume changed by up to ±5%. The last stage's restricted rounds left it far
    /// above the old bound, and its full sweeps relieved the top link μ·c a move under the
    /// narrow trust region: 114 sweeps warm against 31 cold. A warm stage whose gap is above
    /// twice its target now takes the wide region at once: 9.
    @Test func aWarmStageFarFromItsTargetTakesTheWideTrustRegion() throws {
        let text = """
        {"links": [
            {"name": "l0", "capacity": 10.0, "load": 0.0}, {"name": "l1", "capacity": 10.0, "load": 0.0}, {"name": "l3", "capacity": 100.0, "load": 0.0}, {"name": "l12", "capacity": 25.0, "load": 0.0},
            {"name": "l24", "capacity": 100.0, "load": 0.0}, {"name": "l25", "capacity": 40.0, "load": 18.144}, {"name": "l34", "capacity": 100.0, "load": 0.0}, {"name": "l35", "capacity": 400.0, "load": 0.0},
            {"name": "l39", "capacity": 25.0, "load": 0.0}, {"name": "l40", "capacity": 400.0, "load": 0.0}, {"name": "l42", "capacity": 10.0, "load": 0.0}, {"name": "l45", "capacity": 100.0, "load": 0.0},
            {"name": "l49", "capacity": 10.0, "load": 4.175}, {"name": "l50", "capacity": 25.0, "load": 0.0}, {"name": "l57", "capacity": 10.0, "load": 0.0}, {"name": "l58", "capacity": 10.0, "load": 0.0},
            {"name": "l59", "capacity": 400.0, "load": 0.0}, {"name": "l65", "capacity": 100.0, "load": 40.662}, {"name": "l76", "capacity": 40.0, "load": 0.0}, {"name": "l77", "capacity": 10.0, "load": 0.0},
            {"name": "l79", "capacity": 100.0, "load": 0.0}, {"name": "l86", "capacity": 10.0, "load": 0.0}, {"name": "l93", "capacity": 40.0, "load": 0.0}, {"name": "l95", "capacity": 100.0, "load": 0.0},
            {"name": "l96", "capacity": 10.0, "load": 0.0}, {"name": "l97", "capacity": 25.0, "load": 0.0}, {"name": "l99", "capacity": 25.0, "load": 0.0}, {"name": "l100", "capacity": 10.0, "load": 0.0},
            {"name": "l103", "capacity": 10.0, "load": 0.0}, {"name": "l108", "capacity": 100.0, "load": 0.0}, {"name": "l112", "capacity": 25.0, "load": 0.0}, {"name": "l114", "capacity": 10.0, "load": 0.0},
            {"name": "l116", "capacity": 40.0, "load": 3.249}, {"name": "l129", "capacity": 40.0, "load": 0.0}, {"name": "l132", "capacity": 100.0, "load": 13.833}, {"name": "l138", "capacity": 10.0, "load": 0.0},
            {"name": "l140", "capacity": 25.0, "load": 0.0}, {"name": "l142", "capacity": 400.0, "load": 0.0}, {"name": "l143", "capacity": 400.0, "load": 0.0}, {"name": "l146", "capacity": 10.0, "load": 0.0},
            {"name": "l148", "capacity": 10.0, "load": 0.0}, {"name": "l157", "capacity": 400.0, "load": 0.0}, {"name": "l160", "capacity": 25.0, "load": 0.0}, {"name": "l162", "capacity": 25.0, "load": 0.0},
            {"name": "l163", "capacity": 400.0, "load": 0.0}, {"name": "l166", "capacity": 100.0, "load": 0.0}, {"name": "l169", "capacity": 10.0, "load": 2.12}, {"name": "l170", "capacity": 10.0, "load": 0.0},
            {"name": "l171", "capacity": 10.0, "load": 4.879}, {"name": "l174", "capacity": 25.0, "load": 0.0}, {"name": "l177", "capacity": 10.0, "load": 0.0}, {"name": "l183", "capacity": 400.0, "load": 0.0},
            {"name": "l186", "capacity": 100.0, "load": 0.0}, {"name": "l189", "capacity": 10.0, "load": 0.0}, {"name": "l192", "capacity": 25.0, "load": 0.0}, {"name": "l196", "capacity": 40.0, "load": 0.0},
            {"name": "l197", "capacity": 100.0, "load": 0.0}, {"name": "l204", "capacity": 25.0, "load": 0.0}, {"name": "l206", "capacity": 40.0, "load": 0.0}, {"name": "l210", "capacity": 40.0, "load": 0.0},
            {"name": "l211", "capacity": 25.0, "load": 0.0}, {"name": "l216", "capacity": 10.0, "load": 4.867}, {"name": "l218", "capacity": 40.0, "load": 0.0}, {"name": "l222", "capacity": 25.0, "load": 0.0},
            {"name": "l223", "capacity": 400.0, "load": 142.176}, {"name": "l232", "capacity": 100.0, "load": 47.098}, {"name": "l233", "capacity": 10.0, "load": 1.289}, {"name": "l234", "capacity": 40.0, "load": 0.0},
            {"name": "l239", "capacity": 40.0, "load": 0.0}, {"name": "l240", "capacity": 10.0, "load": 0.0}, {"name": "l244", "capacity": 100.0, "load": 0.0}, {"name": "l245", "capacity": 10.0, "load": 4.919},
            {"name": "l250", "capacity": 25.0, "load": 0.0}, {"name": "l256", "capacity": 100.0, "load": 0.0}, {"name": "l264", "capacity": 100.0, "load": 0.0}, {"name": "l266", "capacity": 100.0, "load": 11.41},
            {"name": "l270", "capacity": 100.0, "load": 0.0}, {"name": "l272", "capacity": 400.0, "load": 0.0}, {"name": "l273", "capacity": 10.0, "load": 0.0}, {"name": "l276", "capacity": 100.0, "load": 0.0},
            {"name": "l284", "capacity": 25.0, "load": 0.0}, {"name": "l295", "capacity": 100.0, "load": 0.0}, {"name": "l298", "capacity": 100.0, "load": 0.0}, {"name": "l299", "capacity": 25.0, "load": 0.0},
            {"name": "l302", "capacity": 25.0, "load": 0.0}, {"name": "l305", "capacity": 10.0, "load": 0.0}, {"name": "l306", "capacity": 400.0, "load": 172.406}, {"name": "l307", "capacity": 25.0, "load": 0.0},
            {"name": "l316", "capacity": 10.0, "load": 0.0}, {"name": "l317", "capacity": 25.0, "load": 0.0}, {"name": "l318", "capacity": 100.0, "load": 0.0}, {"name": "l319", "capacity": 40.0, "load": 13.336},
            {"name": "l320", "capacity": 10.0, "load": 0.0}, {"name": "l321", "capacity": 25.0, "load": 0.0}, {"name": "l326", "capacity": 25.0, "load": 2.821}, {"name": "l342", "capacity": 400.0, "load": 59.982},
            {"name": "l343", "capacity": 100.0, "load": 24.608}, {"name": "l344", "capacity": 100.0, "load": 43.994}, {"name": "l345", "capacity": 10.0, "load": 0.0}, {"name": "l349", "capacity": 10.0, "load": 2.273},
            {"name": "l350", "capacity": 400.0, "load": 0.0}, {"name": "l356", "capacity": 400.0, "load": 135.013}, {"name": "l357", "capacity": 400.0, "load": 0.0}, {"name": "l362", "capacity": 400.0, "load": 0.0},
            {"name": "l368", "capacity": 10.0, "load": 0.0}, {"name": "l373", "capacity": 40.0, "load": 0.0}, {"name": "l375", "capacity": 10.0, "load": 0.0}, {"name": "l385", "capacity": 25.0, "load": 0.0},
            {"name": "l390", "capacity": 40.0, "load": 0.0}, {"name": "l392", "capacity": 100.0, "load": 36.437}, {"name": "l395", "capacity": 100.0, "load": 0.0}, {"name": "l397", "capacity": 400.0, "load": 0.0}
        ],
        "demands": [
            {"name": "d0", "volume": 0.774, "priority": 0, "paths": [["l108"], ["l112", "l39", "l222", "l264", "l77"], ["l45"], ["l362", "l116", "l59", "l166", "l368"], ["l392", "l25"], ["l272", "l65", "l295", "l162", "l234"], ["l343", "l132", "l244", "l239", "l146"]]},
            {"name": "d1", "volume": 3.75, "priority": 0, "paths": [["l169", "l206", "l100", "l299"], ["l216", "l192"], ["l284"], ["l12", "l45", "l368"]]},
            {"name": "d2", "volume": 2.576, "priority": 1, "paths": [["l273", "l211"], ["l256", "l163", "l76", "l320"], ["l204", "l272"], ["l0"], ["l3", "l357", "l350", "l129", "l97"], ["l250", "l114", "l395", "l397"], ["l197", "l342"]]},
            {"name": "d3", "volume": 9.368, "priority": 1, "paths": [["l50", "l59", "l326"], ["l373"], ["l79", "l96", "l349", "l319", "l148"]]},
            {"name": "d4", "volume": 8.05, "priority": 1, "paths": [["l86", "l192", "l140", "l1"], ["l58", "l232", "l183", "l157"], ["l138"], ["l266", "l345"]]},
            {"name": "d5", "volume": 2.207, "priority": 1, "paths": [["l40", "l317"], ["l186", "l233", "l99", "l162", "l318"], ["l196", "l49", "l35", "l276"], ["l160", "l171"]]},
            {"name": "d6", "volume": 3.122, "priority": 3, "paths": [["l57", "l143", "l142", "l356"], ["l95", "l316", "l77", "l307", "l143"], ["l390", "l103", "l270", "l170", "l114"], ["l93"], ["l344", "l298"], ["l210", "l342", "l58", "l306", "l95"]]},
            {"name": "d7", "volume": 1.814, "priority": 3, "paths": [["l103", "l218", "l305", "l146"]]},
            {"name": "d8", "volume": 41.261, "priority": 3, "paths": [["l266"], ["l321", "l245"]]},
            {"name": "d9", "volume": 1.241, "priority": 2, "paths": [["l34"], ["l42", "l197", "l264", "l223"], ["l210"], ["l177", "l343", "l264", "l108"], ["l375", "l189", "l385"], ["l148"], ["l302", "l174", "l24", "l344", "l240"]]}
        ]}
        """
        let (warm, cold) = try Self.warmAndCold(text, volumes: [0.812355, 3.713334, 2.583263, 9.620485, 8.38532, 2.108247, 3.032471, 1.799519, 41.691107, 1.249297])
        #expect(warm.sweeps * 3 <= cold.sweeps, "\(warm.sweeps) sweeps warm, \(cold.sweeps) cold")
    }

    /// Gold demand A (10 over T or U) and C (0.5, T only) share T and U at 52.5%; silver B (8
    /// over U or V) fills U and V to 66%. C grows to 2: stage 0's optimum moves A's flow from T
    /// to U (60%), but a warm start's forward cap on the silver row (its MLU plus half the gap)
    /// holds that one move back, and the restricted round stalls. With a single move held back
    /// (fewer than a twentieth of the demands, and than 16) the caps used to stay for three more
    /// full sweeps without progress: 9 sweeps for stage 0. They now go at once and the rounds go
    /// on: 5, the same answer.
    @Test func aRestrictedRoundHeldBackByAForwardCapDropsTheCaps() throws {
        let text = """
            {"links": [{"name": "T", "capacity": 10}, {"name": "U", "capacity": 10}, {"name": "V", "capacity": 10}],
             "demands": [
                {"name": "A", "volume": 10, "priority": 0, "paths": [["T"], ["U"]]},
                {"name": "C", "volume": 0.5, "priority": 0, "paths": [["T"]]},
                {"name": "B", "volume": 8, "priority": 1, "paths": [["U"], ["V"]]}
             ]}
            """
        let p = try SolveProblemParser.parse(Array(text.utf8))
        let first = MLUSolver.solve(p, options: sweepsOnly)
        var changed = p
        changed.volume[1] = 2
        let warm = MLUSolver.solve(changed, options: sweepsOnly, warmStart: WarmStart(first))
        #expect(warm.gap <= 0.01 + 1e-9, "gap \(warm.gap)")
        HoldCertificate.expectCertified(changed, warm, cold: false)
        // Gold at its optimum: T carries 4 of A and C's 2, U the other 6 of A.
        #expect(abs(warm.stages[0].mlu - 0.6) <= 0.6 * 0.01, "\(warm.stages[0].mlu)")
        #expect(warm.stages[0].sweeps <= 5, "stage 0: \(warm.stages[0].sweeps) sweeps")
    }

    /// The link → paths index a warm start finds its hottest links' demands with is the exact
    /// transpose of the paths' link lists (a path that names a link twice is listed twice), each
    /// link's paths by level and then in path order, and a stage k walks exactly the paths of
    /// levels ≤ k (`linkLevelEnd`).
    @Test func linkPathIndexIsTheTransposeOfThePaths() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            var p = randomProblem(seed: seed)
            if p.pathCount > 0 { p.pathLinks[0] = p.pathLinks[p.pathLinkStart[1] - 1] }
            let b = SolveBuffers(p)
            let L = b.levels.count
            var expected = [[(level: Int, path: Int)]](repeating: [], count: p.linkCount)
            for d in 0..<p.demandCount {
                for path in p.paths(of: d) {
                    for e in p.links(of: path) { expected[Int(e)].append((b.levels.firstIndex(of: p.priority[d]) ?? -1, path)) }
                }
            }
            for e in 0..<p.linkCount {
                let byLevel = expected[e].sorted { ($0.level, $0.path) < ($1.level, $1.path) }
                let listed = (b.linkPathStart[e]..<b.linkPathStart[e + 1]).map { Int(b.linkPaths[$0]) }
                #expect(listed == byLevel.map(\.path), "link \(e)")
                for k in 0..<L {
                    let prefix = (b.linkPathStart[e]..<b.linkLevelEnd[e * L + k]).map { Int(b.linkPaths[$0]) }
                    #expect(prefix == byLevel.filter { $0.level <= k }.map(\.path), "link \(e), levels ≤ \(k)")
                }
            }
            for d in 0..<p.demandCount {
                for path in p.paths(of: d) { #expect(Int(b.pathDemand[path]) == d) }
            }
        }
    }

    /// A large change (a tenth of the demands doubled, tripled or cut to 30%) leaves the old
    /// certificate far below the new optimum; the warm solve must not crawl at the previous
    /// answer's fine smoothing: it needs about as many sweeps as a cold solve at worst. (The
    /// sweeps' own certificates, without the restricted LP: on seed 5 after ×3 it certifies the
    /// cold stall of priority 1 at 1.00%, where the warm sweeps stall 2.2% above that stage's
    /// optimum under their holds, with an MLU of 0.795 against the cold solve's 0.874.)
    /// With the restricted LP (the default), the answer is still never above both the asked gap
    /// and the cold solve's.
    @Test(arguments: Array(1...8))
    func aLargeChangeIsNoSlowerWarmThanCold(seed: Int) {
        let withLP = sweepsOnly
        var sweepsOnly = sweepsOnly
        sweepsOnly.restrictedLPLimit = 0
        let p = Self.tightProblem(seed: seed)
        let first = MLUSolver.solve(p, options: sweepsOnly)
        let firstLP = MLUSolver.solve(p, options: withLP)
        var r = TestRandom(seed &+ 77)
        for factor in [2.0, 3.0, 0.3] {
            var changed = p
            for d in 0..<changed.demandCount where r.int(10) == 0 { changed.volume[d] *= factor }
            // The warm run alone (where it stops above the gap, `MLUSolver.solve` adds a cold one).
            let start = WarmStart(first)
            let warm = SolverRun(problem: changed, options: sweepsOnly, warmStart: start).solve(warmStart: start)
            let cold = MLUSolver.solve(changed, options: sweepsOnly)
            #expect(Double(warm.sweeps) <= Double(cold.sweeps) * 1.3 + 2, "×\(factor): \(warm.sweeps) sweeps warm, \(cold.sweeps) cold")
            // Within the asked gap, or (where hold constraints stall both) no worse than cold.
            let worstCold = cold.worstStageGap
            for stage in warm.stages {
                #expect(stage.gap <= max(0.01, worstCold * 1.1) + 1e-9, "×\(factor) priority \(stage.priority): gap \(stage.gap), cold \(worstCold)")
            }
            // The answer: never above both the asked gap and the cold solve's.
            let answer = MLUSolver.solve(changed, options: sweepsOnly, warmStart: start)
            #expect(answer.worstStageGap <= max(0.01, worstCold) + 1e-12, "×\(factor): \(answer.worstStageGap), cold \(worstCold)")
            let coldLP = MLUSolver.solve(changed, options: withLP)
            let answerLP = MLUSolver.solve(changed, options: withLP, warmStart: WarmStart(firstLP))
            #expect(answerLP.worstStageGap <= max(0.01, coldLP.worstStageGap) + 1e-12, "×\(factor), with the LP: \(answerLP.worstStageGap), cold \(coldLP.worstStageGap)")
        }
    }
}
