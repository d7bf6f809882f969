import Foundation
import Logging
import Synchronization
import TECore
import TEDaemon
import TEPolicy

let isRoot = getuid() == 0

/// The repository root (for deploy/ files).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Finds an executable in PATH (and /usr/sbin, /sbin).
func which(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs a command; returns exit status and combined output.
@discardableResult
func runTool(_ argv: [String], cwd: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: argv[0])
    p.arguments = Array(argv.dropFirst())
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A logger that keeps its lines (for assertions) instead of printing them.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ s: String) { lines.withLock { $0.append(s) } }

    func logger(format: LogFormat = .text) -> Logger {
        Logger(label: "test") { label in LineLogHandler(label: label, format: format, level: .debug) { [self] line in self.append(line) } }
    }
}

/// Polls `condition` every millisecond until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return await condition()
}

/// Two 10G uplinks and one route; `interval` as given (long by default so that only events drive the loop).
func testPolicyYAML(interval: String = "1h", minChange: String = "10s") -> String {
    """
    version: 1
    control: {interval: \(interval), hysteresis: 0.05, min_change_interval: \(minChange), max_step: 0.25, listen: "127.0.0.1:0"}
    nexthops:
      - {name: up1, via: 198.51.100.1, dev: eth1, capacity: 10G}
      - {name: up2, via: 198.51.100.5, dev: eth2, capacity: 10G}
    classes:
      - {name: bulk, priority: 0, dscp: [0], table: 101}
    routes:
      - {prefix: 203.0.113.0/24, class: bulk, nexthops: [up1, up2]}
    """
}

func loadTestPolicy(_ yaml: String = testPolicyYAML(), file: String = "test.yaml") throws -> LoadedPolicy {
    try PolicyLoader.load(yaml: yaml, file: file)
}

/// Inputs held in memory: the test sets link state and pushes events.
final class MemoryInputs: InputSource {
    private let links = Mutex<[LinkSample]>([
        LinkSample(name: "eth1", ifindex: 2, operState: "up", carrier: true),
        LinkSample(name: "eth2", ifindex: 3, operState: "up", carrier: true),
    ])
    private let samples = Mutex(0)
    let stream: AsyncStream<TimedEvent>
    let continuation: AsyncStream<TimedEvent>.Continuation

    init() {
        (stream, continuation) = AsyncStream<TimedEvent>.makeStream()
    }

    var sampleCount: Int { samples.withLock { $0 } }

    func set(_ name: String, carrier: Bool, utilization: Double? = nil) {
        links.withLock { all in
            if let i = all.firstIndex(where: { $0.name == name }) {
                all[i].carrier = carrier
                all[i].operState = carrier ? "up" : "lowerlayerdown"
                if let utilization { all[i].txUtilization = utilization }
            }
        }
    }

    /// Changes the link and sends the event, as the kernel would.
    func flap(_ name: String, carrier: Bool) {
        set(name, carrier: carrier)
        continuation.yield(TimedEvent(.link(name: name, operState: carrier ? "up" : "lowerlayerdown", carrier: carrier)))
    }

    func sample(policy: Policy) async throws -> Snapshot {
        samples.withLock { $0 += 1 }
        return Snapshot(timestamp: Date(), links: links.withLock { $0 })
    }

    func events() -> AsyncStream<TimedEvent> { stream }
}

/// A kernel in memory: it keeps what was installed per route and writes only the difference,
/// like the kernel reconciler does; counts every write.
final class MemoryKernel: RouteProgrammer {
    struct State {
        var installed: [String: [String: Int]] = [:]
        var writes = 0
        var reconciles = 0
        var dryRuns = 0
        var flushes = 0
        var failNext: String?
        /// Errors thrown by the next reconciles, one each, before `failNext`.
        var refusals: [any Error] = []
    }
    let state: Mutex<State>

    init(installed: [String: [String: Int]] = [:]) {
        state = Mutex(State(installed: installed))
    }

    var installed: [String: [String: Int]] { state.withLock { $0.installed } }
    var writes: Int { state.withLock { $0.writes } }
    var reconciles: Int { state.withLock { $0.reconciles } }

    func reconcile(_ plan: Plan, policy: Policy, dryRun: Bool) async throws -> ProgramReport {
        try state.withLock { s in
            if !s.refusals.isEmpty { throw s.refusals.removeFirst() }
            if let message = s.failNext {
                s.failNext = nil
                throw MemoryKernelError(message: message)
            }
            var report = ProgramReport()
            var next = s.installed
            for route in plan.routes where route.status == .planned {
                let key = Damper.key(of: route)
                let weights = Dictionary(uniqueKeysWithValues: route.nexthops.filter { $0.weight > 0 }.map { ($0.name, $0.weight) })
                if s.installed[key] == nil {
                    report.created += 1
                    report.changes.append("create \(key)")
                } else if s.installed[key] != weights {
                    report.updated += 1
                    report.changes.append("replace \(key)")
                }
                next[key] = weights
            }
            if dryRun {
                s.dryRuns += 1
            } else {
                s.installed = next
                s.writes += report.changeCount
                s.reconciles += 1
            }
            return report
        }
    }

    func flush(policy: Policy) async throws -> Int {
        state.withLock { s in
            let n = s.installed.count
            s.installed = [:]
            s.flushes += 1
            return n
        }
    }

    func installedWeights(policy: Policy) async throws -> [String: [String: Int]] { installed }
}

struct MemoryKernelError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
