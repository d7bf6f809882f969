import Foundation
import Synchronization
import TECore
import TELab
import TENetlink

/// The lab topology (TELab `LabTopology`) for running the real `tectl run` process: a host
/// namespace with `uplinks` veth uplinks `up1`... to a router namespace (`rt1`...) that owns the
/// destinations. Documentation addresses only: uplink k is 198.51.100.(4k−4)/30, router .4k−3
/// (a fixed MAC and a permanent neighbour on the host, so no ARP shows in the counters), host
/// .4k−2; destinations 203.0.113.0/24 are local to the router. IPv6 is off in both namespaces
/// (nothing but our packets in the counters). Steered traffic uses DSCP 10 (class `bulk`,
/// table 101); traffic with DSCP 0 takes the main table and is not steered by tectl.
final class DaemonLab: Sendable {
    let network: LabNetwork
    var host: NetworkNamespace { network.host }
    var router: NetworkNamespace { network.router }
    var dir: String { network.directory }
    /// Each lab has its own loopback, so every daemon listens on the default port.
    static let port = 9464
    static let table: UInt32 = 101

    init(uplinks: Int) throws {
        network = try LabNetwork(uplinks: uplinks, prefix: "tectl-e2e", ipv6: false, staticNeighbours: true)
    }

    static func gateway(_ k: Int) -> String { LabTopology.routerAddress(k) }

    /// A policy: next-hop `uK` over `upK` with `capacities[K-1]`, class `bulk` (DSCP 10, table 101),
    /// one resilient route 203.0.113.0/24 over all of them.
    static func policy(capacities: [String], control: String) -> String {
        var s = "version: 1\ncontrol: {listen: \"127.0.0.1:\(port)\", \(control)}\nownership: {protocol: 250}\nnexthops:\n"
        for (i, c) in capacities.enumerated() {
            s += "  - {name: u\(i + 1), via: \(gateway(i + 1)), dev: up\(i + 1), capacity: \(c)}\n"
        }
        let names = (1...capacities.count).map { "u\($0)" }.joined(separator: ", ")
        s += "classes:\n  - {name: bulk, priority: 0, dscp: [10], table: \(table)}\n"
        s += "routes:\n  - {prefix: 203.0.113.0/24, class: bulk, nexthops: [\(names)], group: {type: resilient, buckets: 128}}\n"
        return s
    }

    /// Writes a file in the lab's directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try network.write(name, text) }

    /// Everything the host namespace's kernel has (every nexthop and rule, routes of protocol
    /// 250 and of the class table), read over netlink.
    func kernel() throws -> KernelState {
        var state = try host.perform { try KernelState.read(socket: RouteSocket(), protocolNumber: 250, tables: [DaemonLab.table]) }
        state.dumpRestarts = 0
        return state
    }

    /// Gateway → weight in the group of 203.0.113.0/24 (nil: no such route or group).
    func weights() throws -> [String: Int]? {
        let k = try kernel()
        guard let prefix = IPPrefix("203.0.113.0/24"),
              case .nexthop(let id)? = k.routes[RouteKey(table: DaemonLab.table, prefix: prefix, metric: 0)]?.target,
              let group = k.groups[id] else { return nil }
        var out: [String: Int] = [:]
        for m in group.members {
            if let gw = k.nexthops[m.id]?.gateway { out[gw.description] = m.weight }
        }
        return out
    }

    /// Share (0…1) of uplink k's gateway in `weights`.
    static func share(_ k: Int, _ weights: [String: Int]) -> Double {
        let total = weights.values.reduce(0, +)
        return total == 0 ? 0 : Double(weights[gateway(k)] ?? 0) / Double(total)
    }

    /// `tectl ARGS...` inside the host namespace (one-shot commands).
    func tectl(_ arguments: String...) -> CommandResult { network.tectl(arguments) }

    /// GET `path` from the daemon in the host namespace.
    func http(_ path: String) -> (status: Int, headers: [String: String], body: String)? {
        try? host.perform { try RawHTTP.get(port: DaemonLab.port, path: path) }
    }

    /// The value of the first sample of `name` whose labels contain every `labels` pair.
    static func metric(_ body: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{" else { continue }
            if !labels.allSatisfy({ rest.contains("\($0.key)=\"\($0.value)\"") }) { continue }
            if let v = rest.split(separator: " ").last.flatMap({ Double($0) }) { return v }
        }
        return nil
    }

    /// UDP datagrams that reached the router's UDP layer (`/proc/net/snmp` of its namespace:
    /// InDatagrams + NoPorts + InErrors); the destinations have no listener, so they count as NoPorts.
    func routerUDPDatagrams() throws -> Int {
        let lines = try router.exec(["cat", "/proc/net/snmp"]).split(separator: "\n").filter { $0.hasPrefix("Udp:") }
        guard lines.count >= 2 else { throw EndToEndFailure("no Udp: lines in /proc/net/snmp") }
        let names = lines[0].split(separator: " "), values = lines[1].split(separator: " ")
        var total = 0
        for (n, v) in zip(names, values) where ["InDatagrams", "NoPorts", "InErrors"].contains(String(n)) {
            total += Int(v) ?? 0
        }
        return total
    }
}

