import Foundation
import TECore

/// The inputs `run --once` and `plan` read from the live namespace: link state (from LinkDump,
/// until the telemetry collector feeds counters) and the interface index of every device.
public struct LiveInputs: Sendable {
    public var snapshot: Snapshot
    public var interfaces: [String: Int32]

    /// Inputs from a snapshot read by telemetry; interfaces are its links.
    public init(snapshot: Snapshot) {
        self.snapshot = snapshot
        var interfaces: [String: Int32] = [:]
        for l in snapshot.links { interfaces[l.name] = l.ifindex }
        self.interfaces = interfaces
    }

    public init(snapshot: Snapshot, interfaces: [String: Int32]) {
        self.snapshot = snapshot
        self.interfaces = interfaces
    }

    /// The links of the calling thread's namespace as telemetry's first sample has them (speed
    /// from ethtool, utilization 0), without feeds or latency. Blocking (one RTM_GETLINK dump).
    public static func read(now: Date = Date()) throws(NetlinkError) -> LiveInputs {
        let links = try LinkDump.counters().map {
            LinkSample(name: $0.name, ifindex: $0.ifindex, operState: $0.operState, carrier: $0.carrier, speedMbps: $0.speedMbps)
        }
        var interfaces: [String: Int32] = [:]
        for l in links { interfaces[l.name] = l.ifindex }
        return LiveInputs(snapshot: Snapshot(timestamp: now, links: links), interfaces: interfaces)
    }
}
