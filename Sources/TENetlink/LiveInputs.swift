import Foundation
import TECore

/// The inputs `run --once` and `plan` read from the live namespace: link state (from LinkDump,
/// until the telemetry collector feeds counters) and the interface index of every device.
public struct LiveInputs: Sendable {
    public var snapshot: Snapshot
    public var interfaces: [String: Int32]

    public static func read(now: Date = Date()) throws(NetlinkError) -> LiveInputs {
        let links = try LinkDump.links()
        var interfaces: [String: Int32] = [:]
        for l in links { interfaces[l.name] = l.ifindex }
        return LiveInputs(snapshot: Snapshot(timestamp: now, links: links), interfaces: interfaces)
    }
}
