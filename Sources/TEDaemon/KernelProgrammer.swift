import Glibc
import Logging
import Synchronization
import TECore
import TENetlink

/// The kernel backend as the controller's programmer: each reconcile dumps what the kernel has,
/// diffs it against the plan and sends only the difference (TENetlink `KernelSession`), so an
/// unchanged plan writes nothing. The session is not Sendable; the actor keeps it on one task at
/// a time.
///
/// All its sockets are opened in `init`, so the programmer works in the network namespace it was
/// created in, whatever thread runs it. `events()` reports routes, rules and nexthops of tectl's
/// protocol that someone else (a user, another daemon, the kernel) changed or deleted, and lost
/// events; notifications caused by the programmer's own requests are left out.
public actor KernelProgrammer: RouteProgrammer {
    private let session: KernelSession
    private let links: NetlinkSocket
    private nonisolated let monitor: KernelEventMonitor
    private nonisolated let protocolNumber: UInt8
    private nonisolated let ownPort: UInt32
    /// Feature-detection probes (of `tectl status` or `plan` in another process): not changes.
    private nonisolated let probes: ProbeObjects
    /// `control.event_settle` of the running policy.
    private nonisolated let eventSettle = Mutex<Duration>(ControlSettings.defaultEventSettle)
    /// Tests only: a slow event reader, so that a burst overflows the event socket.
    nonisolated let eventReadPause: Duration
    /// Largest sum of group weights the running kernel takes (plan and damp with it).
    public nonisolated let maxGroupWeight: Int

    /// `eventReceiveBuffer`: bytes of receive buffer for the event socket (0: the system
    /// default; tests make it tiny to force lost events).
    public init(ownership: Ownership, logger: Logger, eventReceiveBuffer: Int = 0) throws(NetlinkError) {
        try self.init(ownership: ownership, logger: logger, eventReceiveBuffer: eventReceiveBuffer, eventReadPause: .zero)
    }

    init(ownership: Ownership, logger: Logger, eventReceiveBuffer: Int, eventReadPause: Duration) throws(NetlinkError) {
        self.eventReadPause = eventReadPause
        // Subscribe before the first dump: a change in between is seen, never missed.
        monitor = try KernelEventMonitor(groups: KernelEventMonitor.ownedObjectGroups, receiveBuffer: eventReceiveBuffer)
        let session = try KernelSession(ownership: ownership, logger: logger)
        self.session = session
        self.links = try NetlinkSocket()
        self.maxGroupWeight = session.features.maxGroupWeight
        self.protocolNumber = ownership.protocolNumber
        self.ownPort = session.socket.portID
        self.probes = KernelFeatures.probeObjects(ownership)
    }

    /// Takes `control.event_settle`: how long to wait before acting on owned objects the kernel
    /// changed by itself.
    public nonisolated func configure(control: ControlSettings) {
        eventSettle.withLock { $0 = control.eventSettle }
    }

    public nonisolated func events() -> AsyncStream<TimedEvent>? {
        let changes = monitor.ownedObjectChanges(
            protocolNumber: protocolNumber, ownPort: ownPort, probes: probes,
            kernelSettle: { [self] in eventSettle.withLock { $0 } }, pauseBeforeEachRead: eventReadPause
        )
        return AsyncStream { continuation in
            let task = Task {
                for await change in changes {
                    switch change {
                    case .changed(let count):
                        continuation.yield(TimedEvent(.ownedObjectChanged("\(count) route/rule/nexthop notification(s) of protocol \(protocolNumber)")))
                    case .lost:
                        continuation.yield(TimedEvent(.resync))
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func interfaces() throws(NetlinkError) -> [String: Int32] {
        var out: [String: Int32] = [:]
        for link in try LinkDump.links(socket: links) { out[link.name] = link.ifindex }
        return out
    }

    public func installedWeights(policy: Policy) async throws -> [String: [String: Int]] {
        let kernel = try session.read(tables: Set(policy.classes.map(\.table)))
        return kernel.installedWeights(policy: policy, interfaces: try interfaces())
    }

    /// What a reconcile could not do: refused requests, objects tectl does not own, or a kernel
    /// that still differs afterwards.
    public struct Mismatch: Error, CustomStringConvertible {
        public var problems: [String]
        public var description: String { "the kernel does not match the plan: " + problems.joined(separator: "; ") }
    }

    public func reconcile(_ plan: Plan, policy: Policy, dryRun: Bool) async throws -> ProgramReport {
        let interfaces = try interfaces()
        let r = try session.reconcile(plan: plan, policy: policy, interfaces: interfaces, dryRun: dryRun)
        if !dryRun && !r.matches {
            let mismatch = Mismatch(problems: r.failures.map(\.description) + r.conflicts + r.remaining.map { "still different: \($0)" })
            let down = Self.devicesRefusedAsDown(r.failures, interfaces: interfaces)
            if !down.isEmpty {
                // Carrier went away between the controller's last link event and this reconcile.
                let fresh = try LinkDump.links(socket: links).filter { down.contains($0.name) }
                throw NextHopDevicesDown(links: fresh, refusal: mismatch)
            }
            throw mismatch
        }
        var report = ProgramReport(changes: r.notes + r.operations.map(\.description))
        for op in r.operations {
            switch op {
            case .createNexthop, .createGroup, .createRoute, .addRule: report.created += 1
            case .replaceNexthop, .replaceGroup, .replaceRoute: report.updated += 1
            case .deleteRule, .deleteRoute, .deleteGroup, .deleteNexthop: report.deleted += 1
            }
        }
        return report
    }

    /// The devices of refused next-hops when every refusal is the kernel's "device is down"
    /// (ENETDOWN: `Carrier for nexthop device is down`, `Nexthop device is not up`); empty
    /// otherwise.
    static func devicesRefusedAsDown(_ failures: [OperationFailure], interfaces: [String: Int32]) -> Set<String> {
        var devices = Set<String>()
        for f in failures {
            guard f.errno == ENETDOWN else { return [] }
            switch f.operation {
            case .createNexthop(let n), .replaceNexthop(let n):
                guard let name = interfaces.first(where: { $0.value == n.ifindex })?.key else { return [] }
                devices.insert(name)
            default:
                return []
            }
        }
        return devices
    }

    public func flush(policy: Policy) async throws -> Int {
        let result = try session.flush()
        if !result.failures.isEmpty {
            throw Mismatch(problems: result.failures.map(\.description))
        }
        return result.removed.count
    }
}
