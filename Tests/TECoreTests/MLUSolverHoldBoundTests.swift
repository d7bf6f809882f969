import PropertyBased
import TEInstances
import Testing
@testable import TECore

/// The hold-aware certificate: recomputed here from its parts (y, z, the holds H), independently
/// of the solver.
enum HoldCertificate {
    /// Σ_e y_e·load_e/c_e + Σ_{j<k} Σ_e z_j,e·(load_e/c_e − H_j)
    /// + Σ_{d: level ≤ k} v_d·min_p Σ_{e∈p} (y_e + Σ_{j=level(d)}^{k−1} z_j,e)/c_e,
    /// where level(d) is the index of d's priority among the solution's stages.
    static func bound(_ p: SolveProblem, stages: [SolveStage], k: Int, y: [Double], z: [Double], holds: [Double]) -> Double {
        let E = p.linkCount
        let rows = z.count / max(1, E)
        func zAt(_ j: Int, _ e: Int) -> Double { j < rows ? z[j * E + e] : 0 }
        var b = 0.0
        for e in 0..<E where p.capacity[e] > 0 {
            b += y[e] * p.load[e] / p.capacity[e]
            for j in 0..<k { b += zAt(j, e) * (p.load[e] / p.capacity[e] - holds[j]) }
        }
        let levels = stages.map(\.priority)
        for d in 0..<p.demandCount where p.volume[d] > 0 {
            guard let level = levels.firstIndex(of: p.priority[d]), level <= k else { continue }
            let best = pathCost(p, stages: stages, k: k, y: y, z: z, demand: d)
            if best.isFinite { b += p.volume[d] * best }
        }
        return b
    }

    /// Demand d's cheapest path cost under y plus the z rows it is counted in (stage `k`).
    static func pathCost(_ p: SolveProblem, stages: [SolveStage], k: Int, y: [Double], z: [Double], demand d: Int) -> Double {
        let E = p.linkCount
        let rows = z.count / max(1, E)
        let level = stages.firstIndex { $0.priority == p.priority[d] } ?? k
        var best = Double.infinity
        for path in p.paths(of: d) {
            let links = p.links(of: path).map(Int.init)
            if links.isEmpty || links.contains(where: { p.capacity[$0] <= 0 }) { continue }
            var c = 0.0
            for e in links {
                var w = y[e]
                for j in 0..<min(k, rows) where j >= level { w += z[j * E + e] }
                c += w / p.capacity[e]
            }
            best = min(best, c)
        }
        return best
    }

    /// Stage k's optimum with each earlier priority j held at the MLU `s` reports for it: the
    /// stage's LP over every link-row (`StageLP`), scaled to capacities of 1 at most. Nil where it
    /// does not solve.
    static func optimum(_ p: SolveProblem, _ s: SolveSolution, stage k: Int) -> Double? {
        let levels = s.stages.map(\.priority)
        let E = p.linkCount
        let scale = max(1, p.capacity.max() ?? 1)
        var lp = StageLP()
        // Link-row of (row j, link e): j·E + e, for links with capacity.
        var index = [Int32](repeating: -1, count: (k + 1) * E)
        for j in 0...k {
            for e in 0..<E where p.capacity[e] > 0 {
                index[j * E + e] = Int32(lp.a.count)
                let c = p.capacity[e] / scale, l = p.load[e] / scale
                lp.a.append(j == k ? c : 0)
                lp.b.append(j == k ? -l : max(0, s.stages[j].mlu * (1 + 1e-9) * c - l))
            }
        }
        for d in 0..<p.demandCount where p.volume[d] > 0 {
            guard let level = levels.firstIndex(of: p.priority[d]), level <= k else { continue }
            var paths: [[Int32]] = []
            for q in p.demandPathStart[d]..<p.demandPathStart[d + 1] {
                let path = p.pathLinks[p.pathLinkStart[q]..<p.pathLinkStart[q + 1]].map { Int($0) }
                guard path.allSatisfy({ p.capacity[$0] > 0 }) else { continue }
                paths.append((level...k).flatMap { j in path.map { index[j * E + $0] } })
            }
            if !paths.isEmpty { lp.addDemand(volume: p.volume[d] / scale, paths: paths) }
        }
        return lp.demandCount > 0 ? lp.solve()?.t : nil
    }

