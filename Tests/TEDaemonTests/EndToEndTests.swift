import Foundation
import Testing
import TECore
import TELab
import TENetlink

/// End to end: the real `tectl run` process in a network namespace, the real kernel, real links
/// and real packets. Every wait is a bounded poll (generous limits for a loaded machine); no
/// assertion is about how fast something happened.
@Suite(.serialized, .enabled(if: isRoot, "needs root: creates network namespaces and runs tectl run in them"))
struct EndToEndTests {
    // MARK: 1. carrier flaps

    @Test func carrierLossLeavesOnlySurvivorsAndNoPacketOnTheDeadUplinkThenItRejoinsPaced() throws {
        let (lab, policy, daemon) = try DaemonLab.running(
            capacities: ["100M", "100M", "200M"],
            control: "interval: 1s, hysteresis: 0.05, min_change_interval: 0s, max_step: 0.1",
            name: "flap"
        )
        defer { daemon.kill() }
        let g1 = DaemonLab.gateway(1), g2 = DaemonLab.gateway(2), g3 = DaemonLab.gateway(3)
        let initial = try #require(try lab.waitForWeights { $0.count == 3 })
        #expect(abs(DaemonLab.share(1, initial) - 0.25) < 0.02)
        #expect(lab.waitForStatusMatch(policy: policy))
        let u1 = try #require(try lab.kernel().nexthops.values.first { $0.gateway?.description == g1 })

        // Pull the cable: the router side of uplink 1 goes down (up1 loses carrier).
        try lab.router.ip("link", "set", "rt1", "down")
        let survivors = try lab.waitForWeights { Set($0.keys) == [g2, g3] }
        #expect(survivors != nil, "the group never shrank to the survivors")
        // The group is the plan for the survivors (re-planned, not only shrunk by the kernel).
        #expect(lab.waitForStatusMatch(policy: policy), "after the loss the kernel does not match the plan; log:\n\(daemon.log)")
        let afterLoss = try #require(try lab.weights())
        #expect(Set(afterLoss.keys) == [g2, g3])
        #expect(abs(DaemonLab.share(3, afterLoss) - 2.0 / 3) < 0.02)

        // Flows sent now: every datagram reaches the router's UDP layer (uplink 1 is down there,
        // so through the survivors; a datagram routed to up1 would be dropped and missing), and
        // both survivors carry some.
        let udpBefore = try lab.routerUDPDatagrams()
        let rx = try (2...3).map { try lab.router.counter("rt\($0)", "rx_packets") }
        let tx1 = try lab.host.counter("up1", "tx_packets")
        let address = try #require(IPAddress("203.0.113.1"))
        let sent = try lab.host.perform { try TrafficSpray.udp(to: address, addresses: 64, ports: 32, dscp: 10, count: 4096) }
        #expect(sent == 4096)
        let arrived = try #require(try poll(timeout: .seconds(5)) { () -> Int? in
            let n = try lab.routerUDPDatagrams() - udpBefore
            return n >= sent ? n : nil
        } ?? lab.routerUDPDatagrams() - udpBefore)
        #expect(arrived == sent, "\(sent) datagrams sent, \(arrived) reached the router: some went to the dead uplink")
        let delivered = try zip((2...3).map { try lab.router.counter("rt\($0)", "rx_packets") }, rx).map { $0 - $1 }
        #expect(delivered.allSatisfy { $0 > 0 }, "flows not spread over both survivors: \(delivered)")
        #expect(try lab.host.counter("up1", "tx_packets") == tx1, "packets transmitted on the dead uplink")

        // Plug it back: the next-hop is re-created (same id) and rejoins at max_step, then ramps
        // every control.interval to its planned share.
        try lab.router.ip("link", "set", "rt1", "up")
        let rejoined = try #require(try lab.waitForWeights { $0[g1] != nil }, "uplink 1 never rejoined; log:\n\(daemon.log)")
        #expect(DaemonLab.share(1, rejoined) <= 0.1 + 0.01, "rejoined at \(rejoined), above max_step")
        #expect(try lab.kernel().nexthops[u1.id]?.gateway?.description == g1)
        let ramped = try lab.waitForWeights { abs(DaemonLab.share(1, $0) - 0.25) < 0.02 && $0.count == 3 }
        #expect(ramped != nil, "uplink 1 never ramped back to 25%; log:\n\(daemon.log)")
        #expect(lab.waitForStatusMatch(policy: policy))
        #expect(daemon.log.contains("\"decision\":\"rejoin"), "no rejoin decision logged")
        #expect(daemon.isRunning)
    }

    // MARK: 2. 1,000 flaps, no leak

    @Test func aThousandFlapsLeaveTheSameKernelObjects() throws {
        let (lab, policy, daemon) = try DaemonLab.running(
            capacities: ["100M", "100M"],
            control: "interval: 500ms, hysteresis: 0.05, min_change_interval: 0s, max_step: 0.5",
            name: "leak"
        )
        defer { daemon.kill() }
        #expect(lab.waitForStatusMatch(policy: policy))
        let before = try lab.kernel()
        let owned = before.owned(by: 250)
        #expect(owned.nexthops.count == 2 && owned.groups.count == 1 && owned.routes.count == 1 && owned.rules.count == 1)
        func linkEvents() -> Double {
            lab.http("/metrics").flatMap { DaemonLab.metric($0.body, "tectl_events_total", ["kind": "link"]) } ?? 0
        }
        let eventsBefore = linkEvents()

        // 1,000 flaps of uplink 1's peer, in 10 bursts of 100 (one `ip -batch` each).
        let burst = String(repeating: "link set rt1 down\nlink set rt1 up\n", count: 100)
        for _ in 0..<10 {
            try lab.router.ipBatch(burst)
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(lab.waitForStatusMatch(policy: policy), "after the flaps the kernel does not match the plan; log tail:\n\(daemon.log.suffix(3000))")
        let after = try #require(try poll(timeout: .seconds(20), every: .milliseconds(100)) { () -> KernelState? in
            let k = try lab.kernel()
            return k == before ? k : nil
        } ?? lab.kernel())
        #expect(after.owned(by: 250).nexthops.count == owned.nexthops.count)
        #expect(after.owned(by: 250).groups.count == owned.groups.count)
        #expect(after.owned(by: 250).routes.count == owned.routes.count)
        #expect(after.owned(by: 250).rules.count == owned.rules.count)
        #expect(after.nexthops.count == before.nexthops.count, "nexthops of any protocol")
        #expect(after == before, "kernel objects differ after 1,000 flaps")
        // The daemon saw the flaps (this is not a test of an idle daemon). It counts them when its
        // loop takes them in, which on a loaded machine may come after the kernel already
        // matches again (the flaps end where they began): wait for the count, up to 10 s.
        let eventsAfter = poll(timeout: .seconds(10), every: .milliseconds(100)) { () -> Double? in
            let n = linkEvents()
            return n > eventsBefore ? n : nil
        } ?? eventsBefore
        #expect(eventsAfter > eventsBefore, "no link event counted after 1,000 flaps; log tail:\n\(daemon.log.suffix(2000))")
        #expect(daemon.isRunning)
    }

    // MARK: 3. SIGHUP, SIGTERM, --flush-on-exit

    @Test func reloadsAGoodPolicyKeepsTheOldOnABadOneAndStopsAsAsked() throws {
        let lab = try DaemonLab(uplinks: 2)
        let control = "interval: 500ms, hysteresis: 0.05, min_change_interval: 0s, max_step: 1"
        let policy = try lab.write("p.yaml", DaemonLab.policy(capacities: ["100M", "100M"], control: control))
        let daemon = try lab.start(policy: policy, name: "hup")
        defer { daemon.kill() }
        #expect(try lab.waitForWeights { abs(DaemonLab.share(1, $0) - 0.5) < 0.02 } != nil)

        // A good policy: uplink 2 triples its capacity; after SIGHUP uplink 1 carries 25%.
        try lab.write("p.yaml", DaemonLab.policy(capacities: ["100M", "300M"], control: control))
        daemon.signal(SIGHUP)
        let reloaded = try lab.waitForWeights { abs(DaemonLab.share(1, $0) - 0.25) < 0.02 }
        #expect(reloaded != nil, "the reloaded policy never reached the kernel; log:\n\(daemon.log)")
        #expect(daemon.log.contains("policy reloaded"))

        // A bad one (a misspelled key on line 5): rejected with FILE:LINE:COL, old state kept.
        var bad = DaemonLab.policy(capacities: ["100M", "300M"], control: control).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        bad[4] = bad[4].replacingOccurrences(of: "capacity:", with: "capacty:")
        try lab.write("p.yaml", bad.joined(separator: "\n"))
        daemon.signal(SIGHUP)
        let rejected = poll(timeout: .seconds(20), every: .milliseconds(20)) { daemon.log.contains("policy reload rejected") ? true : nil }
        #expect(rejected == true, "no rejection logged; log:\n\(daemon.log)")
        let located = daemon.log.split(separator: "\n").first { $0.contains("\(policy):5:") && $0.contains("capacty") }
        #expect(located != nil, "no FILE:LINE:COL line for the bad key; log:\n\(daemon.log)")
        Thread.sleep(forTimeInterval: 1.5) // three control intervals with the old policy
        let kept = try #require(try lab.weights())
        #expect(abs(DaemonLab.share(1, kept) - 0.25) < 0.02, "the running policy changed: \(kept)")
        #expect(daemon.isRunning)

        // SIGTERM: a graceful stop that leaves the routes in place.
        let installed = try lab.kernel().owned(by: 250)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: .seconds(20)) == 0, "log:\n\(daemon.log)")
        #expect(try lab.kernel().owned(by: 250) == installed)
        #expect(daemon.log.contains("routes left in place"))

        // --flush-on-exit: the same stop removes everything tectl owns.
        try lab.write("p.yaml", DaemonLab.policy(capacities: ["100M", "300M"], control: control))
        let flushing = try lab.start(policy: policy, name: "flush", arguments: ["--flush-on-exit"])
        defer { flushing.kill() }
        flushing.signal(SIGTERM)
        #expect(flushing.waitForExit(timeout: .seconds(20)) == 0, "log:\n\(flushing.log)")
        let left = try lab.kernel().owned(by: 250)
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(!installed.isEmpty)
    }

    // MARK: 4. /metrics, /healthz, restart adoption

    @Test func metricsAndHealthzAnswerAndARestartAdoptsWithoutWriting() throws {
        let lab = try DaemonLab(uplinks: 2)
        let policy = try lab.write("p.yaml", DaemonLab.policy(
            capacities: ["100M", "300M"],
            control: "interval: 300ms, hysteresis: 0.05, min_change_interval: 0s, max_step: 0.25"
        ))
        let first = try lab.start(policy: policy, name: "first")
        defer { first.kill() }
        let weights = try #require(try lab.waitForWeights { $0.count == 2 })
        let scrape = try #require(lab.http("/metrics"))
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"]?.contains("version=0.0.4") == true)
        for (k, name) in [(1, "u1"), (2, "u2")] {
            let shown = DaemonLab.metric(scrape.body, "tectl_nexthop_weight", ["nexthop": name])
            #expect(shown == weights[DaemonLab.gateway(k)].map(Double.init), "\(name): metrics \(String(describing: shown)), kernel \(weights)")
            #expect(DaemonLab.metric(scrape.body, "tectl_nexthop_up", ["nexthop": name]) == 1)
        }
        #expect((DaemonLab.metric(scrape.body, "tectl_reconciles_total") ?? 0) >= 1)
        #expect((DaemonLab.metric(scrape.body, "tectl_kernel_changes_total") ?? 0) >= 4, "the first process installed the state")

        first.signal(SIGTERM)
        #expect(first.waitForExit(timeout: .seconds(20)) == 0)
        let installed = try lab.kernel()

        // The second process adopts: several reconciles, not one kernel write.
        let second = try lab.start(policy: policy, name: "second")
        defer { second.kill() }
        let cycles = poll(timeout: .seconds(20), every: .milliseconds(100)) { () -> String? in
            guard let body = lab.http("/metrics")?.body, (DaemonLab.metric(body, "tectl_reconciles_total") ?? 0) >= 4 else { return nil }
            return body
        }
        let body = try #require(cycles, "the second process did not reconcile 4 times; log:\n\(second.log)")
        #expect(DaemonLab.metric(body, "tectl_kernel_changes_total") == 0, "the restart rewrote the kernel; log:\n\(second.log)")
        #expect(DaemonLab.metric(body, "tectl_reconcile_errors_total") == 0)
        #expect(try lab.kernel() == installed)
        #expect(second.log.contains("\"changes\":\"0\""))
        #expect(!second.log.contains("\"msg\":\"changed\""))
        // It damps from the installed weights instead of applying a first plan as is.
        #expect(first.log.contains("\"decision\":\"initial\""))
        #expect(second.log.contains("\"msg\":\"adopted installed groups\",\"routes\":\"1\""), "log:\n\(second.log)")
        #expect(!second.log.contains("\"decision\":\"initial\""), "log:\n\(second.log)")
    }

    // MARK: 5. adaptation with real traffic

    @Test func unsteeredLoadMovesWeightAwayAndBack() throws {
        // 2 Mbit/s uplinks: 60% is ~2,600 small datagrams a second, cheap on a loaded machine.
        let (lab, _, daemon) = try DaemonLab.running(
            capacities: ["2M", "2M"],
            control: "interval: 250ms, hysteresis: 0.05, min_change_interval: 500ms, max_step: 0.25, utilization_half_life: 500ms",
            name: "adapt"
        )
        defer { daemon.kill() }
        let balanced = try #require(try lab.waitForWeights { abs(DaemonLab.share(1, $0) - 0.5) < 0.02 })
        #expect(balanced.count == 2)

        // 60% of 2 Mbit/s on uplink 1, as 58-byte frames (14 + 20 + 8 + 16 bytes of payload).
        let load = UnsteeredLoad(lab: lab, uplink: 1, packetsPerSecond: 0.6 * 2e6 / (8 * 58))
        defer { load.stop() }
        let shifted = try lab.waitForWeights(timeout: .seconds(30)) { DaemonLab.share(1, $0) < 0.4 }
        let loadedMetrics = lab.http("/metrics")?.body ?? ""
        load.stop()
        #expect(load.sent > 1000, "the load generator sent \(load.sent) datagrams")
        #expect(shifted != nil, "weights never moved away from the loaded uplink; log:\n\(daemon.log.suffix(4000))")
        if let shifted { #expect(DaemonLab.share(2, shifted) > 0.6) }
        let utilization = DaemonLab.metric(loadedMetrics, "tectl_nexthop_utilization_ratio", ["nexthop": "u1"]) ?? 0
        #expect(utilization > 0.3, "utilization of u1 seen: \(utilization)")

        // The load stops: the weights come back.
        let back = try lab.waitForWeights(timeout: .seconds(30)) { abs(DaemonLab.share(1, $0) - 0.5) < 0.05 }
        #expect(back != nil, "weights never came back; log:\n\(daemon.log.suffix(4000))")
        #expect(daemon.isRunning)
    }
}

struct EndToEndFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
