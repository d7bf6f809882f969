import Foundation
import Logging
import ServiceLifecycle
import Testing
import TECore
import TEPolicy
@testable import TEDaemon

/// A controller wired to memory inputs and a memory kernel, running in a service group.
struct Harness {
    let inputs = MemoryInputs()
    let kernel: MemoryKernel
    let metrics = DaemonMetrics()
    let health = HealthState()
    let log = CapturedLog()
    let reloads: AsyncStream<Void>
    let reload: AsyncStream<Void>.Continuation
    let group: ServiceGroup

    init(policy: LoadedPolicy, options: ControllerOptions = ControllerOptions(), kernel: MemoryKernel = MemoryKernel(),
         readPolicy: Controller.PolicyReader? = nil) {
        self.kernel = kernel
        (reloads, reload) = AsyncStream<Void>.makeStream()
        let controller: Controller
        let logger = log.logger()
        if let readPolicy {
            controller = Controller(policy: policy, options: options, inputs: inputs, programmer: kernel, metrics: metrics,
                                    health: health, reloadRequests: reloads, readPolicy: readPolicy, logger: logger)
        } else {
            controller = Controller(policy: policy, options: options, inputs: inputs, programmer: kernel, metrics: metrics,
                                    health: health, reloadRequests: reloads, logger: logger)
        }
        group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [controller], logger: logger))
    }

    /// Runs the controller while `body` runs, then stops it gracefully.
    func run(_ body: () async throws -> Void) async throws {
        try await group.running(body)
    }

    var route: String { "bulk 203.0.113.0/24" }
}

@Suite struct ControllerTests {
    @Test func firstReconcileProgramsThePlanAndMakesItReady() async throws {
        let h = Harness(policy: try loadTestPolicy())
        #expect(!h.health.isReady)
        try await h.run {
            #expect(await eventually { h.health.isReady })
            #expect(h.kernel.installed[h.route] == ["up1": 1, "up2": 1])
        }
        #expect(h.log.all.contains { $0.contains("routes left in place") })
        #expect(h.kernel.installed[h.route] != nil, "a graceful stop leaves routes in place")
    }

