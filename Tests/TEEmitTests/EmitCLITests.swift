import Foundation
import Testing

@Suite struct EmitCLITests {
    static let policies = repositoryRoot.appendingPathComponent("Policies")
    static let golden = repositoryRoot.appendingPathComponent("Tests/Golden/emit")

    func args(_ name: String) -> [String] {
        ["--policy", Self.policies.appendingPathComponent("\(name).yaml").path,
         "--snapshot", Self.policies.appendingPathComponent("\(name).snapshot.json").path]
    }

    @Test func sonicPrintsTheOneDevicesFile() throws {
        let r = try runTectl(["emit", "sonic"] + args("fabric-3link"))
        #expect(r.status == 0, "\(r.stderr)")
        let expected = try String(contentsOf: Self.golden.appendingPathComponent("fabric-3link/sonic/leaf-1.json"), encoding: .utf8)
        #expect(r.stdout == expected)
    }

    @Test func frrWithSeveralDevicesNeedsDeviceOrOutput() throws {
        let r = try runTectl(["emit", "frr"] + args("fabric-3link"))
        #expect(r.status == 1)
        #expect(r.stderr.contains("2 devices (leaf-1, spine-1): give --device NAME or --output DIR"))
        let one = try runTectl(["emit", "frr", "--device", "spine-1"] + args("fabric-3link"))
        #expect(one.status == 0)
        #expect(one.stdout.contains("set extcommunity bandwidth 66\n"))
        let unknown = try runTectl(["emit", "frr", "--device", "spine-2"] + args("fabric-3link"))
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no device \"spine-2\""))
    }

    @Test func outputWritesOneFilePerDevice() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-emit-cli-\(getpid())-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runTectl(["emit", "frr", "--output", dir.path] + args("training-4rail"))
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["gpu-host-1.conf", "rail0-sw.conf", "rail1-sw.conf", "rail2-sw.conf", "rail3-sw.conf"])
        for name in names {
            let written = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let expected = try String(contentsOf: Self.golden.appendingPathComponent("training-4rail/frr/\(name)"), encoding: .utf8)
            #expect(written == expected, "\(name)")
        }
    }

    @Test func missingSectionIsExit1() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-emit-cli-\(getpid())-\(UUID().uuidString.prefix(8)).yaml")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            version: 1
            nexthops: [{name: a, via: 198.51.100.1, dev: lo}]
            classes: [{name: c, priority: 0, table: 101}]
            routes: [{prefix: 203.0.113.0/24, class: c, nexthops: [a]}]

            """.write(to: dir, atomically: true, encoding: .utf8)
        let r = try runTectl(["emit", "frr", "--policy", dir.path, "--snapshot", Self.policies.appendingPathComponent("fabric-3link.snapshot.json").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("the policy has no \"frr:\" section"))
    }
}
