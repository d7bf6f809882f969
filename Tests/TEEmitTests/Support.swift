import Foundation
import TECore
import TEEmit
import TEPolicy

/// The repository root, found from this file's path (tests read Policies/ and Tests/Golden/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let isRoot = getuid() == 0

/// The example policies that have a snapshot, by base name (`training-4rail`).
let examplePolicies: [String] = {
    let dir = repositoryRoot.appendingPathComponent("Policies")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        .filter { names.contains("\($0).snapshot.json") }.sorted()
}()

/// Loads `Policies/NAME.yaml`, plans it on `Policies/NAME.snapshot.json`.
func planExample(_ name: String) throws -> (LoadedPolicy, Plan) {
    let dir = repositoryRoot.appendingPathComponent("Policies")
    let loaded = try PolicyLoader.load(path: dir.appendingPathComponent("\(name).yaml").path)
    let data = try Data(contentsOf: dir.appendingPathComponent("\(name).snapshot.json"))
    let plan = Planner(policy: loaded.policy).plan(snapshot: try Snapshot.decode(data))
    return (loaded, plan)
}

/// Result of a finished process.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
}

/// Runs `path args` and waits (posix_spawn + waitpid: FRR daemons fork into the background, and
/// the child that exits must be reaped here). Output goes through files so it cannot block.
@discardableResult
func runProcess(_ path: String, _ args: [String], timeout: TimeInterval = 30) throws -> ProcessResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-emit-run-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out").path, err = dir.appendingPathComponent("err").path

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }

    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    while waitpid(pid, &status, WNOHANG) == 0 {
        if Date() >= deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            break
        }
        usleep(10_000)
    }
    // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
    let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return ProcessResult(status: exit,
                         stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
}

/// A private directory that the `frr` user can read (and, with `ownedByFRR`, write).
func makeFRRDirectory(_ tag: String, ownedByFRR: Bool = false) throws -> URL {
    let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("tectl-emit-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    if ownedByFRR { try runProcess("/bin/chown", ["frr:frr", dir.path]) }
    return dir
}

func writeReadable(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
}

let frrInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/vtysh") && FileManager.default.isExecutableFile(atPath: "/usr/lib/frr/bgpd")

/// frr-reload.py ships in frr-pythontools (a Recommends of frr) and runs on python3.
let frrReloadInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") && FileManager.default.fileExists(atPath: "/usr/lib/frr/frr-reload.py")

/// The lines of an FRR daemon's `-C` (dry run) output that report a command it did not take.
/// The daemons exit 0 either way, so this is what tells a good file from a bad one.
func failedCommandLines(_ output: String) -> [String] {
    output.split(separator: "\n").map(String.init).filter { line in
        line.contains("on config line") || line.contains("Unknown command") || line.hasPrefix("%")
            || line.contains("does not exist") || line.contains("Command incomplete") || line.contains("Ambiguous command")
    }
}
