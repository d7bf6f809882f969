import TECore

/// Something that happened outside the periodic cycle and asks for an immediate re-plan.
public enum ControllerEvent: Sendable, Equatable {
    /// A link changed carrier or operational state (RTM_NEWLINK / RTM_DELLINK).
    case link(name: String, operState: String, carrier: Bool)
    /// A link disappeared.
    case linkRemoved(name: String)
    /// An object tectl owns changed or disappeared (deleted by the kernel or by someone else).
    case ownedObjectChanged(String)
    /// Events were lost (ENOBUFS on the event socket): re-read everything.
    case resync

    /// The `kind` label of `tectl_events_total`.
    public var kind: String {
        switch self {
        case .link: "link"
        case .linkRemoved: "link_removed"
        case .ownedObjectChanged: "owned_object"
        case .resync: "resync"
        }
    }
}

/// An event and when tectl received it (the start of the event-to-programmed time).
public struct TimedEvent: Sendable {
    public var event: ControllerEvent
    public var receivedAt: ContinuousClock.Instant

    public init(_ event: ControllerEvent, receivedAt: ContinuousClock.Instant = .now) {
        self.event = event
        self.receivedAt = receivedAt
    }
}

/// Where the controller's inputs come from (link state and counters, feeds, latency).
/// The real one lives with the telemetry; tests use an in-memory one.
public protocol InputSource: Sendable {
    /// A full read of every input the policy needs. Called by the periodic cycle, on start, on
    /// reload and on `resync`; may take as long as the slowest feed's timeout.
    func sample(policy: Policy) async throws -> Snapshot
    /// Events that ask for an immediate re-plan. Called once per run.
    func events() -> AsyncStream<TimedEvent>
}

/// The outcome of one reconcile: what was (or, in a dry run, would be) changed.
public struct ProgramReport: Sendable, Equatable {
    public var created: Int
    public var updated: Int
    public var deleted: Int
    /// One human-readable line per change (`replace group 2113929217 weights up1:3 up2:1`).
    public var changes: [String]

    public init(created: Int = 0, updated: Int = 0, deleted: Int = 0, changes: [String] = []) {
        self.created = created
        self.updated = updated
        self.deleted = deleted
        self.changes = changes
    }

    public var changeCount: Int { created + updated + deleted }
    /// The kernel already matched the plan: nothing was written.
    public var inSync: Bool { changeCount == 0 }
}

/// A reconcile the kernel refused only because next-hop devices are down or have no carrier,
/// which the controller's link state did not say yet (the link event was still on its way).
/// The controller takes `links` (those devices, read again after the refusal) as the newest
/// link state, re-plans and retries once.
public struct NextHopDevicesDown: Error, CustomStringConvertible {
    public var links: [LinkSample]
    /// What the kernel refused.
    public var refusal: any Error

    public init(links: [LinkSample], refusal: any Error) {
        self.links = links
        self.refusal = refusal
    }

    public var description: String { "next-hop devices down (\(links.map(\.name).sorted().joined(separator: ", "))): \(refusal)" }
}

/// Where plans go. The kernel's reconciler dumps what is installed, diffs against the plan and
/// writes only the difference: reconciling an unchanged plan writes nothing (the restart that
/// adopts what tectl owns relies on it).
public protocol RouteProgrammer: Sendable {
    /// Makes the kernel match `plan`; with `dryRun`, only reports the diff.
    func reconcile(_ plan: Plan, policy: Policy, dryRun: Bool) async throws -> ProgramReport
    /// Removes everything tectl owns; returns how many objects were removed.
    func flush(policy: Policy) async throws -> Int
    /// The weights installed now, per route (`Damper.key`) and next-hop name: the damping
    /// history a restart starts from. Empty when unknown.
    func installedWeights(policy: Policy) async throws -> [String: [String: Int]]
    /// Changes to what the programmer installed that it did not make (`.ownedObjectChanged`),
    /// and lost notifications (`.resync`); nil when it cannot watch. Called once per run.
    func events() -> AsyncStream<TimedEvent>?
    /// The running policy's `control:` settings, at start and after every reload.
    func configure(control: ControlSettings)
}

extension RouteProgrammer {
    public func installedWeights(policy: Policy) async throws -> [String: [String: Int]] { [:] }
    public func events() -> AsyncStream<TimedEvent>? { nil }
    public func configure(control: ControlSettings) {}
}

/// Computes plans; may keep warm-start state between calls.
public protocol PlanEngine: Sendable {
    mutating func plan(policy: Policy, snapshot: Snapshot) -> Plan
}

/// The planner (the solver over the host model), re-solving warm: each solve starts from the
/// previous cycle's answer to the same problem shape (`PlannerWarmStart`). A reload that changes
/// the policy starts cold.
public struct HeadroomPlanEngine: PlanEngine {
    public var maxGroupWeight: Int
    private var warm = PlannerWarmStart()
    private var warmPolicy: Policy?

    public init(maxGroupWeight: Int = 256) { self.maxGroupWeight = maxGroupWeight }

    /// Solves of the running policy that started warm, and all of them.
    public var warmSolves: (warm: Int, all: Int) { (warm.warmSolves, warm.solves) }

    public mutating func plan(policy: Policy, snapshot: Snapshot) -> Plan {
        if warmPolicy != policy {
            warm = PlannerWarmStart()
            warmPolicy = policy
        }
        return Planner(policy: policy, maxGroupWeight: maxGroupWeight).plan(snapshot: snapshot, warm: &warm)
    }
}