    /// Checks every stage of `s`: y ≥ 0 with Σ y = 1, z ≥ 0 with one row per held stage, and the
    /// reported bound is what (y, z, H) certify and at most the stage's MLU; in a cold solve also
    /// at least the plain bound of the same y (z only ever raised it). (A warm start re-uses a
    /// previous (y, z), whose z may no longer help on the changed problem: still valid.)
    static func expectCertified(_ p: SolveProblem, _ s: SolveSolution, cold: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(s.duals.count == s.stages.count, sourceLocation: sourceLocation)
        #expect(s.holdDuals.count == s.stages.count && s.holdCaps.count == s.stages.count, sourceLocation: sourceLocation)
        for (k, stage) in s.stages.enumerated() where stage.lowerBound > 0 && k < s.duals.count && k < s.holdDuals.count {
            let y = s.duals[k], z = s.holdDuals[k], holds = s.holdCaps[k]
            #expect(y.allSatisfy { $0 >= 0 } && abs(y.reduce(0, +) - 1) < 1e-9, sourceLocation: sourceLocation)
            #expect(z.allSatisfy { $0 >= 0 }, sourceLocation: sourceLocation)
            #expect(z.isEmpty || z.count == k * p.linkCount, sourceLocation: sourceLocation)
            #expect(holds.count == k, sourceLocation: sourceLocation)
            // The bound is stated for the splits that keep each higher priority at or below the
            // MLU this answer reports for it: a priced row's hold is at least that MLU (the bound
            // is restated under it where the final flows end above the stage's own hold).
            for j in 0..<min(k, holds.count) where z.count == k * p.linkCount && z[(j * p.linkCount)..<((j + 1) * p.linkCount)].contains(where: { $0 > 0 }) {
                #expect(holds[j] >= s.stages[j].mlu * (1 - 1e-12), "priority \(stage.priority): hold \(holds[j]) below priority \(s.stages[j].priority)'s reported MLU \(s.stages[j].mlu)", sourceLocation: sourceLocation)
            }
            let certified = bound(p, stages: s.stages, k: k, y: y, z: z, holds: holds)
            let plain = bound(p, stages: s.stages, k: k, y: y, z: [], holds: holds)
            #expect(certified >= stage.lowerBound * (1 - 1e-9) - 1e-12, "priority \(stage.priority): \(certified) < \(stage.lowerBound)", sourceLocation: sourceLocation)
            #expect(stage.lowerBound <= stage.mlu * (1 + 1e-9) + 1e-12, sourceLocation: sourceLocation)
            if cold { #expect(stage.lowerBound >= plain * (1 - 1e-9) - 1e-12, sourceLocation: sourceLocation) }
        }
    }
}

/// The hold certificates of the sweeps: these tests switch exact stages off (small problems
/// are otherwise solved by the interior-point method, MLUSolverExactStageTests), since the
/// sweeps are what solves every problem above the exact stages' limit.
let sweepsOnly = SolveOptions(exactStageLimit: 0)

@Suite struct MLUSolverHoldBoundTests {
    /// Priority 0 ("gold", 10 over A or B) alone: 25% on each 20-unit link. Priority 1
    /// ("bronze", 10, only A) would like gold to move to B, but gold is held at H ≈ 25%: gold
    /// keeps ≥ 10 − 20·H on A, so priority 1's optimum under the hold is 1 − H ≈ 75%. Without the
    /// hold it is 50% (gold all on B): every plain certificate Σ y·load/c + Σ v·min_p y(p)/c is
    /// ≤ 50% (weak duality for the unheld problem), 50% below the optimum, so the plain bound
    /// cannot certify 1%.
    static func heldProblem() -> SolveProblem {
        var p = SolveProblem()
        let a = p.addLink(name: "A", capacity: 20)
        let b = p.addLink(name: "B", capacity: 20)
        p.addDemand(name: "gold", volume: 10, priority: 0, paths: [[a], [b]])
        p.addDemand(name: "bronze", volume: 10, priority: 1, paths: [[a]])
        return p
    }

    @Test func holdsThatBindAreCertified() {
        let p = Self.heldProblem()
        let s = MLUSolver.solve(p, options: sweepsOnly)
        #expect(s.stages.map(\.priority) == [0, 1])
        #expect(abs(s.stages[0].mlu - 0.25) <= 0.25 * 0.01)
        let h = s.holdCaps[1][0]
        #expect(h >= s.stages[0].mlu * (1 - 1e-12))
        // Stage 1's optimum under the hold, worked out above.
        let optimum = 1 - h
        #expect(abs(s.stages[1].mlu - optimum) <= optimum * 0.01)
        #expect(s.stages[1].lowerBound <= optimum * (1 + 1e-9))
        // Above anything a plain certificate can reach: the hold is priced.
        #expect(s.stages[1].lowerBound > 0.5 * 1.01)
        #expect(!s.holdDuals[1].isEmpty)
        #expect(s.stages[1].gap <= 0.01 + 1e-12)
        #expect(!s.notes.contains { $0.kind == .gapNotReached })
        HoldCertificate.expectCertified(p, s)
    }

