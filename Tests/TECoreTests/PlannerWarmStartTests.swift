import Foundation
import Testing
@testable import TECore

/// The daemon's periodic cycle re-solves warm (from the previous answer); it must plan what a
/// cold solve plans (the same ideal split within the solver's gap, the same group split within 1%).
@Suite struct PlannerWarmStartTests {
    let model = HostModelTests()

    /// A drifting sequence of inputs (fixed pseudo-random walk), with a next-hop lost and back.
    func inputs(_ n: Int) -> [Snapshot] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<n).map { i in
            model.snapshot(util1: 0.6 * next(), util2: 0.6 * next(), gpu1: next(), gpu2: next(), up2: !(10..<13).contains(i))
        }
    }

    @Test(arguments: [nil, Bandwidth.gbps(60)])
    func warmAndColdGiveTheSamePlan(demand: Bandwidth?) {
        let planner = Planner(policy: model.policy(demand: demand))
        var warm = PlannerWarmStart()
        for (i, snapshot) in inputs(40).enumerated() {
            let cold = planner.plan(snapshot: snapshot)
            let warmed = planner.plan(snapshot: snapshot, warm: &warm)
            // The same optimum within the solver's gap; the integer weights split the group alike
            // (the quantizer may write 16:5 for 29:9 when the ideal shares differ by 1e-4).
            let wTotal = Double(warmed.routes[0].nexthops.map(\.weight).reduce(0, +))
            let cTotal = Double(cold.routes[0].nexthops.map(\.weight).reduce(0, +))
            for (a, b) in zip(warmed.routes[0].nexthops, cold.routes[0].nexthops) {
                #expect(abs(a.idealShare - b.idealShare) < 1e-3, "cycle \(i): \(a.name) \(a.idealShare) vs \(b.idealShare)")
                #expect(abs(Double(a.weight) / wTotal - Double(b.weight) / cTotal) < 0.01, "cycle \(i): \(a.name) \(a.weight) vs \(b.weight)")
            }
        }
        // Every cycle was warm but three: the first, the one that lost a next-hop and the one it
        // came back in (the shape changed; only the last shape is remembered).
        #expect(warm.solves == 40)
        #expect(warm.warmSolves == 37)
    }
}
