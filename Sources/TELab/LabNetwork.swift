import Foundation

/// A `LabTopology` built under a unique name for a test or a benchmark: its namespaces and its
/// scratch directory are removed when it is released.
public final class LabNetwork: Sendable {
    public let topology: LabTopology
    public let host: NetworkNamespace
    public let router: NetworkNamespace
    /// A scratch directory for policies and logs (removed with the lab).
    public let directory: String

    /// Builds `topology`'s variant with `uplinks` under the unique prefix `PREFIX-<pid>-<n>`.
    public init(uplinks: Int, prefix: String, ipv6: Bool = true, staticNeighbours: Bool = false, answers: Bool = true) throws(LabError) {
        let topology = LabTopology(uplinks: uplinks, prefix: Lab.uniqueName(prefix: prefix), ipv6: ipv6, staticNeighbours: staticNeighbours, answers: answers)
        self.topology = topology
        host = try NetworkNamespace(named: topology.hostNamespace)
        router = try NetworkNamespace(named: topology.routerNamespace)
        try topology.build()
        directory = NSTemporaryDirectory() + "/" + topology.prefix
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LabError(command: "mkdir \(directory)", status: -1, output: "\(error)")
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    public var uplinks: Int { topology.uplinks }

    /// Writes a file in the lab's directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `tectl ARGS...` (the one built beside the running test bundle or benchmark) inside the
    /// host namespace.
    public func tectl(_ arguments: [String]) -> CommandResult {
        host.execute([Lab.builtExecutable("tectl")] + arguments)
    }
}

extension Lab {
    /// The path of a product of this package's build (`tectl`), found beside the running
    /// executable (a test bundle sits one level deeper), else in `.build/debug`.
    public static func builtExecutable(_ name: String) -> String {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            exe.appendingPathComponent(name).path,
            exe.deletingLastPathComponent().appendingPathComponent(name).path,
            FileManager.default.currentDirectoryPath + "/.build/debug/\(name)",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[2]
    }
}
