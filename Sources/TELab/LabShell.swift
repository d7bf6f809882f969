import Foundation

/// Runs `ip` and friends for the lab. Throws with the command and its stderr on failure.
public enum LabShell {
    public struct CommandError: Error, CustomStringConvertible {
        public var command: [String]
        public var status: Int32
        public var stderr: String
        public var description: String { "\(command.joined(separator: " ")): exit \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }

    /// Runs `argv` (looked up in PATH, then /usr/sbin, /sbin) and returns its standard output.
    @discardableResult
    public static func run(_ argv: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = (env["PATH"].map { $0 + ":" } ?? "") + "/usr/sbin:/sbin:/usr/bin:/bin"
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandError(command: argv, status: process.terminationStatus, stderr: String(decoding: errData, as: UTF8.self))
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// Network namespaces that exist now.
    public static func namespaces() throws -> Set<String> {
        let out = try run(["ip", "netns", "list"])
        return Set(out.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    }
}
