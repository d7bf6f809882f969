import Foundation
import Testing
@testable import TECore

/// The host model behind `tectl plan`: next-hops as paths through uplinks and GPU pools.
@Suite struct HostModelTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    func policy(prefer: Preference = .gpuHeadroom, demand: Bandwidth? = nil, second: String = "eth2") -> Policy {
        Policy(
            nexthops: [
                NextHop(name: "busy", via: IPAddress("198.51.100.1")!, dev: "eth1", capacity: .gbps(100), gpu: GPUBinding(feed: "dcgm", host: "node-1")),
                NextHop(name: "idle", via: IPAddress("198.51.100.5")!, dev: second, capacity: .gbps(100), gpu: GPUBinding(feed: "dcgm", host: "node-2")),
            ],
            classes: [TrafficClass(name: "inference", priority: 0, dscp: [34], table: 110, prefer: prefer, demand: demand)],
            routes: [RouteEntry(prefixes: [IPPrefix("203.0.113.0/24")!], className: "inference", nexthops: ["busy", "idle"])],
            feeds: [Feed(name: "dcgm", kind: .prometheusText, url: "http://127.0.0.1:9400/metrics")]
        )
    }

    func snapshot(util1: Double = 0, util2: Double = 0, gpu1: Double? = 0.9, gpu2: Double? = 0.1, feed: FeedStatus.State = .ok, up2: Bool = true, up1: Bool = true) -> Snapshot {
        var gpus: [GPUSample] = []
        if let gpu1 { gpus.append(GPUSample(feed: "dcgm", host: "node-1", utilization: gpu1, gpus: 8)) }
        if let gpu2 { gpus.append(GPUSample(feed: "dcgm", host: "node-2", utilization: gpu2, gpus: 8)) }
        return Snapshot(
            timestamp: Self.time,
            links: [
                LinkSample(name: "eth1", ifindex: 2, operState: up1 ? "up" : "down", carrier: up1, speedMbps: 100_000, txUtilization: util1),
                LinkSample(name: "eth2", ifindex: 3, operState: up2 ? "up" : "down", carrier: up2, speedMbps: 100_000, txUtilization: util2),
            ],
            gpus: gpus,
            feeds: [FeedStatus(name: "dcgm", state: feed, ageSeconds: feed == .ok ? 2 : 40)]
        )
    }

    func hops(_ plan: Plan) -> (busy: PlannedNextHop, idle: PlannedNextHop) {
        (plan.routes[0].nexthops[0], plan.routes[0].nexthops[1])
    }

    @Test func idleGPUsGetSeveralTimesTheWeight() {
        let plan = Planner(policy: policy()).plan(snapshot: snapshot())
        let (busy, idle) = hops(plan)
        // Headroom 10% vs 90% of equal pools: shares 1 : 9.
        #expect(busy.weight > 0)
        #expect(Double(idle.weight) / Double(busy.weight) >= 8.5)
        #expect(abs(idle.idealShare / busy.idealShare - 9) < 0.05)
        #expect(busy.limitedBy == "gpu node-1")
        #expect(plan.routes[0].demandBasis == "headroom")
    }

    @Test func staleFeedFallsBackToLinksOnly() {
        let plan = Planner(policy: policy()).plan(snapshot: snapshot(feed: .stale))
        let (busy, idle) = hops(plan)
        #expect(busy.weight == idle.weight && busy.weight > 0)
        #expect(busy.gpuUtilization == nil)
        #expect(plan.warnings.contains { $0.contains("feed dcgm: stale") })
    }

    @Test func missingGPUValueLeavesOnlyThatInputOut() {
        let plan = Planner(policy: policy()).plan(snapshot: snapshot(util1: 0.5, gpu1: nil, gpu2: nil))
        let (busy, idle) = hops(plan)
        // No GPU values: link congestion alone decides (headroom 50% vs 100%).
        #expect(busy.weight > 0 && idle.weight > busy.weight)
        #expect(abs(idle.idealShare / busy.idealShare - 2) < 0.02)
        #expect(plan.warnings.contains { $0.contains("GPU utilization of node-1") })
    }

    @Test func loadedUplinkGetsLessWeight() {
        let plan = Planner(policy: policy(prefer: .capacity)).plan(snapshot: snapshot(util1: 0.8, util2: 0.2))
        let (busy, idle) = hops(plan)
        #expect(busy.weight > 0 && idle.weight > busy.weight)
        #expect(abs(idle.idealShare / busy.idealShare - 4) < 0.04)
        #expect(busy.loadBitsPerSecond == 80e9)
    }

    @Test func knownDemandGoesWhereItKeepsTheMLULowest() {
        // 10G on 100G uplinks at 50% and 0%: the idle one takes all of it (MLU stays at 50%).
        let plan = Planner(policy: policy(prefer: .capacity, demand: .gbps(10))).plan(snapshot: snapshot(util1: 0.5))
        let (busy, idle) = hops(plan)
        #expect(busy.weight == 0 && idle.weight > 0)
        #expect(plan.routes[0].demandBasis == "policy")
        #expect(abs((idle.predictedUtilization ?? 0) - 0.1) < 0.01)
    }

    @Test func downNextHopGetsWeightZero() {
        let plan = Planner(policy: policy()).plan(snapshot: snapshot(up2: false))
        let (busy, idle) = hops(plan)
        #expect(idle.weight == 0 && idle.state == "no-carrier")
        #expect(busy.weight > 0)
        #expect(plan.routes[0].status == .planned)
    }

    @Test func allDownKeepsTheRoute() {
        let plan = Planner(policy: policy()).plan(snapshot: snapshot(up2: false, up1: false))
        #expect(plan.routes[0].status == .kept)
        #expect(plan.routes[0].nexthops.allSatisfy { $0.weight == 0 })
    }

    @Test func samePlanEveryTime() {
        let p = Planner(policy: policy())
        #expect(p.plan(snapshot: snapshot(util1: 0.3)) == p.plan(snapshot: snapshot(util1: 0.3)))
    }
}