    @Test func carrierLossReprogramsAtOnceAndReturnRejoins() async throws {
        let h = Harness(policy: try loadTestPolicy())
        try await h.run {
            #expect(await eventually { h.health.isReady })
            let samplesBefore = h.inputs.sampleCount
            h.inputs.flap("eth1", carrier: false)
            #expect(await eventually { h.kernel.installed[h.route] == ["up2": 1] })
            // The event path re-planned from the event, without a full re-read (interval is 1h).
            #expect(h.inputs.sampleCount == samplesBefore)
            h.inputs.flap("eth1", carrier: true)
            #expect(await eventually { h.kernel.installed[h.route]?["up1"] != nil })
            let w = try #require(h.kernel.installed[h.route])
            let share = Double(w["up1"] ?? 0) / Double(w.values.reduce(0, +))
            #expect(share <= 0.25 + 1e-9, "a returning next-hop rejoins at max_step: \(w)")
        }
        let text = String(decoding: h.metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"tectl_events_total{kind="link"} 2"#))
        #expect(text.contains("tectl_event_to_programmed_seconds_count 2"))
        #expect(text.contains(#"tectl_damper_decisions_total{decision="failover"} 1"#))
    }

    @Test func restartAdoptsInstalledStateWithoutWriting() async throws {
        let kernel = MemoryKernel(installed: ["bulk 203.0.113.0/24": ["up1": 1, "up2": 1]])
        let h = Harness(policy: try loadTestPolicy(), kernel: kernel)
        try await h.run {
            #expect(await eventually { h.health.isReady })
        }
        #expect(kernel.reconciles >= 1)
        #expect(kernel.writes == 0)
    }

    @Test func restartWithSlightlyDifferentLoadKeepsInstalledWeights() async throws {
        let kernel = MemoryKernel(installed: ["bulk 203.0.113.0/24": ["up1": 1, "up2": 1]])
        let h = Harness(policy: try loadTestPolicy(), kernel: kernel)
        h.inputs.set("eth1", carrier: true, utilization: 0.05)
        try await h.run {
            #expect(await eventually { h.health.isReady })
        }
        #expect(kernel.writes == 0, "within hysteresis of what is installed")
    }

    @Test func dryRunChangesNothingAndLogsTheDiff() async throws {
        let h = Harness(policy: try loadTestPolicy(), options: ControllerOptions(dryRun: true))
        try await h.run {
            #expect(await eventually { h.health.isReady })
        }
        #expect(h.kernel.installed.isEmpty)
        #expect(h.kernel.writes == 0)
        #expect(h.log.all.contains { $0.contains("would change") && $0.contains("create bulk 203.0.113.0/24") })
    }

    @Test func flushOnExitRemovesWhatTectlOwns() async throws {
        let h = Harness(policy: try loadTestPolicy(), options: ControllerOptions(flushOnExit: true))
        try await h.run {
            #expect(await eventually { h.kernel.installed[h.route] != nil })
        }
        #expect(h.kernel.installed.isEmpty)
    }

    @Test func reconcileFailureIsCountedAndRetried() async throws {
        let kernel = MemoryKernel()
        kernel.state.withLock { $0.failNext = "RTM_NEWNEXTHOP id 1: Operation not permitted" }
        let h = Harness(policy: try loadTestPolicy(testPolicyYAML(interval: "20ms")), kernel: kernel)
        try await h.run {
            #expect(await eventually { h.health.isReady })
        }
        let text = String(decoding: h.metrics.exposition(), as: UTF8.self)
        #expect(text.contains("tectl_reconcile_errors_total 1"))
        #expect(h.log.all.contains { $0.contains("reconcile failed") && $0.contains("Operation not permitted") })
        #expect(kernel.installed[h.route] != nil)
    }

    /// The kernel refuses next-hops whose device lost carrier before the loop heard of it: the
    /// controller takes the devices' state read with the refusal, re-plans and retries once.
    @Test(arguments: [1, 2])
    func nextHopDevicesDownAreReplannedAndRetriedOncePerReconcile(refusals: Int) async throws {
        let kernel = MemoryKernel()
        let eth1Down = NextHopDevicesDown(
            links: [LinkSample(name: "eth1", ifindex: 2, operState: "lowerlayerdown", carrier: false)],
            refusal: MemoryKernelError(message: "RTM_NEWNEXTHOP id 1: Network is down (Carrier for nexthop device is down)")
        )
        kernel.state.withLock { $0.refusals = Array(repeating: eth1Down, count: refusals) }
        let h = Harness(policy: try loadTestPolicy(testPolicyYAML(interval: "20ms")), kernel: kernel)
        try await h.run {
            #expect(await eventually { h.health.isReady })
            // Later cycles read the inputs (eth1 still up there) but keep the newer link state.
            #expect(await eventually { h.inputs.sampleCount >= 4 })
        }
        #expect(kernel.installed[h.route] == ["up2": 1])
        let text = String(decoding: h.metrics.exposition(), as: UTF8.self)
        // One refusal: answered by the retry. Two: the retry is refused too (counted once), and
        // the next cycle plans without eth1.
        #expect(text.contains("tectl_reconcile_errors_total \(refusals - 1)"), "\(text)")
        #expect(h.log.all.filter { $0.contains("lost carrier before their link event") && $0.contains("eth1:lowerlayerdown,carrier=false") }.count == 1)
        #expect(h.log.all.filter { $0.contains("reconcile failed") }.count == refusals - 1)
    }

    @Test func reloadAppliesAGoodPolicyAndKeepsTheOldOnABadOne() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-reload-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("policy.yaml").path
        try testPolicyYAML().write(toFile: file, atomically: true, encoding: .utf8)
        let h = Harness(policy: try PolicyLoader.load(path: file))
        try await h.run {
            #expect(await eventually { h.health.isReady })
            // Bad: a typo in a key, on line 2.
            try testPolicyYAML().replacingOccurrences(of: "hysteresis:", with: "hysterisis:").write(toFile: file, atomically: true, encoding: .utf8)
            h.reload.yield()
            #expect(await eventually { h.log.all.contains { $0.contains("policy reload rejected") } })
            #expect(await eventually { h.log.all.contains { $0.contains("\(file):2:") && $0.contains("hysterisis") } })
            #expect(h.kernel.installed[h.route] == ["up1": 1, "up2": 1], "old policy still programmed")
            // Good: only up2 in the route now.
            try testPolicyYAML().replacingOccurrences(of: "nexthops: [up1, up2]", with: "nexthops: [up2]").write(toFile: file, atomically: true, encoding: .utf8)
            h.reload.yield()
            #expect(await eventually { h.kernel.installed[h.route] == ["up2": 1] })
        }
        let text = String(decoding: h.metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"tectl_policy_reloads_total{result="invalid"} 1"#))
        #expect(text.contains(#"tectl_policy_reloads_total{result="ok"} 1"#))
    }

    @Test func periodicCycleRereadsInputsAndDampsNoise() async throws {
        // 10 ms cycles, 1 s min_change_interval: noisy load may change the group at most once or twice.
        let h = Harness(policy: try loadTestPolicy(testPolicyYAML(interval: "10ms", minChange: "1s")))
        try await h.run {
            #expect(await eventually { h.health.isReady })
            let writesAfterStart = h.kernel.writes
            for i in 0..<40 {
                h.inputs.set("eth1", carrier: true, utilization: i.isMultiple(of: 2) ? 0.9 : 0.0)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(h.inputs.sampleCount >= 10)
            #expect(h.kernel.writes - writesAfterStart <= 2, "\(h.kernel.writes - writesAfterStart) writes in 0.4 s")
        }
    }
}

@Suite struct TriggerInboxTests {
    @Test func eventsCoalesceToTheLatestStatePerLink() async {
        let inbox = TriggerInbox()
        let t0 = ContinuousClock.now
        inbox.post(TimedEvent(.link(name: "eth1", operState: "down", carrier: false), receivedAt: t0))
        inbox.post(TimedEvent(.link(name: "eth1", operState: "up", carrier: true), receivedAt: t0 + .milliseconds(1)))
        inbox.post { $0.reload = true }
        let batch = await inbox.next()
        #expect(batch?.links["eth1"]?.event == .link(name: "eth1", operState: "up", carrier: true))
        #expect(batch?.firstEventAt == t0)
        #expect(batch?.reload == true)
        #expect(batch?.eventKinds.count == 2)
        inbox.finish()
        #expect(await inbox.next() == nil)
    }
}