/// The real `tectl run` process, started with `ip netns exec` (which execs, so the pid is
/// tectl's): logs go to a file; it is killed when released if it still runs.
final class DaemonProcess: Sendable {
    let logPath: String
    private let process: Mutex<Process>

    static var tectlPath: String { Lab.builtExecutable("tectl") }

    init(lab: DaemonLab, policy: String, name: String, arguments: [String] = []) throws {
        logPath = lab.dir + "/\(name).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: which("ip") ?? "/usr/sbin/ip")
        p.arguments = ["netns", "exec", lab.host.name, DaemonProcess.tectlPath, "run", "--policy", policy, "--log-format", "json"] + arguments
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? handle.close()
        process = Mutex(p)
    }

    deinit { kill() }

    var pid: Int32 { process.withLock { $0.processIdentifier } }
    var isRunning: Bool { process.withLock { $0.isRunning } }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ s: Int32) { _ = Glibc.kill(pid, s) }

    /// Waits for the process to exit; its status, or nil when it still runs after `timeout`.
    func waitForExit(timeout: Duration) -> Int32? {
        let done = poll(timeout: timeout, every: .milliseconds(20)) { isRunning ? nil : true }
        return done == nil ? nil : process.withLock { $0.terminationStatus }
    }

    /// SIGKILL if it still runs, and reap it.
    func kill() {
        if isRunning {
            signal(SIGKILL)
            _ = waitForExit(timeout: .seconds(10))
        }
    }
}

/// Calls `body` every `every` until it returns a value or `timeout` passes (then one last try).
func poll<T>(timeout: Duration, every: Duration = .milliseconds(10), _ body: () throws -> T?) rethrows -> T? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let v = try body() { return v }
        Thread.sleep(forTimeInterval: Double(every.components.attoseconds) / 1e18 + Double(every.components.seconds))
    }
    return try body()
}

/// Sends UDP datagrams that tectl does not steer (DSCP 0, to the router's address on one uplink,
/// through the main table) at a steady rate from the host namespace, until stopped.
final class UnsteeredLoad: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let sentCount = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)

    init(lab: DaemonLab, uplink k: Int, packetsPerSecond: Double) {
        let target = IPAddress(DaemonLab.gateway(k))
        let host = lab.host
        Thread { [self] in
            _ = try? host.perform { [self] in
                guard let target else { return }
                let start = ContinuousClock.now
                var sent = 0
                while !stopFlag.load(ordering: .relaxed) {
                    let elapsed = ContinuousClock.now - start
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    let due = Int(seconds * packetsPerSecond) - sent
                    if due > 0 {
                        sent += (try? TrafficSpray.udp(to: target, addresses: 1, ports: 16, dscp: 0, count: min(due, 2000))) ?? 0
                        sentCount.store(sent, ordering: .relaxed)
                    }
                    usleep(2000)
                }
            }
            finished.signal()
        }.start()
    }

    var sent: Int { sentCount.load(ordering: .relaxed) }

    func stop() {
        if !stopFlag.exchange(true, ordering: .relaxed) { finished.wait() }
    }

    deinit { stop() }
}

extension DaemonLab {
    /// A lab of `capacities.count` uplinks with `DaemonLab.policy(capacities:control:)` written to
    /// p.yaml and `tectl run` started on it (killed when the process is released).
    static func running(capacities: [String], control: String, name: String) throws -> (lab: DaemonLab, policy: String, daemon: DaemonProcess) {
        let lab = try DaemonLab(uplinks: capacities.count)
        let policy = try lab.write("p.yaml", DaemonLab.policy(capacities: capacities, control: control))
        return (lab, policy, try lab.start(policy: policy, name: name))
    }

    /// Starts `tectl run` and waits until /healthz says the first reconcile succeeded.
    func start(policy: String, name: String, arguments: [String] = []) throws -> DaemonProcess {
        let daemon = try DaemonProcess(lab: self, policy: policy, name: name, arguments: arguments)
        let ready = poll(timeout: .seconds(30), every: .milliseconds(50)) { () -> Bool? in
            if !daemon.isRunning { return false }
            return http("/healthz")?.status == 200 ? true : nil
        }
        guard ready == true else {
            throw EndToEndFailure("tectl run did not become ready (running: \(daemon.isRunning)); log:\n\(daemon.log)")
        }
        return daemon
    }

    /// Polls the kernel until `condition` holds for the route's weights; returns them.
    func waitForWeights(timeout: Duration = .seconds(20), _ condition: ([String: Int]) -> Bool) throws -> [String: Int]? {
        try poll(timeout: timeout, every: .milliseconds(5)) {
            guard let w = try weights(), condition(w) else { return nil }
            return w
        }
    }

    /// `tectl status --policy P` exits 0 (the kernel matches the plan), polled.
    func waitForStatusMatch(policy: String, timeout: Duration = .seconds(30)) -> Bool {
        poll(timeout: timeout, every: .milliseconds(200)) { tectl("status", "--policy", policy).status == 0 ? true : nil } ?? false
    }
}