    /// A random instance (`tectl-bench solve-random --seed 1120`: 20 links, 10 demands, 2
    /// priorities) on which the moves used to fill priority 0's slack on the first detours and
    /// then block each other: priority 1 ended at 154.6% against the exact LP's 141.4%
    /// (`scripts/lp_reference.py`: 0.984609 and 1.413700 per priority). Priced held rows let
    /// priority 0's flow leave the links where its row is full: each stage ends within the 1%
    /// gap of the LP's (priority 1 may end lower, since priority 0 ends within its slack above
    /// the LP's optimum, which loosens its hold).
    @Test func heldRowsDoNotBlockALaterStage() throws {
        let text = """
            {"links": [
                {"name": "l0", "capacity": 1.0, "load": 0.0}, {"name": "l1", "capacity": 123.705, "load": 21.278}, {"name": "l2", "capacity": 14.382, "load": 0.0}, {"name": "l3", "capacity": 15.501, "load": 0.0},
                {"name": "l4", "capacity": 8.517, "load": 0.0}, {"name": "l5", "capacity": 1.0, "load": 0.0}, {"name": "l6", "capacity": 9.362, "load": 0.0}, {"name": "l7", "capacity": 14.432, "load": 0.0},
                {"name": "l8", "capacity": 132.936, "load": 0.0}, {"name": "l9", "capacity": 5.865, "load": 0.0}, {"name": "l10", "capacity": 147.368, "load": 0.0}, {"name": "l11", "capacity": 5.915, "load": 2.564},
                {"name": "l12", "capacity": 3.661, "load": 0.598}, {"name": "l13", "capacity": 1.0, "load": 0.0}, {"name": "l14", "capacity": 61.139, "load": 0.0}, {"name": "l15", "capacity": 123.705, "load": 0.0},
                {"name": "l16", "capacity": 123.705, "load": 24.14}, {"name": "l17", "capacity": 5.577, "load": 0.0}, {"name": "l18", "capacity": 5.865, "load": 0.0}, {"name": "l19", "capacity": 11.78, "load": 0.0}
            ],
            "demands": [
                {"name": "d0", "volume": 107.748, "priority": 0, "paths": [["l15", "l11", "l17"], ["l8", "l9", "l2"], ["l15", "l18", "l1", "l3", "l17"], ["l8", "l2", "l0", "l9", "l3"], ["l2", "l16", "l7"], ["l5", "l17", "l8", "l14", "l19"], ["l2"], ["l8", "l15", "l16", "l1", "l10"]]},
                {"name": "d1", "volume": 8.04, "priority": 1, "paths": [["l17", "l3", "l13", "l19", "l4"], ["l8", "l10"], ["l2", "l11", "l10", "l19", "l6"], ["l14", "l6", "l4", "l1", "l7"], ["l15", "l18", "l5", "l6"], ["l14", "l18", "l5", "l7", "l6"], ["l19", "l9", "l4", "l15"]]},
                {"name": "d2", "volume": 3.297, "priority": 1, "paths": [["l6"], ["l1", "l14", "l8", "l17", "l7"], ["l4", "l11"], ["l19", "l9", "l13", "l3", "l15"], ["l0"], ["l6"], ["l1", "l11"]]},
                {"name": "d3", "volume": 4.858, "priority": 0, "paths": [["l17", "l6", "l14"]]},
                {"name": "d4", "volume": 43.19, "priority": 0, "paths": [["l5", "l3", "l0", "l1"], ["l14"], ["l12", "l3"], ["l4", "l11"], ["l14"], ["l6"]]},
                {"name": "d5", "volume": 5.152, "priority": 1, "paths": [["l7", "l11", "l19", "l10"], ["l3", "l0", "l14", "l12", "l9"]]},
                {"name": "d6", "volume": 5.204, "priority": 0, "paths": [["l14", "l3"], ["l16", "l1", "l9", "l4", "l18"]]},
                {"name": "d7", "volume": 7.419, "priority": 0, "paths": [["l13", "l7", "l0", "l6", "l17"], ["l10", "l4", "l7", "l2"], ["l1", "l13"], ["l1", "l12", "l6"]]},
                {"name": "d8", "volume": 3.189, "priority": 0, "paths": [["l16"], ["l12", "l3"], ["l18", "l14", "l11"], ["l18", "l19", "l4", "l15"], ["l10", "l13", "l9", "l7"], ["l2", "l9"]]},
                {"name": "d9", "volume": 5.108, "priority": 0, "paths": [["l19", "l3", "l18", "l9", "l2"], ["l13", "l15", "l3", "l17", "l14"], ["l6", "l1", "l10", "l16"], ["l10", "l4"], ["l12", "l6"]]}
            ]}
            """
        try Self.expectNearTheLP(text, optima: [0.984609, 1.413700])
    }

    /// Detours over links of capacity 1 (l12, l34, l30) next to paths of capacity 150–370. The
    /// trust region held every link of a move's target path to a rise of μ, however far below
    /// the top it lay: flow reached such a detour μ·1 per move while μ was halved, and priority 1
    /// crawled for 242 sweeps and stopped at a certified gap of 1.21%. Once a cold stage stalls,
    /// a link far below the sweep's centre may now rise to μ below it in one move (51 sweeps in
    /// all). Reduced from seed 1007 of `tectl-bench solve-random`; the exact optima per priority
    /// are the LP's (`scripts/lp_reference.py`): 1.240837, 1.252886, 9.837.
    @Test func aDetourFarBelowTheTopIsReachedAfterAStall() throws {
        let text = """
            {"links": [
                {"name": "l9", "capacity": 1.633, "load": 0.0}, {"name": "l12", "capacity": 1.0, "load": 0.214}, {"name": "l19", "capacity": 19.545, "load": 0.0}, {"name": "l29", "capacity": 1.0, "load": 0.0},
                {"name": "l30", "capacity": 1.0, "load": 0.0}, {"name": "l32", "capacity": 4.61, "load": 0.0}, {"name": "l34", "capacity": 1.0, "load": 0.0}, {"name": "l44", "capacity": 10.325, "load": 0.0},
                {"name": "l51", "capacity": 146.919, "load": 0.0}, {"name": "l62", "capacity": 371.97, "load": 0.0}, {"name": "l82", "capacity": 201.073, "load": 0.0}, {"name": "l92", "capacity": 152.628, "load": 5.587},
                {"name": "l99", "capacity": 32.853, "load": 0.0}, {"name": "l106", "capacity": 17.99, "load": 0.0}, {"name": "l116", "capacity": 146.919, "load": 0.0}, {"name": "l117", "capacity": 4.827, "load": 0.0},
                {"name": "l122", "capacity": 20.801, "load": 0.0}, {"name": "l125", "capacity": 157.455, "load": 56.145}, {"name": "l130", "capacity": 1.0, "load": 0.132}, {"name": "l133", "capacity": 7.246, "load": 0.0},
                {"name": "l136", "capacity": 8.89, "load": 0.0}, {"name": "l140", "capacity": 4.711, "load": 0.0}
            ],
            "demands": [
                {"name": "d10", "volume": 4.403, "priority": 1, "paths": [["l34", "l19"], ["l125", "l133", "l117", "l44"], ["l136", "l51", "l30", "l106"]]},
                {"name": "d16", "volume": 139.231, "priority": 0, "paths": [["l92", "l125"]]},
                {"name": "d42", "volume": 134.024, "priority": 1, "paths": [["l62", "l116", "l51"], ["l140", "l82", "l99", "l32"], ["l12", "l122", "l9"]]},
                {"name": "d48", "volume": 9.705, "priority": 2, "paths": [["l130", "l29"]]}
            ]}
            """
        try Self.expectNearTheLP(text, optima: [1.240837, 1.252886, 9.837], certifiedWithinGap: true)
    }

