import Foundation
import Logging
import ServiceLifecycle
import TECore
import TENetlink
import Synchronization
import TEPolicy

/// How `tectl run` runs the loop.
public struct ControllerOptions: Sendable {
    /// Log the diffs instead of applying them.
    public var dryRun: Bool
    /// Remove everything tectl owns on a graceful stop (default: leave routes in place).
    public var flushOnExit: Bool
    /// Largest sum of integer weights in a group (the kernel's limit; as the planner's).
    public var maxGroupWeight: Int

    /// Called after every successful reconcile (benchmarks and tests watch the loop with it).
    public var observer: (@Sendable (CycleObservation) -> Void)?

    public init(dryRun: Bool = false, flushOnExit: Bool = false, maxGroupWeight: Int = 256, observer: (@Sendable (CycleObservation) -> Void)? = nil) {
        self.dryRun = dryRun
        self.flushOnExit = flushOnExit
        self.maxGroupWeight = maxGroupWeight
        self.observer = observer
    }
}

/// What one successful reconcile of the loop did.
public struct CycleObservation: Sendable {
    /// From the oldest event the cycle answered to the end of its reconcile; nil for a cycle
    /// without events.
    public var eventToProgrammed: Duration?
    /// Per route of the plan, the damper's decision.
    public var decisions: [Damper.Decision]
    /// The programmed (damped) plan.
    public var plan: Plan
    /// Kernel objects the reconcile changed (0 in a dry run).
    public var changes: Int
}

/// The controller: one reconcile fed by two paths. Events (carrier/oper changes, an owned object
/// deleted) re-plan at once from the last snapshot with the new link state; the periodic cycle
/// (`control.interval`) re-reads every input and re-solves. Both go through the damper and the
/// programmer's reconcile (dump, diff, apply the difference). A reload request re-reads the
/// policy file; an invalid file keeps the running policy. Graceful shutdown stops the loop and
/// leaves routes in place unless `flushOnExit`.
public final class Controller: Service {
    public typealias PolicyReader = @Sendable (String) throws(PolicyValidationError) -> LoadedPolicy

    let options: ControllerOptions
    let inputs: any InputSource
    let programmer: any RouteProgrammer
    let metrics: DaemonMetrics
    let health: HealthState
    let logger: Logger
    let reloadRequests: AsyncStream<Void>
    let readPolicy: PolicyReader
    private let initialPolicy: LoadedPolicy
    private let inbox = TriggerInbox()
    private let engineSeed: any PlanEngine

    public init(
        policy: LoadedPolicy,
        options: ControllerOptions = ControllerOptions(),
        inputs: any InputSource,
        programmer: any RouteProgrammer,
        engine: any PlanEngine = HeadroomPlanEngine(),
        metrics: DaemonMetrics,
        health: HealthState,
        reloadRequests: AsyncStream<Void>,
        readPolicy: @escaping PolicyReader = { path throws(PolicyValidationError) in try PolicyLoader.load(path: path) },
        logger: Logger
    ) {
        self.initialPolicy = policy
        self.options = options
        self.inputs = inputs
        self.programmer = programmer
        self.engineSeed = engine
        self.metrics = metrics
        self.health = health
        self.reloadRequests = reloadRequests
        self.readPolicy = readPolicy
        self.logger = logger
    }

    /// Mutable state of the loop; only `run()` touches it.
    struct LoopState {
        var loaded: LoadedPolicy
        var engine: any PlanEngine
        var damper: Damper
        var snapshot: Snapshot?
        var lastPlan: Plan?
        var reconciled = false
        /// The newest event per link: the link state that samples are corrected with.
        var linkEvents: [String: TimedEvent] = [:]
    }

