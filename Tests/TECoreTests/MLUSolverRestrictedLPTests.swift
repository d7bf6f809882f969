import PropertyBased
import TEInstances
import Testing
@testable import TECore

/// The restricted LP certificate (MLUSolver+RestrictedLP.swift): a stage that ends above its
/// target tries the LP over the links at the top of its rows, whose multipliers are a
/// certificate like any other.
@Suite struct MLUSolverRestrictedLPTests {
    /// A tight mesh: `links` links of random capacity, `demands` demands with 4 paths of 3 links
    /// each, one priority (or `priorities`), capacities about what the demands need.
    static func tightMesh(seed: Int, links: Int = 60, demands: Int = 240, priorities: Int = 1) -> SolveProblem {
        var r = TestRandom(seed)
        var p = SolveProblem()
        for e in 0..<links { p.addLink(name: "l\(e)", capacity: r.uniform(40, 60), load: r.int(4) == 0 ? r.uniform(0, 10) : 0) }
        for d in 0..<demands {
            var paths: [[Int]] = []
            while paths.count < 4 {
                var path: [Int] = []
                while path.count < 3 {
                    let e = r.int(links)
                    if !path.contains(e) { path.append(e) }
                }
                paths.append(path)
            }
            p.addDemand(name: "d\(d)", volume: r.uniform(1, 10), priority: r.int(priorities), paths: paths)
        }
        return p
    }

    /// Stopped after a few sweeps, short of balanced: the sweeps' own certificate is above the
    /// 0.2% asked, and the restricted LP (every link near the top of a mesh this small fits its
    /// limit) certifies the same flows to within it. Both are checked from (y, z) here. (Seed 2
    /// is left out: its flows after 4 sweeps are 0.203% above what the LP over every link bounds.)
    @Test func aStageStoppedEarlyIsCertifiedByTheLP() {
        for seed in [1, 3, 4] {
            let p = Self.tightMesh(seed: seed)
            let without = MLUSolver.solve(p, options: SolveOptions(gap: 0.002, maxSweepsPerStage: 4, restrictedLPLimit: 0))
            let with = MLUSolver.solve(p, options: SolveOptions(gap: 0.002, maxSweepsPerStage: 4))
            #expect(without.gap > 0.002, "seed \(seed): the sweeps alone certify \(without.gap)")
            #expect(without.notes.contains { $0.kind == .gapNotReached })
            // The same flows (the LP runs after the last sweep), a higher bound.
            #expect(with.split == without.split)
            #expect(with.lowerBound > without.lowerBound)
            #expect(with.gap <= 0.002, "seed \(seed): \(with.gap)")
            #expect(!with.notes.contains { $0.kind == .gapNotReached })
            HoldCertificate.expectCertified(p, with)
        }
    }

    /// With priorities (sweeps only: the exact stages would solve a mesh this small): priority 0
    /// (a third of the demands, on few links) stopped after 8 sweeps 1–3% above its bound is
    /// certified within its target (0.375% of the 0.5% asked) by the LP; every stage's (y, z)
    /// holds under its holds.
    @Test func heldStagesAreCertifiedByTheLP() {
        let options = SolveOptions(gap: 0.005, maxSweepsPerStage: 8, exactStageLimit: 0)
        var off = options
        off.restrictedLPLimit = 0
        for seed in [2, 4, 5] {
            let p = Self.tightMesh(seed: seed, priorities: 2)
            let without = MLUSolver.solve(p, options: off)
            let with = MLUSolver.solve(p, options: options)
            #expect(without.stages[0].gap > 0.01, "seed \(seed)")
            #expect(with.stages[0].gap <= 0.00375, "seed \(seed): \(with.stages[0].gap)")
            HoldCertificate.expectCertified(p, with)
        }
        for priorities in [2, 3] {
            for seed in 1...2 {
                let p = Self.tightMesh(seed: seed, priorities: priorities)
                // (cold: false, as in the property test below.)
                HoldCertificate.expectCertified(p, MLUSolver.solve(p, options: SolveOptions(gap: 0.002, maxSweepsPerStage: 4, exactStageLimit: 0)), cold: false)
            }
        }
    }