    /// Priority 2's d44 has one path, over l11, which priority 1's d41 shares; d41's other paths
    /// cross l2 and l7, which priority 0's d43 and d46 use too. The sweeps stalled at 888.3% with
    /// a certified gap of 5.43% (the LP's optimum is 872.5%). The stalled stage is
    /// re-solved over virtual links (MLUSolver+HeldStage.swift), where no hold blocks a move,
    /// bisecting on its MLU; the certificate of the highest MLU it proves unreachable becomes the
    /// stage's (y, z), which `expectCertified` recomputes. Reduced from seed 1019 of
    /// `tectl-bench solve-random`; the exact optima per priority are the LP's
    /// (`scripts/lp_reference.py`): 0.639880, 3.215067, 8.724875.
    @Test func aStalledHeldStageIsReSolvedOverVirtualLinks() throws {
        let text = """
            {"links": [
                {"name": "l0", "capacity": 100.0, "load": 0.0}, {"name": "l1", "capacity": 400.0, "load": 0.0}, {"name": "l2", "capacity": 25.0, "load": 0.0}, {"name": "l3", "capacity": 10.0, "load": 0.0},
                {"name": "l4", "capacity": 100.0, "load": 0.0}, {"name": "l5", "capacity": 40.0, "load": 15.771}, {"name": "l6", "capacity": 40.0, "load": 9.213}, {"name": "l7", "capacity": 25.0, "load": 0.0},
                {"name": "l8", "capacity": 25.0, "load": 0.0}, {"name": "l9", "capacity": 25.0, "load": 0.0}, {"name": "l11", "capacity": 25.0, "load": 0.0}, {"name": "l12", "capacity": 100.0, "load": 3.986},
                {"name": "l14", "capacity": 400.0, "load": 0.0}, {"name": "l15", "capacity": 40.0, "load": 0.0}, {"name": "l16", "capacity": 25.0, "load": 0.996}, {"name": "l18", "capacity": 10.0, "load": 0.0},
                {"name": "l19", "capacity": 10.0, "load": 0.0}
            ],
            "demands": [
                {"name": "d27", "volume": 9.375, "priority": 0, "paths": [["l0", "l12", "l8", "l15", "l14"]]},
                {"name": "d41", "volume": 172.682, "priority": 1, "paths": [["l16", "l11", "l3"], ["l2"], ["l7", "l4"]]},
                {"name": "d43", "volume": 6.8, "priority": 0, "paths": [["l16", "l15", "l8"], ["l5", "l7", "l9", "l18", "l3"], ["l19", "l7", "l2"]]},
                {"name": "d44", "volume": 192.37, "priority": 2, "paths": [["l11"]]},
                {"name": "d46", "volume": 6.622, "priority": 0, "paths": [["l2", "l8", "l1", "l6"]]}
            ]}
            """
        try Self.expectNearTheLP(text, optima: [0.639880, 3.215067, 8.724875], certifiedWithinGap: true)
    }

