import Foundation
import TECore
import TENetlink

/// Link state from a netlink dump at every sample, no counters and no events: the input source
/// `tectl run` uses until the telemetry module's (events, counters, feeds) is wired in.
public struct LinkDumpInputSource: InputSource {
    public init() {}

    public func sample(policy: Policy) async throws -> Snapshot {
        Snapshot(timestamp: Date(), links: try LinkDump.links())
    }

    public func events() -> AsyncStream<TimedEvent> {
        AsyncStream { _ in }
    }
}