    /// A stage about to end above its target grows its LP past the limit, adding the link-rows
    /// that the LP's own flows overfill (`growRows`). Stopped after 4 sweeps with at most 24
    /// link-rows, the LP over the 24 nearest leaves these meshes above the 0.2% asked; grown up
    /// to 72 (12 at a time) it certifies the same flows within it.
    @Test func anLPThatFallsShortGrowsByTheRowsItsFlowsOverfill() {
        for seed in [1, 4, 10] {
            let p = Self.tightMesh(seed: seed)
            var fixed = SolveOptions(gap: 0.002, maxSweepsPerStage: 4, restrictedLPLimit: 24)
            fixed.restrictedLPGrowth = 1
            var grown = fixed
            grown.restrictedLPGrowth = 3
            let without = MLUSolver.solve(p, options: fixed)
            let with = MLUSolver.solve(p, options: grown)
            #expect(without.gap > 0.002, "seed \(seed): 24 link-rows certify \(without.gap)")
            #expect(with.split == without.split)
            #expect(with.gap <= 0.002, "seed \(seed): \(with.gap)")
            #expect(!with.notes.contains { $0.kind == .gapNotReached })
            HoldCertificate.expectCertified(p, with)
        }
    }

    /// The same with a held row: priority 1's stage, 8 sweeps, its LP over the held row's links
    /// near the hold and its own near the top. The held row's overfilled links join too (a
    /// move onto them would break priority 0's MLU), and the grown LP certifies the stage.
    @Test func aHeldStageGrowsItsLPByBothRows() {
        for (seed, limit) in [(3, 48), (7, 32), (8, 48)] {
            let p = Self.tightMesh(seed: seed, priorities: 2)
            var fixed = SolveOptions(gap: 0.005, maxSweepsPerStage: 8, exactStageLimit: 0, restrictedLPLimit: limit)
            fixed.restrictedLPGrowth = 1
            var grown = fixed
            grown.restrictedLPGrowth = 3
            let without = MLUSolver.solve(p, options: fixed)
            let with = MLUSolver.solve(p, options: grown)
            #expect(without.stages[1].gap > 0.005, "seed \(seed): \(without.stages[1].gap)")
            #expect(with.split == without.split)
            #expect(with.stages[1].gap <= 0.005, "seed \(seed): \(with.stages[1].gap)")
            HoldCertificate.expectCertified(p, with)
        }
    }

    /// A cold held stage stopped by its hold-pricing limit while its MLU still improves, where
    /// the grown LP then leaves it within twice its target, sweeps on to the MLU that LP's bound
    /// certifies (`SolveOptions.holdPricingSweeps`; wan-300-tight seed 86: stopped at a
    /// certified 1.39%, now 1.00%). The mesh stands in for a large problem: the bisection over
    /// virtual links, which takes such a stage of a small one, is off, and its pricing limit is
    /// 0 sweeps. (Found by scanning about 230 meshes of 2 and 3 priorities at gaps of
    /// 0.05–0.2%: the only one whose grown LP leaves it within twice the target.)
    @Test func aHeldStageAtItsPricingLimitSweepsOnToTheLPBound() {
        let p = Self.tightMesh(seed: 8, priorities: 3)
        var stop = SolveOptions(gap: 0.001, exactStageLimit: 0, restrictedLPLimit: 48)
        stop.holdPricingSweeps = 0
        stop.heldRefineLimit = 0
        stop.sweepsPastPricing = false
        var go = stop
        go.sweepsPastPricing = true
        let stopped = MLUSolver.solve(p, options: stop)
        let went = MLUSolver.solve(p, options: go)
        #expect(stopped.stages[2].gap > 0.001, "\(stopped.stages[2].gap)")
        #expect(stopped.notes.contains { $0.kind == .gapNotReached })
        #expect(went.stages.allSatisfy { $0.gap <= 0.001 }, "\(went.stages.map(\.gap))")
        #expect(!went.notes.contains { $0.kind == .gapNotReached })
        #expect(went.stages[2].sweeps > stopped.stages[2].sweeps)
        #expect(went.stages[2].mlu < stopped.stages[2].mlu)
        HoldCertificate.expectCertified(p, went)
    }

