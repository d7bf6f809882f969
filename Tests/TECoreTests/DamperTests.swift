import Foundation
import PropertyBased
import TEInstances
import Testing
@testable import TECore

/// A policy of `n` equal 10G uplinks `up1…upN` on `eth1…ethN` and one route over all of them.
private func policy(uplinks n: Int) -> Policy {
    let hops = (1...n).map { i in
        NextHop(name: "up\(i)", via: IPAddress("198.51.100.\(4 * i - 3)")!, dev: "eth\(i)", capacity: .gbps(10))
    }
    return Policy(
        nexthops: hops,
        classes: [TrafficClass(name: "bulk", priority: 0, dscp: [], table: 101)],
        routes: [RouteEntry(prefixes: [IPPrefix("203.0.113.0/24")!], className: "bulk", nexthops: hops.map(\.name))]
    )
}

/// Plans with per-uplink utilization and carrier.
private func plan(_ policy: Policy, utilization: [Double], carrier: [Bool]? = nil) -> Plan {
    let links = utilization.enumerated().map { i, u in
        LinkSample(name: "eth\(i + 1)", ifindex: Int32(i + 2), operState: (carrier?[i] ?? true) ? "up" : "lowerlayerdown", carrier: carrier?[i] ?? true, txUtilization: u)
    }
    return Planner(policy: policy).plan(snapshot: Snapshot(timestamp: Date(timeIntervalSince1970: 0), links: links))
}

private func shares(_ route: PlannedRoute) -> [Double] { route.nexthops.map(\.share) }

/// What integer weights (sum ≤ 256, smallest group that is nearly as good) may add to a share.
private let quantum = 0.01

private let settings = Damper.Settings(hysteresis: 0.05, minChangeInterval: .seconds(10), maxStep: 0.25, rampInterval: .seconds(1))

@Suite struct DamperTests {
    let t0 = ContinuousClock.now

    @Test func firstPlanPassesThrough() {
        var d = Damper(settings: settings)
        let p = plan(policy(uplinks: 2), utilization: [0.5, 0])
        let r = d.damp(p, now: t0)
        #expect(r.decisions == [.initial])
        #expect(r.plan.routes[0].nexthops.map(\.weight) == p.routes[0].nexthops.map(\.weight))
        #expect(r.changedRoutes == 1)
    }

    @Test func smallChangesAreIgnored() {
        let pol = policy(uplinks: 2)
        var d = Damper(settings: settings)
        let first = d.damp(plan(pol, utilization: [0.0, 0.0]), now: t0)
        // 0.06 more utilization on one side moves its ideal share by ~1.5%: below 5% hysteresis.
        let r = d.damp(plan(pol, utilization: [0.06, 0.0]), now: t0 + .seconds(60))
        guard case .withinHysteresis = r.decisions[0] else {
            Issue.record("expected within hysteresis, got \(r.decisions[0])")
            return
        }
        #expect(r.plan.routes[0].nexthops.map(\.weight) == first.plan.routes[0].nexthops.map(\.weight))
        #expect(r.changedRoutes == 0)
    }

    @Test func largeChangeWaitsForMinChangeIntervalThenStepsByAtMostMaxStep() {
        let pol = policy(uplinks: 2)
        var d = Damper(settings: settings)
        _ = d.damp(plan(pol, utilization: [0, 0]), now: t0)
        // up1 fully loaded by other traffic: the plan wants (almost) everything on up2.
        let loaded = plan(pol, utilization: [0.95, 0])
        let early = d.damp(loaded, now: t0 + .seconds(5))
        #expect(early.decisions == [.held])
        #expect(shares(early.plan.routes[0]) == [0.5, 0.5])

        let step = d.damp(loaded, now: t0 + .seconds(10))
        #expect(step.decisions == [.step])
        let s = shares(step.plan.routes[0])
        #expect(abs(s[0] - 0.25) < 0.01, "one step of max_step 0.25 from 0.5: \(s)")
        // The next step waits again.
        #expect(d.damp(loaded, now: t0 + .seconds(15)).decisions == [.held])
        let second = d.damp(loaded, now: t0 + .seconds(20))
        #expect(second.decisions == [.step])
        let target = loaded.routes[0].nexthops.map(\.weight)
        #expect(second.plan.routes[0].nexthops.map(\.weight) == target, "reached the plan")
    }

