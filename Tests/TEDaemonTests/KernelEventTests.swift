import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TECore
import TELab
import TEPolicy
@testable import TEDaemon

/// A namespace with two veth uplinks (their peers stay in the namespace) (eth1 198.51.100.2/30 → gateway .1, eth2 198.51.100.6/30
/// → gateway .5) and a controller on the real kernel in it: memory inputs (so that only the
/// test moves the plan), the kernel programmer, `control.interval: 1h` (so that only events can
/// explain a reconcile after the first).
final class KernelControllerLab: Sendable {
    let ns: NetworkNamespace
    let policy: LoadedPolicy

    init(policy yaml: String = testPolicyYAML()) throws {
        ns = try NetworkNamespace(prefix: "tectl-ev")
        try ns.ipBatch("""
            link add eth1 type veth peer name peer1
            link add eth2 type veth peer name peer2
            link set peer1 up
            link set peer2 up
            addr add 198.51.100.2/30 dev eth1
            addr add 198.51.100.6/30 dev eth2
            link set eth1 up
            link set eth2 up

            """)
        policy = try loadTestPolicy(yaml)
    }

    deinit { ns.delete() }

    /// A kernel programmer whose sockets belong to the namespace.
    func programmer(eventReceiveBuffer: Int = 0, eventReadPause: Duration = .zero) throws -> KernelProgrammer {
        let ownership = policy.policy.ownership
        return try ns.perform {
            try KernelProgrammer(ownership: ownership, logger: Logger(label: "test"), eventReceiveBuffer: eventReceiveBuffer, eventReadPause: eventReadPause)
        }
    }

    /// The route of the test policy in table 101, as `ip route` prints it ("" when absent).
    func route() throws -> String { try ns.ip("route", "show", "table", "101").trimmingCharacters(in: .whitespacesAndNewlines) }
    /// tectl's nexthop objects and groups, as `ip nexthop` prints them.
    func nexthops() throws -> [String] {
        try ns.ip("nexthop", "show").split(separator: "\n").map(String.init).filter { $0.contains("proto 250") || $0.contains("proto tectl") }
    }
    func groupLine() throws -> String? { try nexthops().first { $0.contains(" group ") } }
}

/// Runs a controller on `programmer` while `body` runs; collects its observations.
final class RunningController: Sendable {
    let inputs = MemoryInputs()
    let log = CapturedLog()
    let metrics = DaemonMetrics()
    let health = HealthState()
    private let seen = Mutex<[CycleObservation]>([])
    var observations: [CycleObservation] { seen.withLock { $0 } }

    func run(policy: LoadedPolicy, programmer: KernelProgrammer, _ body: @Sendable () async throws -> Void) async throws {
        let (reloads, _) = AsyncStream<Void>.makeStream()
        let controller = Controller(
            policy: policy,
            options: ControllerOptions(maxGroupWeight: programmer.maxGroupWeight, observer: { [self] o in self.seen.withLock { $0.append(o) } }),
            inputs: inputs, programmer: programmer, engine: HeadroomPlanEngine(maxGroupWeight: programmer.maxGroupWeight),
            metrics: metrics, health: health, reloadRequests: reloads, logger: log.logger()
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [controller], logger: log.logger()))
        try await group.running(body)
    }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: creates network namespaces"))