    /// The same for a warm last stage: stopped by its pricing limit above the asked gap, within
    /// twice its target of the grown LP's bound, it sweeps on instead of ending there, which
    /// sent the whole warm run back to a cold solve (wan-300-tight seed 273 after ±5%: 771
    /// sweeps, warm and then cold, 0.6× the cold solve's time; now 291, 1.3×). A mesh of 3
    /// priorities at a gap of 0.1% after every volume changed by up to ±5%: 244 sweeps (warm,
    /// then cold) → 85. Of 80 meshes of 2 and 3 priorities, three reach the limit so: seed 8
    /// takes 223 sweeps instead of 208 (kept warm instead of solved again cold), and seed 26's
    /// stage at the limit is an earlier one, which does not go on (its final gap is restated
    /// under the later rows; wan-300-tight seed 280's priority 1 went on for a second grown LP
    /// and the same gap, 0.56 → 1.13 s): 678 sweeps, warm and then cold, either way.
    @Test func aWarmHeldStageAtItsPricingLimitSweepsOnInsteadOfSolvingAgainCold() {
        for seed in [20] {
            let p = Self.tightMesh(seed: seed, priorities: 3)
            var go = SolveOptions(gap: 0.001, exactStageLimit: 0, restrictedLPLimit: 48)
            go.holdPricingSweeps = 0
            go.heldRefineLimit = 0
            var stop = go
            stop.sweepsPastPricing = false
            let first = MLUSolver.solve(p, options: go)
            #expect(first.worstStageGap <= 0.001)
            var changed = p
            var r = TestRandom(seed &+ 5)
            for d in 0..<changed.demandCount { changed.volume[d] *= r.uniform(0.95, 1.05) }
            let went = MLUSolver.solve(changed, options: go, warmStart: WarmStart(first))
            let stopped = MLUSolver.solve(changed, options: stop, warmStart: WarmStart(first))
            #expect(stopped.notes.contains { $0.kind == .warmStartDiscarded }, "seed \(seed)")
            #expect(!went.notes.contains { $0.kind == .warmStartDiscarded }, "seed \(seed)")
            #expect(went.stages.allSatisfy { $0.gap <= 0.001 }, "seed \(seed): \(went.stages.map(\.gap))")
            #expect(went.sweeps < stopped.sweeps, "seed \(seed): \(went.sweeps) sweeps, \(stopped.sweeps) stopped and solved again cold")
            HoldCertificate.expectCertified(changed, went, cold: false)
        }
    }