    @Test func failoverBypassesDampingAndRemovesTheDeadNextHop() {
        let pol = policy(uplinks: 3)
        var d = Damper(settings: settings)
        _ = d.damp(plan(pol, utilization: [0, 0, 0]), now: t0)
        let r = d.damp(plan(pol, utilization: [0, 0, 0], carrier: [true, false, true]), now: t0 + .milliseconds(1))
        #expect(r.decisions == [.failover(down: ["up2"])])
        #expect(r.plan.routes[0].nexthops.map(\.weight) == [1, 0, 1])
    }

    @Test func rejoinIsImmediateButPaced() {
        let pol = policy(uplinks: 2)
        var d = Damper(settings: settings)
        _ = d.damp(plan(pol, utilization: [0, 0]), now: t0)
        _ = d.damp(plan(pol, utilization: [0, 0], carrier: [false, true]), now: t0 + .seconds(1))
        let back = plan(pol, utilization: [0, 0])
        let r = d.damp(back, now: t0 + .seconds(2))
        #expect(r.decisions == [.rejoin(up: ["up1"])])
        #expect(abs(shares(r.plan.routes[0])[0] - 0.25) < 0.01, "first ramp step is max_step")
        // Not yet one ramp interval later: no change.
        #expect(d.damp(back, now: t0 + .milliseconds(2500)).changedRoutes == 0)
        let ramp = d.damp(back, now: t0 + .seconds(3))
        #expect(ramp.decisions == [.ramp])
        #expect(shares(ramp.plan.routes[0]) == [0.5, 0.5], "second step reaches the planned half")
        #expect(d.damp(back, now: t0 + .seconds(4)).decisions == [.unchanged])
    }

    @Test func allDownIsKeptAndRecoveryIsImmediate() {
        let pol = policy(uplinks: 2)
        var d = Damper(settings: settings)
        _ = d.damp(plan(pol, utilization: [0, 0]), now: t0)
        let kept = d.damp(plan(pol, utilization: [0, 0], carrier: [false, false]), now: t0 + .seconds(1))
        #expect(kept.decisions == [.kept])
        #expect(kept.plan.routes[0].status == .kept)
        let back = d.damp(plan(pol, utilization: [0, 0], carrier: [true, false]), now: t0 + .seconds(2))
        #expect(back.decisions == [.initial])
        #expect(back.plan.routes[0].nexthops.map(\.weight) == [1, 0])
    }

    @Test func seededStateIsAdoptedWithoutAChange() {
        let pol = policy(uplinks: 2)
        var d = Damper(settings: settings)
        d.seed(route: Damper.key(of: plan(pol, utilization: [0, 0]).routes[0]), weights: ["up1": 1, "up2": 1])
        let r = d.damp(plan(pol, utilization: [0.02, 0]), now: t0)
        #expect(r.changedRoutes == 0)
        #expect(r.plan.routes[0].nexthops.map(\.weight) == [1, 1])
    }

    @Test func capsMoveTheExcessToTheOthers() {
        let out = Damper.applyCaps(["a": 0.5, "b": 0.3, "c": 0.2], caps: ["a": 0.1])
        #expect(abs(out["a"]! - 0.1) < 1e-12)
        #expect(abs(out["b"]! - 0.54) < 1e-12)
        #expect(abs(out["c"]! - 0.36) < 1e-12)
        #expect(Damper.applyCaps(["a": 1], caps: ["a": 0.1]) == ["a": 1], "the only path is never capped")
    }
}