struct KernelEventTests {
    @Test func anOwnedObjectDeletedBySomeoneElseIsRestoredAtOnce() async throws {
        let lab = try KernelControllerLab()
        let programmer = try lab.programmer()
        let c = RunningController()
        try await c.run(policy: lab.policy, programmer: programmer) {
            #expect(await eventually { c.health.isReady })
            let installedRoute = try lab.route()
            let installedGroup = try lab.groupLine()
            #expect(installedRoute.contains("203.0.113.0/24"))
            #expect(installedGroup != nil)
            let afterFirst = c.observations.count

            // Someone deletes the route: it is back without a periodic cycle (interval 1h).
            try lab.ns.ip("route", "del", "203.0.113.0/24", "table", "101")
            #expect(await eventually(timeout: .seconds(3)) { (try? lab.route()) == installedRoute })
            // One reconcile answered it; the notifications of its own writes started none.
            try await Task.sleep(for: .milliseconds(200))
            #expect(c.observations.count == afterFirst + 1)
            #expect(c.observations.last?.changes ?? 0 >= 1)

            // Routes of other protocols are not ours: no reconcile.
            try lab.ns.ip("route", "add", "198.51.100.200/32", "via", "198.51.100.1", "table", "300", "proto", "static")
            try await Task.sleep(for: .milliseconds(200))
            #expect(c.observations.count == afterFirst + 1)

            // Someone deletes a member nexthop (the kernel shrinks the group): restored too.
            let member = try #require(lab.nexthops().first { !$0.contains(" group ") })
            let id = try #require(member.split(separator: " ").dropFirst().first.map(String.init))
            try lab.ns.ip("nexthop", "del", "id", id)
            #expect(await eventually(timeout: .seconds(3)) { (try? lab.groupLine()) == installedGroup })
            #expect(c.inputs.sampleCount == 1, "only events explain these reconciles")
            #expect(c.log.all.contains { $0.contains("owned objects changed by someone else") })

            // Our own writes do not trigger reconciles in a loop: the count settles. (Under load
            // the kernel's notifications of the one deletion can straddle a reconcile and start
            // one more, seen once with a benchmark running beside the tests; a loop never settles.)
            var settled = c.observations.count
            var quietSince = ContinuousClock.now
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline, ContinuousClock.now - quietSince < .milliseconds(300) {
                try await Task.sleep(for: .milliseconds(50))
                if c.observations.count != settled {
                    settled = c.observations.count
                    quietSince = ContinuousClock.now
                }
            }
            #expect(settled > afterFirst)
            #expect(settled <= afterFirst + 3)
            try await Task.sleep(for: .milliseconds(300))
            #expect(c.observations.count == settled)
            #expect(c.observations.dropFirst(afterFirst).allSatisfy { $0.eventToProgrammed != nil })
        }
    }

    @Test func lostEventsLeadToAFullRedumpThatRepairs() async throws {
        let lab = try KernelControllerLab()
        // A tiny event buffer and a slow reader: a burst overflows the event socket.
        let programmer = try lab.programmer(eventReceiveBuffer: 1, eventReadPause: .milliseconds(200))
        let c = RunningController()
        try await c.run(policy: lab.policy, programmer: programmer) {
            #expect(await eventually { c.health.isReady })
            let installedRoute = try lab.route()
            // 400 foreign routes, then our route deleted: its notification is behind the
            // overflow, so only the re-dump after the lost events can repair it.
            let noise = (0..<400).map { "route add 198.51.100.\(128 + $0 % 64)/32 via 198.51.100.1 table \(300 + $0 / 64)" }
            try lab.ns.ipBatch((noise + ["route del 203.0.113.0/24 table 101", ""]).joined(separator: "\n"))
            #expect(await eventually(timeout: .seconds(5)) { (try? lab.route()) == installedRoute })
            #expect(c.log.all.contains { $0.contains("kernel events lost") })
            #expect(c.log.all.contains { $0.contains("owned objects changed") } == false, "the repair came from the re-dump")
        }
    }

    /// The race of a periodic reconcile between a carrier loss and its link event, made
    /// certain: the memory inputs never report the loss, so every periodic cycle (200 ms) still
    /// believes eth1 has carrier after the kernel removed its nexthop. The kernel refuses to
    /// re-create it ("Carrier for nexthop device is down"); the controller reads eth1 again,
    /// re-plans without it and retries within the same reconcile.
    @Test func aNexthopRefusedForLostCarrierIsReplannedAndRetriedWithoutCountingAnError() async throws {
        let lab = try KernelControllerLab(policy: testPolicyYAML(interval: "200ms"))
        let programmer = try lab.programmer()
        let c = RunningController()
        try await c.run(policy: lab.policy, programmer: programmer) {
            #expect(await eventually { c.health.isReady })
            let samples = c.inputs.sampleCount
            try lab.ns.ip("link", "set", "peer1", "down")
            let retried = await eventually(timeout: .seconds(5)) { c.log.all.contains { $0.contains("lost carrier before their link event") } }
            #expect(retried, "\(c.log.all.joined(separator: "\n"))")
            // Periodic cycles go on with the stale inputs: eth1 stays out, nothing fails.
            #expect(await eventually(timeout: .seconds(5)) { c.inputs.sampleCount >= samples + 3 })
            let text = String(decoding: c.metrics.exposition(), as: UTF8.self)
            #expect(DaemonLab.metric(text, "tectl_reconcile_errors_total") == 0, "\(c.log.all.joined(separator: "\n"))")
            #expect(!c.log.all.contains { $0.contains("reconcile failed") })
            #expect(c.log.all.filter { $0.contains("lost carrier before their link event") && $0.contains("eth1:") }.count == 1)
            let last = try #require(c.observations.last)
            #expect(last.plan.routes.first?.nexthops.filter { $0.weight > 0 }.map(\.name) == ["up2"])
            #expect(last.decisions == [.unchanged], "later cycles keep the re-planned group")
            // The group is the plan for eth2 alone: not empty, no blackhole.
            let group = try #require(try lab.groupLine())
            let eth2 = try #require(try lab.nexthops().first { $0.contains("dev eth2") })
            #expect(group.contains("group \(eth2.split(separator: " ")[1])") && !group.contains("/"), "\(group); \(eth2)")
            let route = try lab.route()
            #expect(route.contains("203.0.113.0/24") && route.contains("nhid") && !route.contains("blackhole"), "route: \(route)")
        }
    }

