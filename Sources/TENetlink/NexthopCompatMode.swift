import Foundation

/// `net.ipv4.nexthop_compat_mode` of the current network namespace. With 1 (the kernel default)
/// routes that use nexthop objects are also reported with their expanded paths, and replacing a
/// group sends a notification for every route that uses it (about 100 ms for 100k routes); with 0
/// a group replace costs about 0.1 ms, but old tools see only `nhid`. tectl changes it only when
/// the policy says so (`ownership.nexthop_compat_mode`), and says when it does.
public enum NexthopCompatMode {
    public static let path = "/proc/sys/net/ipv4/nexthop_compat_mode"

    /// The current value, or nil when the kernel has no such sysctl.
    public static func read() -> Bool? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        switch text.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "0": return false
        case "1": return true
        default: return nil
        }
    }

    public static func write(_ value: Bool) throws(NetlinkError) {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw NetlinkError(operation: "set net.ipv4.nexthop_compat_mode", message: "cannot open \(path)")
        }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data((value ? "1\n" : "0\n").utf8))
        } catch {
            throw NetlinkError(operation: "set net.ipv4.nexthop_compat_mode", message: "\(error)")
        }
    }
}
