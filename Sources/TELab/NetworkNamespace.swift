import CNetlinkShim
import Foundation

/// A named network namespace (`ip netns add`), deleted by `delete()` or when released.
public final class NetworkNamespace: Sendable {
    public let name: String

    /// Creates a namespace with a unique name and its loopback up.
    public convenience init(prefix: String = "tectl-k") throws(LabError) {
        try self.init(named: Lab.uniqueName(prefix: prefix))
    }

    /// Creates the namespace `name` (which must not exist) with its loopback up.
    public init(named name: String) throws(LabError) {
        self.name = name
        try Lab.command(["ip", "netns", "add", name])
        try ip("link", "set", "lo", "up")
    }

    deinit { delete() }

    /// Deletes the namespace (and the devices in it); idempotent.
    public func delete() {
        _ = try? Lab.command(["ip", "netns", "delete", name])
    }

    /// `ip -n NAME ARGS...`.
    @discardableResult
    public func ip(_ arguments: String...) throws(LabError) -> String {
        try Lab.command(["ip", "-n", name] + arguments)
    }

    /// `ip -n NAME -batch -` with `lines`.
    public func ipBatch(_ lines: String, force: Bool = false) throws(LabError) {
        try Lab.command(["ip", "-n", name] + (force ? ["-force"] : []) + ["-batch", "-"], input: lines)
    }

    /// Runs a program inside the namespace (`ip netns exec`).
    @discardableResult
    public func exec(_ arguments: [String], input: String? = nil) throws(LabError) -> String {
        try Lab.command(["ip", "netns", "exec", name] + arguments, input: input)
    }

    /// Runs a program inside the namespace and returns its status and output, whatever the status.
    public func execute(_ arguments: [String], input: String? = nil) -> CommandResult {
        Lab.execute(["ip", "netns", "exec", name] + arguments, input: input)
    }

    /// Sets a sysctl inside the namespace.
    public func sysctl(_ key: String, _ value: String) throws(LabError) {
        try exec(["sysctl", "-qw", "\(key)=\(value)"])
    }

    /// A device counter from sysfs inside the namespace (`tx_packets`...).
    public func counter(_ dev: String, _ name: String) throws(LabError) -> Int {
        let text = try exec(["cat", "/sys/class/net/\(dev)/statistics/\(name)"])
        guard let v = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LabError(command: "read \(dev)/\(name)", status: -1, output: text)
        }
        return v
    }

    /// Runs `body` on a dedicated thread that has entered this namespace with setns(2): netlink
    /// sockets and /proc/sys/net opened there belong to the namespace. The calling thread and the
    /// Swift concurrency pools never change namespace.
    public func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let path = "/var/run/netns/\(name)"
        let thread = Thread {
            let rc = tectl_setns_path(path)
            if rc < 0 {
                box.set(.failure(LabError(command: "setns \(path)", status: -rc, output: String(cString: strerror(-rc)))))
                return
            }
            box.set(Result { try body() })
        }
        thread.stackSize = 8 << 20
        thread.start()
        return try box.wait().get()
    }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSCondition()
    private var value: Result<T, Error>?

    func set(_ v: Result<T, Error>) {
        lock.lock()
        value = v
        lock.signal()
        lock.unlock()
    }

    func wait() -> Result<T, Error> {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let value { return value }
            lock.wait()
        }
    }
}