    /// `control.event_settle` delays the report of changes the kernel made by itself: with
    /// compat mode (the default), an IPv6 route over a group whose only member lost carrier is
    /// removed by the kernel with a notification of port 0.
    @Test(arguments: [Duration.seconds(1), .zero])
    func kernelMadeChangesAreReportedAfterEventSettle(settle: Duration) async throws {
        let ns = try NetworkNamespace(prefix: "tectl-ev")
        try ns.ipBatch("""
            link add eth1 type veth peer name peer1
            link set eth1 up
            link set peer1 up
            addr add 2001:db8:0:1::2/64 dev eth1 nodad
            neigh replace 2001:db8:0:1::1 lladdr 02:00:00:00:01:01 dev eth1 nud permanent
            nexthop add id 2113929217 via 2001:db8:0:1::1 dev eth1 proto 250
            nexthop add id 2113961984 group 2113929217 proto 250
            route add 2001:db8:ff::/64 nhid 2113961984 proto 250

            """)
        let programmer = try ns.perform { try KernelProgrammer(ownership: Ownership(), logger: Logger(label: "test")) }
        var control = ControlSettings()
        control.eventSettle = settle
        programmer.configure(control: control)
        let events = try #require(programmer.events())
        let start = ContinuousClock.now
        try ns.ip("link", "set", "peer1", "down")
        let first = await withTaskGroup(of: TimedEvent?.self) { group in
            group.addTask { await events.first { _ in true } }
            group.addTask { try? await Task.sleep(for: .seconds(5)); return nil }
            let r = await group.next() ?? nil
            group.cancelAll()
            return r
        }
        let elapsed = ContinuousClock.now - start
        let event = try #require(first, "no owned-object event within 5 s")
        if case .ownedObjectChanged = event.event {} else { Issue.record("event \(event.event)") }
        if settle > .zero {
            #expect(elapsed >= settle, "reported after \(elapsed), before event_settle \(settle)")
        } else {
            #expect(elapsed < .seconds(1), "reported after \(elapsed) with event_settle 0")
        }
    }

    @Test func aRestartAdoptsTheInstalledWeightsAndWritesNothing() async throws {
        let lab = try KernelControllerLab()
        let first = RunningController()
        try await first.run(policy: lab.policy, programmer: try lab.programmer()) {
            #expect(await eventually { first.health.isReady })
        }
        let installed = try lab.groupLine()
        #expect(installed != nil)

        // Restart with slightly different load on eth1: the ideal split moves by less than the
        // hysteresis, so the installed weights stay (a cold damper would apply the new plan).
        let programmer = try lab.programmer()
        let adopted = try await programmer.installedWeights(policy: lab.policy.policy)
        #expect(adopted == ["bulk 203.0.113.0/24": ["up1": 1, "up2": 1]])
        let second = RunningController()
        second.inputs.set("eth1", carrier: true, utilization: 0.03)
        try await second.run(policy: lab.policy, programmer: programmer) {
            #expect(await eventually { second.health.isReady })
            let o = try #require(second.observations.first)
            #expect(o.changes == 0)
            #expect(o.decisions.count == 1)
            if case .withinHysteresis = o.decisions.first {} else { Issue.record("decision \(o.decisions), not within hysteresis") }
        }
        #expect(try lab.groupLine() == installed)
    }
}
