import Logging
import Synchronization
import TECore
import TENetlink
import TETelemetry

/// The controller's real inputs: the telemetry collector (counters → smoothed utilization, GPU
/// feeds, latency) for the periodic cycle, and the link monitor (RTM_NEWLINK/RTM_DELLINK) for
/// events. The collector keeps its smoothing state across cycles and is replaced only when a
/// reload changes the policy.
public final class TelemetryInputSource: InputSource {
    private let monitor: LinkMonitor
    private let collector = Mutex<(policy: Policy, collector: TelemetryCollector)?>(nil)
    private let logger: Logger

    /// Starts the link monitor in the current network namespace.
    public init(logger: Logger) async throws {
        monitor = try await LinkMonitor()
        self.logger = logger
    }

    public func sample(policy: Policy) async throws -> Snapshot {
        let logger = self.logger
        let current: TelemetryCollector = collector.withLock { slot in
            if let c = slot, c.policy == policy { return c.collector }
            let fresh = TelemetryCollector(policy: policy, logger: logger)
            slot = (policy, fresh)
            return fresh
        }
        return try await current.sample()
    }

    public func events() -> AsyncStream<TimedEvent> {
        let source = monitor.events
        return AsyncStream { continuation in
            let task = Task {
                for await event in source {
                    let now = ContinuousClock.now
                    switch event {
                    case .changed(let l):
                        continuation.yield(TimedEvent(.link(name: l.name, operState: l.operState, carrier: l.carrier), receivedAt: now))
                    case .removed(let l):
                        continuation.yield(TimedEvent(.linkRemoved(name: l.name), receivedAt: now))
                    case .resync(let all):
                        for l in all {
                            continuation.yield(TimedEvent(.link(name: l.name, operState: l.operState, carrier: l.carrier), receivedAt: now))
                        }
                        continuation.yield(TimedEvent(.resync, receivedAt: now))
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Stops the link monitor's thread.
    public func stop() { monitor.stop() }
}
