import ArgumentParser
import Foundation
import TECore
import TELab
import TENetlink
import TEPolicy

/// Programs N routes in a namespace with tectl and with `ip -batch` doing the same, and times a
/// reweight with nexthop_compat_mode 1 and 0.
struct KernelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "tectl vs ip -batch: program N routes on one resilient group; reweight time (needs root).",
        discussion: """
            Each measurement runs in fresh network namespaces (two veth uplinks, IPv6 documentation \
            prefixes 2001:db8:X:Y::/64 in table 101). Both sides install the same objects: two nexthops, \
            one resilient group, N routes with nhid, one DSCP rule. `tectl run --once` is timed end to end \
            (process start, policy parse, feature probes, dump, diff, apply, verification dump); the \
            reconcile alone is timed in-process. The reweight replaces the group of N routes in place.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Route counts to measure.")
    var routes: [Int] = [10_000, 100_000]

    @Option(name: .long, help: "Routes behind the group for the reweight measurement (0: skip).")
    var reweightRoutes: Int = 100_000

    @Option(name: .long, help: "Repetitions of each measurement (the best is reported).")
    var repeats: Int = 3

    func validate() throws {
        guard getuid() == 0 else { throw ValidationError("needs root: creates network namespaces") }
        guard FileManager.default.isExecutableFile(atPath: Self.tectlPath) else {
            throw ValidationError("build tectl first: \(Self.tectlPath) is missing")
        }
    }

    /// The 1, 5 and 15 minute load averages (the figures mean little on a busy machine).
    static var loadAverage: String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    static var tectlPath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("tectl").path
    }

    func run() throws {
        print("kernel: \(try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)), tectl: \(Self.tectlPath)")
        print("load average before: \(Self.loadAverage)")
        defer { print("load average after: \(Self.loadAverage)") }
        print("routes      ip -batch  tectl run --once  ratio(end to end)    reconcile  ratio(reconcile)        apply  ratio(apply)   policy parse")
        var cpuLines: [String] = []
        for n in routes {
            var ipBest = Double.infinity, tectlBest = Double.infinity, reconcileBest = Double.infinity, parseBest = Double.infinity, applyBest = Double.infinity
            var ipCPU = Double.infinity, tectlCPU = Double.infinity
            for _ in 0..<repeats {
                let ip = try timeIPBatch(n)
                ipBest = min(ipBest, ip.wall)
                ipCPU = min(ipCPU, ip.cpu)
                let t = try timeTectl(n)
                tectlBest = min(tectlBest, t.cli)
                tectlCPU = min(tectlCPU, t.cliCPU)
                reconcileBest = min(reconcileBest, t.reconcile)
                parseBest = min(parseBest, t.parse)
                applyBest = min(applyBest, t.apply)
            }
            print(String(format: "%-8d %10.3f s %15.3f s %17.2f× %10.3f s %16.2f× %10.3f s %11.2f× %12.3f s", n, ipBest, tectlBest, ipBest / tectlBest, reconcileBest, ipBest / reconcileBest, applyBest, ipBest / applyBest, parseBest))
            cpuLines.append(String(format: "%-8d %10.3f s %15.3f s %17.2f×", n, ipCPU, tectlCPU, ipCPU / tectlCPU))
        }
        // CPU time (user + system, the process and its children) depends far less on what else
        // runs on the machine than wall-clock time does.
        print("routes  ip -batch cpu  tectl run --once cpu  ratio(cpu)")
        for line in cpuLines { print(line) }
        print("ratio = ip -batch time / tectl time (> 1: tectl is faster). end to end = the tectl process: start, policy parse, feature probes, plan, dump, diff, apply, verification, report; reconcile = dump+diff+apply+verify in-process; apply = sending the requests and reading every ack; policy parse = PolicyLoader.load in-process")
        if reweightRoutes > 0 {
            for compat in [true, false] {
                let t = try timeReweight(reweightRoutes, compat: compat)
                print(String(format: "reweight, %d routes, nexthop_compat_mode %d: group replace %.2f ms (whole reconcile %.0f ms: dump+diff %.0f ms, verify %.0f ms)", reweightRoutes, compat ? 1 : 0, t.apply * 1000, t.total * 1000, t.diff * 1000, t.verify * 1000))
            }
        }
    }

    // MARK: topology and inputs

    final class Topology: Sendable {
        let host: NetworkNamespace
        let sink: NetworkNamespace
        let dir: String

        init() throws {
            host = try NetworkNamespace(prefix: "tectl-b")
            sink = try NetworkNamespace(prefix: "tectl-bs")
            dir = NSTemporaryDirectory() + "/" + host.name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for k in 1...2 {
                try Lab.veth("up\(k)", in: host, peer: "dn\(k)", in: sink)
                try host.ip("addr", "add", "2001:db8:\(k)::2/64", "dev", "up\(k)", "nodad")
                try sink.ip("addr", "add", "2001:db8:\(k)::1/64", "dev", "dn\(k)", "nodad")
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }
    }

    static func prefix(_ i: Int) -> String { "2001:db8:\(String(0x1000 + i / 65536, radix: 16)):\(String(i % 65536, radix: 16))::/64" }

    static func policy(_ n: Int, capacities: (Int, Int), compat: Bool? = nil) -> String {
        var s = "version: 1\nownership: {protocol: 250\(compat.map { ", nexthop_compat_mode: \($0)" } ?? "")}\n"
        s += "nexthops:\n  - {name: a, via: \"2001:db8:1::1\", dev: up1, capacity: \(capacities.0)G}\n  - {name: b, via: \"2001:db8:2::1\", dev: up2, capacity: \(capacities.1)G}\n"
        s += "classes:\n  - {name: t, priority: 0, dscp: [26], table: 101}\nroutes:\n  - class: t\n    nexthops: [a, b]\n    group: {type: resilient, buckets: 128}\n    prefixes:\n"
        s.reserveCapacity(s.utf8.count + n * 32)
        for i in 0..<n { s += "      - \"\(prefix(i))\"\n" }
        return s
    }

    // MARK: measurements

    /// User + system seconds of the children this process has waited for so far.
    static func childrenCPU() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    func timeIPBatch(_ n: Int) throws -> (wall: Double, cpu: Double) {
        let topo = try Topology()
        var lines = """
            nexthop add id 1 via 2001:db8:1::1 dev up1 proto 250
            nexthop add id 2 via 2001:db8:2::1 dev up2 proto 250
            nexthop add id 100 group 1,1/2,3 type resilient buckets 128 idle_timer 1 unbalanced_timer 10 proto 250

            """
        lines.reserveCapacity(n * 64)
        for i in 0..<n { lines += "route add \(Self.prefix(i)) nhid 100 table 101 proto 250\n" }
        let path = topo.dir + "/batch"
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        let cpuStart = Self.childrenCPU()
        try Lab.command(["ip", "-n", topo.host.name, "-batch", path])
        // The class rule (batch lines take no -6): one more message, timed too.
        try Lab.command(["ip", "-n", topo.host.name, "-6", "rule", "add", "pref", "1000", "tos", "0x68", "table", "101", "proto", "250"])
        return ((ContinuousClock.now - start).seconds, Self.childrenCPU() - cpuStart)
    }

    func timeTectl(_ n: Int) throws -> (cli: Double, cliCPU: Double, reconcile: Double, parse: Double, apply: Double) {
        let text = Self.policy(n, capacities: (10, 30))
        // End to end: the CLI in a fresh namespace.
        let cli: Double
        let cliCPU: Double
        do {
            let topo = try Topology()
            let path = topo.dir + "/policy.yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let start = ContinuousClock.now
            let cpuStart = Self.childrenCPU()
            let r = topo.host.execute([Self.tectlPath, "run", "--policy", path, "--once"])
            cli = (ContinuousClock.now - start).seconds
            cliCPU = Self.childrenCPU() - cpuStart
            guard r.status == 0 else { throw ValidationError("tectl run failed: \(r.standardError)") }
        }
        // In-process: parse once, then the reconcile alone in another fresh namespace.
        let parseStart = ContinuousClock.now
        let loaded = try PolicyLoader.load(yaml: text, file: "bench.yaml")
        let parse = (ContinuousClock.now - parseStart).seconds
        let topo = try Topology()
        let (reconcile, apply) = try topo.host.perform { () -> (Double, Double) in
            let session = try KernelSession(ownership: loaded.policy.ownership)
            let inputs = try LiveInputs.read()
            let plan = Planner(policy: loaded.policy, maxGroupWeight: session.features.maxGroupWeight).plan(snapshot: inputs.snapshot)
            let start = ContinuousClock.now
            let report = try session.reconcile(plan: plan, policy: loaded.policy, interfaces: inputs.interfaces, dryRun: false)
            guard report.matches else { throw ValidationError("reconcile did not match: \(report.failures) \(report.remaining.prefix(3))") }
            return ((ContinuousClock.now - start).seconds, report.applySeconds)
        }
        return (cli, cliCPU, reconcile, parse, apply)
    }

    func timeReweight(_ n: Int, compat: Bool) throws -> (apply: Double, total: Double, diff: Double, verify: Double) {
        let first = try PolicyLoader.load(yaml: Self.policy(n, capacities: (10, 30), compat: compat), file: "a.yaml").policy
        let second = try PolicyLoader.load(yaml: Self.policy(n, capacities: (30, 10), compat: compat), file: "b.yaml").policy
        let topo = try Topology()
        return try topo.host.perform { () -> (Double, Double, Double, Double) in
            let session = try KernelSession(ownership: first.ownership)
            let inputs = try LiveInputs.read()
            for p in [first, second] {
                let plan = Planner(policy: p, maxGroupWeight: session.features.maxGroupWeight).plan(snapshot: inputs.snapshot)
                let start = ContinuousClock.now
                let report = try session.reconcile(plan: plan, policy: p, interfaces: inputs.interfaces, dryRun: false)
                let total = (ContinuousClock.now - start).seconds
                guard report.matches else { throw ValidationError("reconcile did not match") }
                if p == second {
                    guard report.operations.count == 1, case .replaceGroup = report.operations[0] else {
                        throw ValidationError("a reweight should be one group replace, got \(report.operations.count) requests")
                    }
                    return (report.applySeconds, total, report.diffSeconds, report.verifySeconds)
                }
            }
            return (0, 0, 0, 0)
        }
    }
}