    /// Solves the problem in `text` by sweeps and checks every stage against the exact LP's
    /// `optima` (within the 1% gap), the exported certificate against the printed bounds, and,
    /// with `certifiedWithinGap`, that every stage certifies the asked 1% (no `gap-not-reached`
    /// note); then with exact stages, which must meet the optima to 1e-5.
    static func expectNearTheLP(_ text: String, optima: [Double], certifiedWithinGap: Bool = false) throws {
        let p = try SolveProblemParser.parse(Array(text.utf8))
        let s = MLUSolver.solve(p, options: sweepsOnly)
        #expect(s.stages.count == optima.count)
        for (stage, optimum) in zip(s.stages, optima) {
            #expect(stage.mlu <= optimum * 1.01, "priority \(stage.priority): \(stage.mlu) against the LP's \(optimum)")
            if certifiedWithinGap { #expect(stage.gap <= 0.01 + 1e-12, "priority \(stage.priority): certified gap \(stage.gap)") }
        }
        if certifiedWithinGap { #expect(!s.notes.contains { $0.kind == .gapNotReached }) }
        HoldCertificate.expectCertified(p, s)
        // Exact stages (the default at this size): the LP's optima themselves.
        let exact = MLUSolver.solve(p)
        for (stage, optimum) in zip(exact.stages, optima) {
            #expect(abs(stage.mlu - optimum) <= optimum * 1e-5, "exact, priority \(stage.priority): \(stage.mlu) against the LP's \(optimum)")
        }
        HoldCertificate.expectCertified(p, exact)
    }

    /// Twelve copies of the gadget above (gold over A or B, bronze on A alone) with a little
    /// silver over either link, volumes drawn at random: the holds bind in every copy, and
    /// stage 1's sweeps cannot move the top link's flow.
    static func heldGadgets(seed: Int, count: Int = 12) -> SolveProblem {
        var r = TestRandom(seed)
        var p = SolveProblem()
        for i in 0..<count {
            p.addLink(name: "a\(i)", capacity: 20, load: 0)
            p.addLink(name: "b\(i)", capacity: 20, load: 0)
        }
        for i in 0..<count {
            p.addDemand(name: "gold\(i)", volume: r.uniform(8, 12), priority: 0, paths: [[2 * i], [2 * i + 1]])
            p.addDemand(name: "bronze\(i)", volume: r.uniform(8, 12), priority: 1, paths: [[2 * i]])
            p.addDemand(name: "silver\(i)", volume: r.uniform(1, 3), priority: 1, paths: [[2 * i], [2 * i + 1]])
        }
        return p
    }

    /// The gadgets' cold answer, and the gadgets after every volume changed by up to ±5%.
    static func heldGadgetsChanged(seed: Int) -> (first: SolveSolution, changed: SolveProblem) {
        let p = heldGadgets(seed: seed)
        var changed = p
        var r = TestRandom(seed &+ 5)
        for d in 0..<changed.demandCount { changed.volume[d] *= r.uniform(0.95, 1.05) }
        return (MLUSolver.solve(p, options: sweepsOnly), changed)
    }

    /// The hold-aware search stops once its bound certifies the stage's target: each of its
    /// evaluations is a pass over every active path (wan-300-loose seed 293 after ±5%: the
    /// search's first evaluation certified the last stage, and the three after it cost 3 of the
    /// warm solve's 6.8 ms). Warm re-solves of the gadgets after ±5%: the same sweeps and gaps,
    /// fewer passes; each answer still certified by its own y and z.
    @Test func theHoldSearchStopsOnceItsBoundCertifiesTheTarget() {
        var stop = sweepsOnly
        stop.warmFrozenHoldSearch = false
        var full = stop
        full.holdSearchStopsAtTarget = false
        var passesStop = 0, passesFull = 0
        for seed in 1...30 {
            let (first, changed) = Self.heldGadgetsChanged(seed: seed)
            let a = SolverRun(problem: changed, options: stop, warmStart: WarmStart(first))
            let stopped = a.solve(warmStart: WarmStart(first))
            let b = SolverRun(problem: changed, options: full, warmStart: WarmStart(first))
            let searched = b.solve(warmStart: WarmStart(first))
            #expect(stopped.sweeps == searched.sweeps, "seed \(seed)")
            #expect(a.holdBoundPasses <= b.holdBoundPasses, "seed \(seed)")
            for stage in stopped.stages { #expect(stage.gap <= 0.01 + 1e-12, "seed \(seed) priority \(stage.priority): \(stage.gap)") }
            HoldCertificate.expectCertified(changed, stopped, cold: false)
            passesStop += a.holdBoundPasses
            passesFull += b.holdBoundPasses
        }
        #expect(passesStop < passesFull, "passes over the paths: \(passesStop) stopping at the target, \(passesFull) searching on")
    }

    /// A warm stage whose full sweep left its MLU exactly where it was (the holds block every
    /// move) runs the hold-aware search at once rather than after 8 such sweeps, and keeps its
    /// certificate where it certifies the target (wan-300-loose seed 293 after ±5%: the last
    /// stage, 1.06% above its old bound, swept 8 times without a move; 11 → 4 warm sweeps,
    /// 5.7× → 11× faster than cold). Where the search falls short the stage goes on as before.
    @Test func aWarmStageThatASweepLeavesWhereItWasSearchesTheHoldsAtOnce() {
        var off = sweepsOnly
        off.warmFrozenHoldSearch = false
        var sweepsOn = 0, sweepsOff = 0
        for seed in 1...30 {
            let (first, changed) = Self.heldGadgetsChanged(seed: seed)
            let with = MLUSolver.solve(changed, options: sweepsOnly, warmStart: WarmStart(first))
            let without = MLUSolver.solve(changed, options: off, warmStart: WarmStart(first))
            #expect(with.sweeps <= without.sweeps, "seed \(seed): \(with.sweeps) sweeps, \(without.sweeps) without the early search")
            for stage in with.stages { #expect(stage.gap <= 0.01 + 1e-12, "seed \(seed) priority \(stage.priority): \(stage.gap)") }
            #expect(!with.notes.contains { $0.kind == .warmStartDiscarded })
            HoldCertificate.expectCertified(changed, with, cold: false)
            sweepsOn += with.sweeps
            sweepsOff += without.sweeps
        }
        #expect(sweepsOn < sweepsOff, "warm sweeps: \(sweepsOn) searching at once, \(sweepsOff) after 8 sweeps")
    }

    /// `tectl-bench solve-random`'s instance `seed` through its JSON text (as the benchmark
    /// writes and `tectl solve` reads it), its cold answer, and the instance after every volume
    /// changed by up to ±5% as `tectl-bench solve-file` changes it (its default seed, 1).
    static func randomChanged(seed: UInt64) throws -> (first: SolveSolution, changed: SolveProblem) {
        let p = try SolveProblemParser.parse([UInt8](InstanceGenerator.json(InstanceGenerator.random(seed: seed)).utf8))
        return (MLUSolver.solve(p), InstanceGenerator.perturbed(p, by: 0.05, seed: 1))
    }

    /// A warm stage whose MLU stops improving prices its held rows after 3 such sweeps, not 8:
    /// it starts next to the answer, so a flat MLU is the holds, not the distance
    /// (wan-300-tight seed 295 after ±5%: 21 → 16 warm sweeps). `tectl-bench solve-random`
    /// seeds 1177 and 1467 after ±5% (as `solve-file` changes them): after 8 flat sweeps their
    /// warm runs stopped above the gap and were solved again cold (1.0× the cold solve's time);
    /// after 3 they certify warm, in fewer sweeps.
    @Test func aWarmStagePricesItsHoldsAfterThreeFlatSweeps() throws {
        var late = SolveOptions()
        late.warmHoldPricingWindow = 8
        for seed: UInt64 in [1177, 1467] {
            let (first, changed) = try Self.randomChanged(seed: seed)
            let early = MLUSolver.solve(changed, warmStart: WarmStart(first))
            let flat = MLUSolver.solve(changed, options: late, warmStart: WarmStart(first))
            #expect(flat.notes.contains { $0.kind == .warmStartDiscarded }, "seed \(seed): pricing after 8 flat sweeps kept its warm answer")
            #expect(!early.notes.contains { $0.kind == .warmStartDiscarded }, "seed \(seed)")
            #expect(early.sweeps < flat.sweeps, "seed \(seed): \(early.sweeps) sweeps, \(flat.sweeps) pricing after 8")
            for stage in early.stages { #expect(stage.gap <= 0.01 + 1e-12, "seed \(seed) priority \(stage.priority): \(stage.gap)") }
            HoldCertificate.expectCertified(changed, early, cold: false)
        }
    }

    /// A warm last stage stops where the previous answer's certificate, restated at the held
    /// rows' MLUs as they are now, certifies it: what the final figures report anyway
    /// (wan-300-loose seed 343 after ±5%: without the check its last stage swept 203 times under
    /// its priced holds and ran the grown LP, 0.1× the cold solve's time, and the final figures
    /// then certified it with that same certificate; with it, 8 sweeps, 7.6×). `tectl-bench
    /// solve-random` seed 1134 after ±5% (as `solve-file` changes it): 33 → 25 warm sweeps.
    @Test func aWarmLastStageStopsWhereThePreviousCertificateRestatedAtTheRowsCertifiesIt() throws {
        let (first, changed) = try Self.randomChanged(seed: 1134)
        var off = SolveOptions()
        off.warmRestatedAtRows = false
        let with = MLUSolver.solve(changed, warmStart: WarmStart(first))
        let without = MLUSolver.solve(changed, options: off, warmStart: WarmStart(first))
        #expect(with.sweeps < without.sweeps, "\(with.sweeps) warm sweeps, \(without.sweeps) without the check")
        for stage in with.stages { #expect(stage.gap <= 0.01 + 1e-12, "priority \(stage.priority): \(stage.gap)") }
        #expect(!with.notes.contains { $0.kind == .warmStartDiscarded })
        HoldCertificate.expectCertified(changed, with, cold: false)
    }

    @Test func aWarmStartReusesTheHoldCertificate() {
        let p = Self.heldProblem()
        let first = MLUSolver.solve(p, options: sweepsOnly)
        let again = MLUSolver.solve(p, options: sweepsOnly, warmStart: WarmStart(first))
        // The stored (y, z) and costs re-certify stage 1 at once: no sweep, the bound of the same
        // certificate under this run's hold (gold starts from its final split, so H moved).
        #expect(again.stages[1].sweeps == 0)
        let reevaluated = HoldCertificate.bound(p, stages: again.stages, k: 1, y: first.duals[1], z: first.holdDuals[1], holds: again.holdCaps[1])
        #expect(abs(again.stages[1].lowerBound - reevaluated) <= 1e-12)
        #expect(again.stages[1].gap <= 0.01 + 1e-12)
        HoldCertificate.expectCertified(p, again, cold: false)
        // A structure the stored costs do not fit (another capacity): re-evaluated by a pass.
        var changed = p
        changed.capacity[1] = 21
        let moved = MLUSolver.solve(changed, options: sweepsOnly, warmStart: WarmStart(first))
        HoldCertificate.expectCertified(changed, moved, cold: false)
        #expect(moved.stages[1].gap <= 0.01 + 1e-12)
    }

    /// Gold1 (6, only C of 20: 30%) sets gold's hold; gold2 (10, A or B of 20) may put at most
    /// 20·H on B, so bronze (10, only A) gets (10 − 20·H + 10)/20 ≈ 70%. Load on C (gold only)
    /// raises gold's MLU to 50%, loosens the hold, and bronze's optimum drops to 50%: the
    /// lexicographic answer is not monotone in load, and the certified bound of the lighter
    /// problem is above the heavier problem's MLU (which a plain bound never is).
    @Test func moreLoadCanLowerALaterStage() {
        func problem(loadOnC: Double) -> SolveProblem {
            var p = SolveProblem()
            let a = p.addLink(name: "A", capacity: 20)
            let b = p.addLink(name: "B", capacity: 20)
            let c = p.addLink(name: "C", capacity: 20, load: loadOnC)
            p.addDemand(name: "gold1", volume: 6, priority: 0, paths: [[c]])
            p.addDemand(name: "gold2", volume: 10, priority: 0, paths: [[a], [b]])
            p.addDemand(name: "bronze", volume: 10, priority: 1, paths: [[a]])
            return p
        }
        let light = MLUSolver.solve(problem(loadOnC: 0), options: sweepsOnly)
        let heavy = MLUSolver.solve(problem(loadOnC: 4), options: sweepsOnly)
        #expect(abs(light.stages[1].mlu - 0.7) <= 0.7 * 0.01)
        #expect(abs(heavy.stages[1].mlu - 0.5) <= 0.5 * 0.01)
        #expect(light.stages[1].lowerBound > heavy.stages[1].mlu)
        HoldCertificate.expectCertified(problem(loadOnC: 0), light)
        HoldCertificate.expectCertified(problem(loadOnC: 4), heavy)
        #expect(light.gap <= 0.01 + 1e-12 && heavy.gap <= 0.01 + 1e-12)
    }

    @Test func threePrioritiesWithTwoHeldRows() {
        // Gold is held by row 0, silver by rows 0 and 1 (it may use A or B; bronze only A).
        var p = SolveProblem()
        let a = p.addLink(name: "A", capacity: 30)
        let b = p.addLink(name: "B", capacity: 30)
        let c = p.addLink(name: "C", capacity: 30)
        p.addDemand(name: "gold", volume: 12, priority: 0, paths: [[a], [b], [c]])
        p.addDemand(name: "silver", volume: 12, priority: 1, paths: [[a], [b]])
        p.addDemand(name: "bronze", volume: 24, priority: 2, paths: [[a]])
        let s = MLUSolver.solve(p, options: sweepsOnly)
        HoldCertificate.expectCertified(p, s)
        for stage in s.stages { #expect(stage.gap <= 0.01 + 1e-12, "priority \(stage.priority): gap \(stage.gap)") }
    }
}

@Suite struct MLUSolverHoldBoundPropertyTests {
    @Test func everyStageIsCertifiedByItsYAndZ() async {
        await propertyCheck(count: 80, input: Gen.int(in: 0...1_000_000)) { seed in
            let p = randomProblem(seed: seed)
            let s = MLUSolver.solve(p, options: sweepsOnly)
            HoldCertificate.expectCertified(p, s)
        }
    }

    @Test func warmStartsKeepTheCertificateValid() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000)) { seed in
            for options in [sweepsOnly, SolveOptions()] {
                var p = randomProblem(seed: seed)
                let first = MLUSolver.solve(p, options: options)
                var r = TestRandom(seed &+ 5)
                for d in 0..<p.demandCount { p.volume[d] *= r.uniform(0.9, 1.1) }
                for e in 0..<p.linkCount where r.int(3) == 0 { p.load[e] += r.uniform(0, 5) }
                let warm = MLUSolver.solve(p, options: options, warmStart: WarmStart(first))
                HoldCertificate.expectCertified(p, warm, cold: false)
            }
        }
    }

    /// Every stage's bound is stated under holds at or above the MLUs the answer reports for the
    /// earlier priorities it prices (restated under those MLUs where that bounds higher, and
    /// where a later stage raised a row above the stage's own hold: after an exact stage, whose
    /// hold is its optimum, by up to gap/100), so it bounds priority k's optimum with the
    /// earlier priorities held at their reported MLUs: checked against that optimum, solved
    /// exactly over every link-row.
    @Test func boundsHoldWithTheEarlierPrioritiesAtTheirReportedMLUs() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000)) { seed in
            let p = randomProblem(seed: seed)
            for options in [sweepsOnly, SolveOptions()] {
                let s = MLUSolver.solve(p, options: options)
                // (Each priced hold at least the reported MLU, among the rest.)
                HoldCertificate.expectCertified(p, s)
                for k in s.stages.indices.dropFirst() {
                    guard let optimum = HoldCertificate.optimum(p, s, stage: k) else { continue }
                    #expect(s.stages[k].lowerBound <= optimum * (1 + 1e-6) + 1e-9, "stage \(k): bound \(s.stages[k].lowerBound) above the optimum \(optimum)")
                }
            }
        }
    }

    /// `solve-random` seed 1199: 20 links, 10 demands, 3 priorities.
    static let seed1199 = """
        {"links": [
            {"name": "l0", "capacity": 1.0, "load": 0.0},
            {"name": "l1", "capacity": 6.325, "load": 0.0},
            {"name": "l2", "capacity": 77.025, "load": 0.0},
            {"name": "l3", "capacity": 29.269, "load": 0.0},
            {"name": "l4", "capacity": 14.651, "load": 2.522},
            {"name": "l5", "capacity": 49.54, "load": 0.0},
            {"name": "l6", "capacity": 13.43, "load": 0.0},
            {"name": "l7", "capacity": 8.182, "load": 0.0},
            {"name": "l8", "capacity": 38.497, "load": 0.0},
            {"name": "l9", "capacity": 84.643, "load": 0.0},
            {"name": "l10", "capacity": 1.0, "load": 0.0},
            {"name": "l11", "capacity": 14.067, "load": 0.0},
            {"name": "l12", "capacity": 5.248, "load": 0.0},
            {"name": "l13", "capacity": 37.328, "load": 0.0},
            {"name": "l14", "capacity": 3.425, "load": 0.0},
            {"name": "l15", "capacity": 9.351, "load": 0.0},
            {"name": "l16", "capacity": 10.961, "load": 4.368},
            {"name": "l17", "capacity": 35.718, "load": 0.0},
            {"name": "l18", "capacity": 3.425, "load": 0.0},
            {"name": "l19", "capacity": 1.0, "load": 0.076}
        ],
        "demands": [
            {"name": "d0", "volume": 7.415, "priority": 1, "paths": [["l6", "l13", "l19"], ["l9", "l4", "l15", "l5", "l11"]]},
            {"name": "d1", "volume": 6.277, "priority": 2, "paths": [["l14", "l8"], ["l17", "l7", "l6", "l4", "l11"], ["l19", "l9", "l13", "l3", "l15"]]},
            {"name": "d2", "volume": 28.489, "priority": 2, "paths": [["l1", "l11"], ["l10", "l14", "l16", "l2", "l17"], ["l14", "l11"], ["l8", "l17", "l13", "l5", "l3"], ["l1"], ["l14"], ["l12", "l3"]]},
            {"name": "d3", "volume": 1.687, "priority": 2, "paths": [["l15", "l6", "l16", "l7", "l13"]]},
            {"name": "d4", "volume": 0.569, "priority": 1, "paths": [["l4"], ["l0", "l14", "l12", "l9"], ["l16", "l6", "l9"], ["l14", "l3"]]},
            {"name": "d5", "volume": 6.157, "priority": 0, "paths": [["l18", "l10", "l2", "l16", "l15"], ["l13", "l7", "l0", "l6", "l17"], ["l10", "l4", "l7", "l2"], ["l1", "l13"], ["l1", "l12", "l6"], ["l4", "l16", "l5", "l0"]]},
            {"name": "d6", "volume": 74.973, "priority": 0, "paths": [["l18", "l14", "l11"], ["l18", "l19", "l4", "l15"], ["l10", "l13", "l9", "l7"], ["l2", "l9"]]},
            {"name": "d7", "volume": 5.108, "priority": 0, "paths": [["l19", "l3", "l18", "l9", "l2"], ["l13", "l15", "l3", "l17", "l14"], ["l6", "l1", "l10", "l16"], ["l10", "l4"], ["l12", "l6"]]},
            {"name": "d8", "volume": 8.982, "priority": 1, "paths": [["l10", "l16", "l13", "l17"], ["l1"], ["l8", "l5", "l16"], ["l8", "l11"], ["l9", "l10", "l4", "l12", "l19"]]},
            {"name": "d9", "volume": 3.333, "priority": 0, "paths": [["l5", "l14", "l18"], ["l5", "l14", "l18", "l11"]]}
        ]}
        """

    /// `solve-random` seed 1199 (20 links, 10 demands, 3 priorities), solved by sweeps: its last
    /// stage crawls under its caps and stops on its bound restated under the MLUs reported for
    /// priorities 0 and 1 (`boundAtRows`; one sweep before it would have certified anyway). The
    /// answer it stops with is certified like any other: the bound re-derived from y, z and the
    /// printed holds, which are those MLUs, and at most the stage's exact optimum with them held.
    @Test func aLastStageStoppedOnItsRestatedBoundIsCertified() throws {
        let text = Self.seed1199
        let p = try SolveProblemParser.parse(Array(text.utf8))
        let s = MLUSolver.solve(p, options: sweepsOnly)
        #expect(s.stages.count == 3)
        #expect(s.stages[2].gap <= 0.01, "gap \(s.stages[2].gap)")
        #expect(s.holdCaps[2] == [s.stages[0].mlu, s.stages[1].mlu])
        HoldCertificate.expectCertified(p, s)
        let optimum = try #require(HoldCertificate.optimum(p, s, stage: 2))
        #expect(s.stages[2].lowerBound <= optimum * (1 + 1e-6))
        #expect(s.stages[2].mlu >= optimum * (1 - 1e-6))
    }

    /// `--max-sweeps N` bounds each stage's sweeps, the re-solve of a held stage that stalls
    /// (`refineHeldStage`) included: seed 1199's stages 1 and 2 used to report 56 and 497 sweeps
    /// with a limit of 5, the bisection's solves each allowed 600.
    @Test func theSweepLimitHoldsForEveryStage() throws {
        let p = try SolveProblemParser.parse(Array(Self.seed1199.utf8))
        let s = MLUSolver.solve(p, options: SolveOptions(maxSweepsPerStage: 5, exactStageLimit: 0))
        #expect(s.stages.count == 3)
        for stage in s.stages { #expect(stage.sweeps <= 5, "priority \(stage.priority): \(stage.sweeps) sweeps") }
        #expect(s.notes.contains { $0.kind == .gapNotReached })
        HoldCertificate.expectCertified(p, s)
    }

    /// Two links, priority 0 splittable, priority 1 pinned to one link: the stage-1 optimum under
    /// the hold is known in closed form, so the bound is checked against the optimum itself.
    @Test func boundNeverExceedsTheOptimumUnderTheHold() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000)) { seed in
            var r = TestRandom(seed)
            var p = SolveProblem()
            let ca = r.uniform(5, 50), cb = r.uniform(5, 50)
            let a = p.addLink(name: "A", capacity: ca)
            let b = p.addLink(name: "B", capacity: cb)
            let v0 = r.uniform(1, 30), v1 = r.uniform(1, 30)
            p.addDemand(name: "gold", volume: v0, priority: 0, paths: [[a], [b]])
            p.addDemand(name: "bronze", volume: v1, priority: 1, paths: [[a]])
            for options in [sweepsOnly, SolveOptions()] {
                let s = MLUSolver.solve(p, options: options)
                guard s.stages.count == 2, let h = s.holdCaps[1].first else { continue }
                // Gold puts x on B (x ≤ h·cb, x ≤ v0; and on A v0 − x ≤ h·ca): minimize
                // max((v0 − x + v1)/ca, x/cb) over that interval.
                let xMax = min(v0, h * cb)
                let xMin = max(0, v0 - h * ca)
                let xBalance = (v0 + v1) * cb / (ca + cb)
                let x = min(max(xBalance, xMin), xMax)
                let optimum = max((v0 - x + v1) / ca, x / cb)
                // (Exact stages meet their rows to about 1e-9 of the volumes: a hair past the hold.)
                let slack = options.exactStageLimit == 0 ? 1e-9 : 1e-7
                #expect(s.stages[1].lowerBound <= optimum * (1 + slack))
                #expect(s.stages[1].mlu >= optimum * (1 - slack))
                HoldCertificate.expectCertified(p, s)
            }
        }
    }
}