    /// A warm stage before the last, stuck under its forward caps within 3 targets of its bound,
    /// tries the LP over the links at the top before it drops the caps: `tectl-bench`'s
    /// wan-300-tight seed 329 after ±5%, where priority 1 of 3 stopped improving 1.40% above its
    /// bound. Without the LP it dropped the caps, reached 0.87%, and lifted the last row from 0.98
    /// to 1.48 against a bound of 0.94, and the last stage took 40 sweeps; with it, priority 1 is
    /// certified where it is and the whole re-solve takes about half the sweeps.
    @Test func aWarmStageTriesTheLPBeforeDroppingItsForwardCaps() {
        let spec = InstanceSpec(name: "wan-300-tight", topology: .wan(nodes: 300), demands: 6_000, paths: 4...8, tight: true, seed: 329)
        let p = InstanceGenerator.make(spec)
        let options = SolveOptions()
        var off = options
        off.warmLPBeforeDroppingCaps = false
        let first = MLUSolver.solve(p, options: options)
        let changed = InstanceGenerator.perturbed(p, by: 0.05, seed: 329 &+ 99)
        let run = SolverRun(problem: changed, options: options, warmStart: WarmStart(first))
        let with = run.solve(warmStart: WarmStart(first))
        let without = MLUSolver.solve(changed, options: off, warmStart: WarmStart(first))
        #expect(run.capsKeptByLP >= 1)
        #expect(with.sweeps * 3 < without.sweeps * 2, "\(with.sweeps) warm sweeps, \(without.sweeps) dropping the caps at once")
        for stage in with.stages { #expect(stage.gap <= 0.01 + 1e-12, "priority \(stage.priority): \(stage.gap)") }
        #expect(!with.notes.contains { $0.kind == .warmStartDiscarded })
        HoldCertificate.expectCertified(changed, with, cold: false)
    }

    /// A gap of 0 is never certified: the stage ends at its sweep limit (the LP's steps, a
    /// share of the target, must not run forever), with a valid certificate.
    @Test func aZeroGapEndsAtTheSweepLimit() {
        let p = Self.tightMesh(seed: 1)
        let s = MLUSolver.solve(p, options: SolveOptions(gap: 0, maxSweepsPerStage: 4))
        #expect(s.sweeps == 4)
        #expect(s.notes.contains { $0.kind == .gapNotReached })
        HoldCertificate.expectCertified(p, s)
    }

    /// `tectl-bench solve-random` seed 1063 (one priority, 60 links, 10 demands): the sweeps
    /// crawl, and without the LP they stop at the stall guard after 500 sweeps at a certified
    /// 1.37%. A crawl check tries the LP while the stage runs; from the bound it adopts, the
    /// sweeps stop as soon as the MLU comes within 1% of it, long before the stall guard.
    @Test func aCrawlingStageIsCertifiedWhileItRuns() throws {
        let text = """
            {"links": [
                {"name": "l0", "capacity": 1.0, "load": 0.0}, {"name": "l1", "capacity": 1.0, "load": 0.0}, {"name": "l2", "capacity": 6.538, "load": 0.0}, {"name": "l3", "capacity": 1.0, "load": 0.0},
                {"name": "l4", "capacity": 1.0, "load": 0.0}, {"name": "l5", "capacity": 1.0, "load": 0.0}, {"name": "l6", "capacity": 172.147, "load": 0.0}, {"name": "l7", "capacity": 1.0, "load": 0.0},
                {"name": "l8", "capacity": 1.0, "load": 0.0}, {"name": "l9", "capacity": 80.227, "load": 0.0}, {"name": "l10", "capacity": 79.623, "load": 0.0}, {"name": "l11", "capacity": 30.256, "load": 0.0},
                {"name": "l12", "capacity": 1.0, "load": 0.0}, {"name": "l13", "capacity": 81.414, "load": 4.076}, {"name": "l14", "capacity": 30.256, "load": 0.0}, {"name": "l15", "capacity": 6.538, "load": 0.0},
                {"name": "l16", "capacity": 1.0, "load": 0.0}, {"name": "l17", "capacity": 6.666, "load": 0.0}, {"name": "l18", "capacity": 1.0, "load": 0.0}, {"name": "l19", "capacity": 98.821, "load": 0.0},
                {"name": "l20", "capacity": 1.0, "load": 0.0}, {"name": "l21", "capacity": 1.0, "load": 0.0}, {"name": "l22", "capacity": 1.0, "load": 0.0}, {"name": "l23", "capacity": 1.0, "load": 0.381},
                {"name": "l24", "capacity": 1.0, "load": 0.494}, {"name": "l25", "capacity": 172.147, "load": 0.0}, {"name": "l26", "capacity": 6.666, "load": 1.147}, {"name": "l27", "capacity": 251.769, "load": 0.0},
                {"name": "l28", "capacity": 1.0, "load": 0.0}, {"name": "l29", "capacity": 1.0, "load": 0.0}, {"name": "l30", "capacity": 1.0, "load": 0.0}, {"name": "l31", "capacity": 6.666, "load": 0.0},
                {"name": "l32", "capacity": 1.0, "load": 0.0}, {"name": "l33", "capacity": 172.147, "load": 0.0}, {"name": "l34", "capacity": 98.821, "load": 0.0}, {"name": "l35", "capacity": 1.792, "load": 0.0},
                {"name": "l36", "capacity": 8.33, "load": 3.61}, {"name": "l37", "capacity": 1.0, "load": 0.163}, {"name": "l38", "capacity": 6.538, "load": 0.0}, {"name": "l39", "capacity": 4.586, "load": 0.0},
                {"name": "l40", "capacity": 1.0, "load": 0.0}, {"name": "l41", "capacity": 1.0, "load": 0.195}, {"name": "l42", "capacity": 1.0, "load": 0.0}, {"name": "l43", "capacity": 1.0, "load": 0.0},
                {"name": "l44", "capacity": 6.666, "load": 0.0}, {"name": "l45", "capacity": 1.0, "load": 0.0}, {"name": "l46", "capacity": 1.792, "load": 0.0}, {"name": "l47", "capacity": 8.458, "load": 0.0},
                {"name": "l48", "capacity": 1.0, "load": 0.205}, {"name": "l49", "capacity": 1.0, "load": 0.192}, {"name": "l50", "capacity": 6.538, "load": 2.584}, {"name": "l51", "capacity": 1.0, "load": 0.0},
                {"name": "l52", "capacity": 1.0, "load": 0.0}, {"name": "l53", "capacity": 1.0, "load": 0.111}, {"name": "l54", "capacity": 1.0, "load": 0.091}, {"name": "l55", "capacity": 1.0, "load": 0.0},
                {"name": "l56", "capacity": 1.0, "load": 0.0}, {"name": "l57", "capacity": 1.0, "load": 0.0}, {"name": "l58", "capacity": 172.147, "load": 0.0}, {"name": "l59", "capacity": 1.0, "load": 0.172}
            ],
            "demands": [
                {"name": "d0", "volume": 4.318, "priority": 0, "paths": [["l42"], ["l25", "l14", "l45", "l35"], ["l31", "l40"], ["l58", "l48", "l21", "l45"], ["l39"]]},
                {"name": "d1", "volume": 0.928, "priority": 0, "paths": [["l28", "l29", "l22"], ["l55", "l38", "l1", "l43", "l57"], ["l48", "l42", "l40", "l29", "l3"], ["l2", "l36", "l27"], ["l5", "l25", "l57", "l48", "l28"], ["l19", "l15", "l22", "l8", "l55"]]},
                {"name": "d2", "volume": 93.05, "priority": 0, "paths": [["l45", "l15", "l46"], ["l17", "l57", "l3", "l33", "l59"], ["l36", "l28", "l50", "l44", "l22"], ["l30", "l39"], ["l19", "l34"], ["l24", "l21"], ["l24", "l4", "l27", "l33", "l15"]]},
                {"name": "d3", "volume": 162.093, "priority": 0, "paths": [["l58", "l25", "l27", "l6", "l33"], ["l9", "l44", "l35", "l45", "l31"]]},
                {"name": "d4", "volume": 6.277, "priority": 0, "paths": [["l34", "l28"], ["l17", "l47", "l26", "l44", "l31"], ["l19", "l29", "l13", "l43", "l15"]]},
                {"name": "d5", "volume": 28.489, "priority": 0, "paths": [["l21", "l51"], ["l10", "l14", "l56", "l2", "l57"], ["l14", "l11"], ["l8", "l37", "l13", "l25", "l3"], ["l21"], ["l34"], ["l12", "l43"]]},
                {"name": "d6", "volume": 1.687, "priority": 0, "paths": [["l35", "l46", "l36", "l47", "l13"]]},
                {"name": "d7", "volume": 0.569, "priority": 0, "paths": [["l24"], ["l40", "l54", "l12", "l9"], ["l56", "l46", "l49"], ["l34", "l3"]]},
                {"name": "d8", "volume": 6.157, "priority": 0, "paths": [["l38", "l50", "l2", "l36", "l15"], ["l33", "l7", "l0", "l26", "l57"], ["l50", "l4", "l27", "l42"], ["l1", "l13"], ["l21", "l12", "l6"], ["l44", "l16", "l25", "l40"]]},
                {"name": "d9", "volume": 74.973, "priority": 0, "paths": [["l58", "l34", "l11"], ["l58", "l59", "l24", "l55"], ["l10", "l13", "l9", "l27"], ["l22", "l49"]]}
            ]}
            """
        let p = try SolveProblemParser.parse(Array(text.utf8))
        let without = MLUSolver.solve(p, options: SolveOptions(restrictedLPLimit: 0))
        let with = MLUSolver.solve(p)
        #expect(without.gap > 0.01, "the sweeps alone certify \(without.gap)")
        #expect(without.notes.contains { $0.kind == .gapNotReached })
        #expect(with.gap <= 0.01, "\(with.gap)")
        #expect(!with.notes.contains { $0.kind == .gapNotReached })
        // Certified during the run: fewer sweeps than the run that only stops at the stall.
        #expect(with.sweeps < without.sweeps, "\(with.sweeps) sweeps, \(without.sweeps) without the LP")
        HoldCertificate.expectCertified(p, with)
    }

    /// A warm stage that its restricted rounds leave above its target re-solves the LP over the
    /// link-rows that carried the previous certificate (`SolverRun.supportCertificate`), with
    /// the new volumes. Priority 0 of these three-priority meshes was certified cold by the LP
    /// after 34–464 sweeps; after every volume changed by up to ±5%, its warm stage crawls 19–202
    /// sweeps toward the old certificate's bound without that LP, and takes a few with it. The
    /// LP's budget is a share of the sweeps the previous answer's stage took: here a stand-in
    /// for an expensive stage (100,000; a mesh this small would not pay for an LP of its own
    /// size), and none at all where the warm start does not say (an answer from before
    /// `sweeps` was read back): the same answer as without the LP.
    @Test func aWarmStageReSolvesTheLPOverThePreviousCertificatesSupport() {
        var options = SolveOptions(gap: 0.005, exactStageLimit: 0)
        // (Priority 0 asked for 0.75 of the gap, as a cold run's earlier stages are: asked for
        // 0.95, as warm runs now ask, it certifies in 4–5 sweeps without the LP.)
        options.warmEarlierShare = 0.75
        // (Nor the LP before the forward caps go, which alone takes seed 2's stage 0 without the
        // support LP from 202 sweeps to 80: this test is about the support LP.)
        options.warmLPBeforeDroppingCaps = false
        var off = options
        off.warmSupportLP = false
        for seed in [1, 2, 7] {
            let p = Self.tightMesh(seed: seed, priorities: 3)
            let first = MLUSolver.solve(p, options: options)
            var r = TestRandom(seed &+ 5)
            var changed = p
            for d in 0..<changed.demandCount { changed.volume[d] *= r.uniform(0.95, 1.05) }
            var start = WarmStart(first)
            start.stageSweeps[0] = 100_000
            let with = MLUSolver.solve(changed, options: options, warmStart: start)
            let without = MLUSolver.solve(changed, options: off, warmStart: start)
            #expect(with.stages[0].sweeps * 3 <= without.stages[0].sweeps, "seed \(seed): \(with.stages[0].sweeps) sweeps with the LP, \(without.stages[0].sweeps) without")
            #expect(with.sweeps < without.sweeps)
            for stage in with.stages { #expect(stage.gap <= 0.005, "seed \(seed), priority \(stage.priority): \(stage.gap)") }
            #expect(!with.notes.contains { $0.kind == .warmStartDiscarded || $0.kind == .gapNotReached })
            HoldCertificate.expectCertified(changed, with, cold: false)
            // Without the previous stages' sweeps: no budget, no LP.
            var unknown = start
            unknown.stageSweeps = [:]
            #expect(MLUSolver.solve(changed, options: options, warmStart: unknown) == without)
        }
    }
}

@Suite struct MLUSolverRestrictedLPPropertyTests {
    /// On random instances stopped after a few sweeps: the certificate stays valid, and a
    /// single-priority answer keeps its flows and never loses bound to the LP. (Not the cold
    /// check that a bound is at least the plain bound of its own y: a held stage cut off by the
    /// sweep limit can miss that by a few parts in a million, with or without the LP.)
    @Test func restrictedCertificatesAreValid() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000)) { seed in
            let p = randomProblem(seed: seed)
            let options = SolveOptions(maxSweepsPerStage: 3, exactStageLimit: 0)
            let s = MLUSolver.solve(p, options: options)
            HoldCertificate.expectCertified(p, s, cold: false)
            guard s.stages.count == 1 else { return }
            var off = options
            off.restrictedLPLimit = 0
            let plain = MLUSolver.solve(p, options: off)
            #expect(s.split == plain.split, "seed \(seed)")
            #expect(s.lowerBound >= plain.lowerBound, "seed \(seed)")
        }
    }
}
