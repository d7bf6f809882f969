import CNetlinkShim
import Glibc
import TECore

/// Sends many UDP flows from the current namespace (call it inside `NetworkNamespace.perform`).
public enum TrafficSpray {
    /// Sends `count` datagrams to `addresses` consecutive destinations starting at `start`, with
    /// destination ports 1024... (`ports` of them): `addresses × ports` distinct flows.
    /// Returns the datagrams sent.
    public static func udp(to start: IPAddress, addresses: Int, ports: Int, dscp: UInt8, count: Int) throws(LabError) -> Int {
        let rc = start.bytes.withUnsafeBufferPointer { b in
            tectl_udp_spray(start.family.kernelValue, b.baseAddress, UInt32(addresses), UInt32(ports), dscp, count)
        }
        guard rc >= 0 else { throw LabError(command: "udp spray to \(start)", status: Int32(-rc), output: String(cString: strerror(Int32(-rc)))) }
        return rc
    }
}