    public func run() async throws {
        var loop = LoopState(
            loaded: initialPolicy, engine: engineSeed,
            damper: Damper(settings: Damper.Settings(initialPolicy.policy.control, maxGroupWeight: options.maxGroupWeight))
        )
        logger.info("controller starting", metadata: [
            "policy": "\(initialPolicy.file)", "dry_run": "\(options.dryRun)",
            "interval": "\(initialPolicy.policy.control.interval)",
        ])
        programmer.configure(control: initialPolicy.policy.control)
        await adopt(&loop)
        let inbox = self.inbox
        let interval = LockedBox(initialPolicy.policy.control.interval)
        let samplingPolicy = LockedBox(initialPolicy.policy)
        let (sampleRequests, requestSample) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let inputs = self.inputs
        let logger = self.logger

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // The periodic cycle asks for a sample; the sampler reads the inputs off the loop,
                // so that a slow feed never delays an event's reconcile.
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: interval.value) } catch { return }
                        requestSample.yield()
                    }
                }
                group.addTask {
                    for await _ in sampleRequests {
                        let started = ContinuousClock.now
                        do {
                            let snapshot = try await inputs.sample(policy: samplingPolicy.value)
                            inbox.post { $0.sample = (snapshot, started) }
                        } catch {
                            logger.warning("reading inputs failed", metadata: ["error": "\(error)"])
                            inbox.post { $0.sampleError = "\(error)" }
                        }
                    }
                }
                let events = inputs.events()
                group.addTask {
                    for await e in events { inbox.post(e) }
                }
                // Owned objects changed behind our back, or their notifications were lost: an
                // immediate reconcile (dump, diff, repair), coalesced with the other events.
                if let kernelEvents = programmer.events() {
                    group.addTask {
                        for await e in kernelEvents {
                            if case .ownedObjectChanged(let what) = e.event {
                                logger.info("owned objects changed by someone else; reconciling", metadata: ["what": "\(what)"])
                            } else if e.event == .resync {
                                logger.warning("kernel events lost (ENOBUFS); dumping everything again")
                            }
                            inbox.post(e)
                        }
                    }
                }
                let reloads = reloadRequests
                group.addTask {
                    for await _ in reloads { inbox.post { $0.reload = true } }
                }
                requestSample.yield()
                while let batch = await inbox.next() {
                    let wantsSample = await self.cycle(batch, &loop)
                    samplingPolicy.value = loop.loaded.policy
                    interval.value = loop.loaded.policy.control.interval
                    if wantsSample { requestSample.yield() }
                }
                requestSample.finish()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            inbox.finish()
        }

        if options.flushOnExit {
            do {
                let n = try await programmer.flush(policy: loop.loaded.policy)
                logger.info("flushed on exit", metadata: ["removed": "\(n)"])
            } catch {
                logger.error("flush on exit failed", metadata: ["error": "\(error)"])
            }
        } else {
            logger.info("controller stopped; routes left in place")
        }
    }

    /// Starts the damping history from what the kernel already carries, so that a restart with
    /// unchanged inputs writes nothing.
    private func adopt(_ loop: inout LoopState) async {
        do {
            let installed = try await programmer.installedWeights(policy: loop.loaded.policy)
            for (key, weights) in installed { loop.damper.seed(route: key, weights: weights) }
            if !installed.isEmpty { logger.info("adopted installed groups", metadata: ["routes": "\(installed.count)"]) }
        } catch {
            logger.warning("could not read installed state; the first cycle plans from scratch", metadata: ["error": "\(error)"])
        }
    }

    /// One pass of the loop. Returns true when a fresh sample of the inputs is wanted (reload,
    /// lost events).
    func cycle(_ batch: TriggerBatch, _ loop: inout LoopState) async -> Bool {
        for kind in batch.eventKinds { metrics.countEvent(kind: kind) }
        var wantsSample = batch.resync
        if batch.reload {
            reload(&loop)
            wantsSample = true
        }
        for (name, event) in batch.links { loop.linkEvents[name] = event }
        if let sample = batch.sample {
            var snapshot = sample.snapshot
            // Link state comes from the events when there are any (the monitor dumps every link
            // first and again after lost events): a read that took a while may be older than the
            // last event, and must not bring a dead link back.
            for event in loop.linkEvents.values { Self.apply(event.event, to: &snapshot) }
            loop.snapshot = snapshot
        } else if var snapshot = loop.snapshot {
            for event in batch.links.values { Self.apply(event.event, to: &snapshot) }
            loop.snapshot = snapshot
        }
        guard let snapshot = loop.snapshot else { return wantsSample }
        if batch.sample == nil && !batch.hasEvents && !batch.reload { return wantsSample }
        await program(snapshot, batch: batch, &loop, mayRetry: true)
        return wantsSample
    }

    /// Plans from `snapshot`, damps and reconciles. When the kernel refuses next-hops only
    /// because their devices lost carrier before the link event reached the loop, takes the
    /// devices' state read after the refusal as the newest link state and, with `mayRetry`,
    /// plans and reconciles once more; a retry that succeeds is not a failed reconcile.
    private func program(_ snapshot: Snapshot, batch: TriggerBatch, _ loop: inout LoopState, mayRetry: Bool) async {
        let solveStart = ContinuousClock.now
        let plan = loop.engine.plan(policy: loop.loaded.policy, snapshot: snapshot)
        metrics.recordSolve(ContinuousClock.now - solveStart)
        let damped = loop.damper.damp(plan, now: .now)
        for (route, decision) in zip(damped.plan.routes, damped.decisions) {
            metrics.countDecision(Self.decisionLabel(decision))
            if decision.isUrgent || damped.changedRoutes > 0 && decision == .step {
                logger.info("weights", metadata: [
                    "route": "\(Damper.key(of: route))", "decision": "\(decision)",
                    "weights": "\(route.nexthops.map { "\($0.name):\($0.weight)" }.joined(separator: " "))",
                ])
            }
        }

        do {
            let report = try await programmer.reconcile(damped.plan, policy: loop.loaded.policy, dryRun: options.dryRun)
            let eventToProgrammed = batch.firstEventAt.map { ContinuousClock.now - $0 }
            if let eventToProgrammed { metrics.recordEventToProgrammed(eventToProgrammed) }
            options.observer?(CycleObservation(
                eventToProgrammed: eventToProgrammed, decisions: damped.decisions, plan: damped.plan,
                changes: options.dryRun ? 0 : report.changeCount
            ))
            // Metrics first: once /healthz says ready, /metrics shows what was programmed.
            metrics.record(plan: damped.plan)
            metrics.record(snapshot: snapshot)
            metrics.recordReconcile(success: true, changes: options.dryRun ? 0 : report.changeCount, at: Date().timeIntervalSince1970)
            health.markReconciled()
            if !loop.reconciled {
                loop.reconciled = true
                logger.info("first reconcile done", metadata: ["changes": "\(report.changeCount)"])
            }
            for change in report.changes {
                logger.info(options.dryRun ? "would change" : "changed", metadata: ["change": "\(change)"])
            }
        } catch let refused as NextHopDevicesDown where mayRetry {
            var fresh = snapshot
            for link in refused.links {
                let event = TimedEvent(.link(name: link.name, operState: link.operState, carrier: link.carrier))
                loop.linkEvents[link.name] = event
                Self.apply(event.event, to: &fresh)
            }
            loop.snapshot = fresh
            loop.lastPlan = damped.plan
            logger.info("next-hop devices lost carrier before their link event; re-planning and retrying", metadata: [
                "devices": "\(refused.links.map { "\($0.name):\($0.operState),carrier=\($0.carrier)" }.sorted().joined(separator: " "))",
            ])
            await program(fresh, batch: batch, &loop, mayRetry: false)
            return
        } catch {
            metrics.recordReconcile(success: false, changes: 0, at: 0)
            if error is NetlinkError { metrics.recordNetlinkError() }
            health.markFailed("\(error)")
            logger.error("reconcile failed", metadata: ["error": "\(error)"])
            // The weights stay those of the last programmed plan; link state is current.
            metrics.record(snapshot: snapshot)
        }
        loop.lastPlan = damped.plan
    }

    /// Re-reads the policy file. An invalid file changes nothing and logs every FILE:LINE:COL.
    func reload(_ loop: inout LoopState) {
        let path = loop.loaded.file
        do throws(PolicyValidationError) {
            let fresh = try readPolicy(path)
            loop.loaded = fresh
            loop.damper.settings = Damper.Settings(fresh.policy.control, maxGroupWeight: options.maxGroupWeight)
            programmer.configure(control: fresh.policy.control)
            metrics.countReload(result: "ok")
            logger.info("policy reloaded", metadata: ["policy": "\(path)"])
        } catch {
            metrics.countReload(result: "invalid")
            logger.error("policy reload rejected; keeping the running policy", metadata: ["policy": "\(path)", "errors": "\(error.diagnostics.count)"])
            for d in error.diagnostics { logger.error("\(d.description)") }
        }
    }

    static func apply(_ event: ControllerEvent, to snapshot: inout Snapshot) {
        switch event {
        case .link(let name, let oper, let carrier):
            if let i = snapshot.links.firstIndex(where: { $0.name == name }) {
                snapshot.links[i].operState = oper
                snapshot.links[i].carrier = carrier
            } else {
                snapshot.links.append(LinkSample(name: name, ifindex: 0, operState: oper, carrier: carrier))
            }
        case .linkRemoved(let name):
            snapshot.links.removeAll { $0.name == name }
        case .ownedObjectChanged, .resync:
            break
        }
    }

    static func decisionLabel(_ d: Damper.Decision) -> String {
        switch d {
        case .kept: "kept"
        case .initial: "initial"
        case .failover: "failover"
        case .rejoin: "rejoin"
        case .ramp: "ramp"
        case .step: "step"
        case .withinHysteresis: "within_hysteresis"
        case .held: "held"
        case .unchanged: "unchanged"
        }
    }
}

/// A value shared between the loop and its helper tasks (the ticker's period, the policy the
/// sampler reads with), changed by a reload.
final class LockedBox<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
