import Foundation
import Testing

/// Runs the built `tectl` binary (it sits beside the test bundle) and returns status and output.
func runTectl(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let binary = dir.appendingPathComponent("tectl")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

@Suite struct CLITests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func validateAcceptsExamplesAndRejectsBrokenFilesWithExit1() throws {
        let good = Self.repo.appendingPathComponent("Policies/training-4rail.yaml").path
        let ok = try runTectl(["validate", good])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("ok"))

        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-bad-\(getpid()).yaml")
        try """
        version: 1
        nexthops:
          - {name: a, via: 198.51.100.1, dev: eth0, capacity: fast}
        classes:
          - {name: c, priority: 0, table: 255}
        routes:
          - {prefix: 203.0.113.1/24, class: c, nexthops: [a, b]}

        """.write(to: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bad) }
        let result = try runTectl(["validate", good, bad.path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(bad.path):3:55: nexthops[0].capacity: \"fast\" is not a bandwidth (e.g. 400G, 10Gbps, 100M, 1.5T)",
            "\(bad.path):5:35: classes[0].table: table 255 is reserved (253 default, 254 main, 255 local); pick another, such as 101",
            "\(bad.path):7:14: routes[0].prefix: 203.0.113.1/24 has host bits set; did you mean 203.0.113.0/24?",
            "\(bad.path):7:54: routes[0].nexthops[1]: undefined next-hop \"b\"",
        ])
    }

    @Test func planPrintsTextAndJSONForASnapshot() throws {
        let policy = Self.repo.appendingPathComponent("Policies/dual-stack.yaml").path
        let snapshot = Self.repo.appendingPathComponent("Policies/dual-stack.snapshot.json").path
        let text = try runTectl(["plan", "--policy", policy, "--snapshot", snapshot])
        #expect(text.status == 0)
        #expect(text.stdout.contains("nexthop via 198.51.100.1 dev uplink-a weight 4"))
        let json = try runTectl(["plan", "--policy", policy, "--snapshot", snapshot, "--format", "json"])
        #expect(json.status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil)
    }

    @Test func planRefusesAnInvalidPolicyAndABrokenSnapshot() throws {
        let policy = Self.repo.appendingPathComponent("Policies/dual-stack.yaml").path
        let snap = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-snap-\(getpid()).json")
        try #"{"timestamp": "2026-11-26T12:00:00Z", "links": [{"name": "x", "oper_state": "up"}]}"#.write(to: snap, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: snap) }
        let result = try runTectl(["plan", "--policy", policy, "--snapshot", snap.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("links[0].carrier: missing"))
        #expect(result.stdout.isEmpty)
    }
}
