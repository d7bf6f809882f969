import Foundation
import Synchronization

/// Network-namespace lab used by the kernel tests, the benchmarks and `tectl lab`.
public enum Lab {
    /// True when the process runs as root (namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN).
    public static var isRoot: Bool { getuid() == 0 }

    private static let counter = Atomic<Int>(0)

    /// A namespace name unique on the host: `PREFIX-<pid>-<n>` (parallel test runs do not clash).
    public static func uniqueName(prefix: String = "tectl-k") -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return "\(prefix)-\(getpid())-\(n)"
    }

    /// Runs a program and returns its standard output; throws with its standard error when it
    /// exits non-zero.
    @discardableResult
    public static func command(_ arguments: [String], input: String? = nil) throws(LabError) -> String {
        let r = execute(arguments, input: input)
        guard r.status == 0 else {
            throw LabError(command: arguments.joined(separator: " "), status: r.status, output: r.standardError + r.standardOutput)
        }
        return r.standardOutput
    }

    /// Runs a program and returns its exit status and output, whatever the status.
    public static func execute(_ arguments: [String], input: String? = nil) -> CommandResult {
        guard let first = arguments.first else { return CommandResult(status: -1, standardOutput: "", standardError: "empty command") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: resolve(first))
        p.arguments = Array(arguments.dropFirst())
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        do { try p.run() } catch {
            return CommandResult(status: -1, standardOutput: "", standardError: "\(error)")
        }
        // Read both pipes while the child runs so that neither fills up.
        let errBox = OutputBox()
        let errReader = Thread { errBox.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errReader.start()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try? inp.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = errBox.wait()
        return CommandResult(status: p.terminationStatus, standardOutput: String(decoding: data, as: UTF8.self), standardError: String(decoding: errData, as: UTF8.self))
    }

    /// `ip`, `sysctl`, `nft`... from the usual places.
    static func resolve(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return "/usr/bin/\(name)"
    }

    /// Creates a veth pair with one end in each namespace, both up.
    public static func veth(_ a: String, in nsA: NetworkNamespace, peer b: String, in nsB: NetworkNamespace) throws(LabError) {
        try command(["ip", "link", "add", a, "netns", nsA.name, "type", "veth", "peer", "name", b, "netns", nsB.name])
        try nsA.ip("link", "set", a, "up")
        try nsB.ip("link", "set", b, "up")
    }
}

/// Exit status and output of a program.
public struct CommandResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// A failed lab command, with its output.
public struct LabError: Error, CustomStringConvertible, Sendable {
    public var command: String
    public var status: Int32
    public var output: String

    public var description: String { "`\(command)` exited \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))" }
}

/// Hands a value from a worker thread to the waiting one.
final class OutputBox: @unchecked Sendable {
    private let lock = NSCondition()
    private var value: Data?

    func set(_ v: Data) {
        lock.lock()
        value = v
        lock.signal()
        lock.unlock()
    }

    func wait() -> Data {
        lock.lock()
        defer { lock.unlock() }
        while value == nil { lock.wait() }
        return value ?? Data()
    }
}
