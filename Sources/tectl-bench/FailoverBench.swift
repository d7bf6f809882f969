import ArgumentParser
import Foundation
import Logging
import Synchronization
import TECore
import TEDaemon
import TELab
import TENetlink
import TEPolicy

/// Failover latency of the controller against the real kernel: a lab (host namespace with
/// uplinks to a router namespace), `tectl run`'s controller in the host namespace, and ≥ 100
/// carrier flaps of uplink 1 (its router-side peer set down and up). Per flap it records the time
/// from the link event reaching tectl to the end of the reconcile that answered it: on loss, the
/// group re-planned over the survivors; on return, the next-hop re-created with the planned
/// (damped: first rejoin step) weights.
struct FailoverBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Failover and rejoin latency of the controller over carrier flaps in a namespace lab (root)."
    )

    @Option(name: .long, help: "Number of flaps (down + up).")
    var flaps = 100

    @Option(name: .long, help: "Uplinks in the lab.")
    var uplinks = 2

    @Option(name: .long, help: "Policy max_step for the run (1 = a returning next-hop gets its full planned share at once).")
    var maxStep = 0.25

    @Option(name: .long, help: .hidden)
    var inside: String?

    @Option(name: .long, help: .hidden)
    var routerNamespace: String?

    func validate() throws {
        if flaps < 1 { throw ValidationError("--flaps must be positive") }
        if !(2...LabTopology.maxUplinks).contains(uplinks) { throw ValidationError("--uplinks must be 2...\(LabTopology.maxUplinks)") }
        if !(maxStep > 0 && maxStep <= 1) { throw ValidationError("--max-step must be in (0, 1]") }
    }

    func run() async throws {
        if let policyPath = inside, let router = routerNamespace {
            try await measure(policyPath: policyPath, router: router)
            return
        }
        guard getuid() == 0 else {
            print("failover: skipped: needs root (creates network namespaces)")
            throw ExitCode(2)
        }
        let lab = LabTopology(uplinks: uplinks, prefix: Lab.uniqueName(prefix: "tectl-b"))
        try lab.up()
        defer { lab.down() }
        let policyPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(lab.prefix).yaml").path
        defer { try? FileManager.default.removeItem(atPath: policyPath) }
        let yaml = lab.policyYAML().replacingOccurrences(of: "max_step: 0.25", with: "max_step: \(maxStep)")
        try yaml.write(toFile: policyPath, atomically: true, encoding: .utf8)
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        // The controller must live in the host namespace: run this benchmark again inside it.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        child.arguments = ["netns", "exec", lab.hostNamespace, me, "failover", "--flaps", "\(flaps)", "--uplinks", "\(uplinks)",
                           "--max-step", "\(maxStep)", "--inside", policyPath, "--router-namespace", lab.routerNamespace]
        try child.run()
        child.waitUntilExit()
        if child.terminationStatus != 0 { throw ExitCode(child.terminationStatus) }
    }

    private func measure(policyPath: String, router: String) async throws {
        let loaded = try PolicyLoader.load(path: policyPath)
        var logger = Logger(label: "tectl-bench") { label in LineLogHandler(label: label, format: .text, level: .warning) }
        logger.logLevel = .warning
        let observations = AsyncStream<CycleObservation>.makeStream(bufferingPolicy: .unbounded)
        let programmer = try KernelProgrammer(ownership: loaded.policy.ownership, logger: logger)
        let inputs = try await TelemetryInputSource(logger: logger)
        defer { inputs.stop() }
        let (reloads, _) = AsyncStream<Void>.makeStream()
        let controller = Controller(
            policy: loaded,
            options: ControllerOptions(maxGroupWeight: programmer.maxGroupWeight, observer: { observations.continuation.yield($0) }),
            inputs: inputs, programmer: programmer, engine: HeadroomPlanEngine(maxGroupWeight: programmer.maxGroupWeight),
            metrics: DaemonMetrics(), health: HealthState(), reloadRequests: reloads, logger: logger
        )
        let running = Task { try await controller.run() }
        var iterator = observations.stream.makeAsyncIterator()

        /// The next observation whose decisions satisfy `want`, within 3 s. A periodic reconcile
        /// can answer a loss before its link event arrives (the kernel refused the dead nexthop,
        /// the controller re-read the link and retried): then `eventToProgrammed` is nil.
        func next(_ want: (Damper.Decision) -> Bool) async throws -> CycleObservation {
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline {
                guard let o = await iterator.next() else { break }
                if o.decisions.contains(where: want) { return o }
            }
            throw ValidationError("no reconcile answered the flap within 3 s")
        }

        // The first reconcile programs the lab's groups.
        guard await iterator.next() != nil else { throw ValidationError("the controller stopped before its first reconcile") }
        var loss: [Double] = []
        var back: [Double] = []
        var returnShare: [Double] = []
        var lossBeforeEvent = 0
        let dev = "rt1"
        for _ in 0..<flaps {
            try Lab.command(["ip", "-n", router, "link", "set", dev, "down"])
            let down = try await next { if case .failover = $0 { true } else { false } }
            if let t = down.eventToProgrammed { loss.append(t.seconds * 1000) } else { lossBeforeEvent += 1 }
            try Lab.command(["ip", "-n", router, "link", "set", dev, "up"])
            let up = try await next { if case .rejoin = $0 { true } else { false } }
            if let t = up.eventToProgrammed { back.append(t.seconds * 1000) }
            if let hop = up.plan.routes.first?.nexthops.first { returnShare.append(hop.share) }
        }
        running.cancel()
        _ = try? await running.value

        func pct(_ xs: [Double], _ p: Double) -> Double {
            let s = xs.sorted()
            return s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))]
        }
        func fmt(_ v: Double) -> String { String(format: "%.3f", v) }
        print("failover: \(flaps) flaps of uplink 1 of \(uplinks), from the link event reaching tectl to the reconcile's end (ms)")
        print("  loss   (group re-planned over the survivors): p50 \(fmt(pct(loss, 0.5)))  p99 \(fmt(pct(loss, 0.99)))  max \(fmt(loss.max() ?? .nan))   target p99 < 5")
        print("  return (next-hop re-created, planned weights): p50 \(fmt(pct(back, 0.5)))  p99 \(fmt(pct(back, 0.99)))  max \(fmt(back.max() ?? .nan))   target p99 < 10")
        if lossBeforeEvent > 0 {
            print("  \(lossBeforeEvent) loss(es) re-planned by a periodic reconcile before the link event reached tectl (not in the loss figures)")
        }
        print("  returning share at rejoin: \(fmt(returnShare.first ?? .nan)) (max_step \(maxStep); it ramps by max_step per control.interval)")
    }
}