@Suite struct DamperPropertyTests {
    /// Noise around a fixed load that never moves the ideal split by hysteresis makes no change at all.
    @Test func noiseBelowHysteresisNeverChangesTheGroup() async {
        await propertyCheck(count: 8, input: Gen.int(in: 2...6), Gen.int(in: 0...Int(UInt32.max))) { n, seed in
            var rng = SplitMix64(seed: UInt64(seed))
            let pol = policy(uplinks: n)
            let base = (0..<n).map { _ in Double.random(in: 0...0.5, using: &rng) }
            var d = Damper(settings: settings)
            let t0 = ContinuousClock.now
            var changes = 0
            for cycle in 0..<100 {
                // ±1% utilization noise moves an ideal share by far less than 5%.
                let u = base.map { $0 + Double.random(in: -0.01...0.01, using: &rng) }
                changes += d.damp(plan(pol, utilization: u), now: t0 + .seconds(cycle)).changedRoutes
            }
            #expect(changes == 1, "only the initial programming; got \(changes)")
        }
    }

    /// Any telemetry noise, however large, changes a group at most once per min_change_interval,
    /// and each non-urgent change moves no share by more than max_step (plus the quantization error
    /// of the two integer groups).
    @Test func arbitraryNoiseIsRateLimitedAndStepLimited() async {
        await propertyCheck(count: 8, input: Gen.int(in: 2...6), Gen.int(in: 0...Int(UInt32.max))) { n, seed in
            var rng = SplitMix64(seed: UInt64(seed))
            let pol = policy(uplinks: n)
            var d = Damper(settings: settings)
            let t0 = ContinuousClock.now
            let cycles = 150
            var changes = 0
            var previous: [Double]?
            for cycle in 0..<cycles {
                let u = (0..<n).map { _ in Double.random(in: 0...0.95, using: &rng) }
                let r = d.damp(plan(pol, utilization: u), now: t0 + .seconds(cycle))
                changes += r.changedRoutes
                let s = shares(r.plan.routes[0])
                if let previous, r.decisions[0] == .step {
                    let moved = zip(previous, s).map { abs($0 - $1) }.max() ?? 0
                    // Both groups are integer weights: each share may sit a quantum off its
                    // damped ideal, so two quanta separate them at most.
                    #expect(moved <= settings.maxStep + 2 * quantum, "moved \(moved)")
                }
                previous = s
            }
            // 150 s at one change per 10 s, plus the initial one.
            #expect(changes <= cycles / 10 + 1, "\(changes) changes in \(cycles) cycles")
        }
    }

    /// Safety under random carrier flaps: a next-hop without carrier never has weight, the group
    /// is never empty while a next-hop is up, and a rejoining next-hop never exceeds its ramp cap.
    @Test func flapsNeverLeaveWeightOnADeadNextHop() async {
        await propertyCheck(count: 8, input: Gen.int(in: 2...5), Gen.int(in: 0...Int(UInt32.max))) { n, seed in
            var rng = SplitMix64(seed: UInt64(seed))
            let pol = policy(uplinks: n)
            var d = Damper(settings: settings)
            let t0 = ContinuousClock.now
            var carrier = [Bool](repeating: true, count: n)
            var previous = carrier
            for cycle in 0..<150 {
                if Double.random(in: 0...1, using: &rng) < 0.2 {
                    let i = Int.random(in: 0..<n, using: &rng)
                    carrier[i].toggle()
                }
                let u = (0..<n).map { _ in Double.random(in: 0...0.5, using: &rng) }
                let r = d.damp(plan(pol, utilization: u, carrier: carrier), now: t0 + .milliseconds(100 * cycle))
                let w = r.plan.routes[0].nexthops.map(\.weight)
                for i in 0..<n where !carrier[i] { #expect(w[i] == 0) }
                if carrier.contains(true) { #expect(w.reduce(0, +) > 0) }
                let upCount = carrier.filter { $0 }.count
                for i in 0..<n where carrier[i] && !previous[i] && previous.contains(true) && upCount > 1 {
                    #expect(shares(r.plan.routes[0])[i] <= settings.maxStep + quantum, "rejoin capped")
                }
                previous = carrier
            }
        }
    }
}
