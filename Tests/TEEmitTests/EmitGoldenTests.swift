import Foundation
import Testing
import TECore
@testable import TEEmit
import TEPolicy

/// Emitted files for the example policies against Tests/Golden/emit/<policy>/<file>.
/// Regenerate after an intended change: `TECTL_UPDATE_GOLDEN=1 swift test --filter EmitGoldenTests`.
@Suite struct EmitGoldenTests {
    static let goldenRoot = repositoryRoot.appendingPathComponent("Tests/Golden/emit")
    static let update = ProcessInfo.processInfo.environment["TECTL_UPDATE_GOLDEN"] == "1"

    static func emitted(_ name: String) throws -> [EmittedFile] {
        let (loaded, plan) = try planExample(name)
        var files: [EmittedFile] = []
        if let frr = loaded.extensions.frr {
            files += try FRRConfigRenderer.render(plan, settings: frr, source: "\(name).yaml").files.map { f in
                var f = f
                f.fileName = "frr/\(f.fileName)"
                return f
            }
        }
        if let sonic = loaded.extensions.sonic {
            files += try SONiCRouteRenderer.render(plan, settings: sonic).files.map { f in
                var f = f
                f.fileName = "sonic/\(f.fileName)"
                return f
            }
        }
        return files
    }

    @Test(arguments: examplePolicies)
    func emittedFilesMatchGolden(_ name: String) throws {
        let files = try Self.emitted(name)
        let dir = Self.goldenRoot.appendingPathComponent(name)
        for f in files {
            let url = dir.appendingPathComponent(f.fileName)
            if Self.update {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(f.contents.utf8).write(to: url)
                continue
            }
            let golden = try #require(try? String(contentsOf: url, encoding: .utf8), "missing golden \(url.path); run with TECTL_UPDATE_GOLDEN=1")
            #expect(f.contents == golden, "\(name)/\(f.fileName) differs from its golden file")
        }
    }
}

/// SONiC output against the APPL_DB schema (sonic-swss doc/swss-schema.md, swssconfig).
@Suite struct SONiCSchemaTests {
    static let policiesWithSONiC = examplePolicies.filter { (try? planExample($0).0.extensions.sonic) != nil }

    @Test func everyExampleHasASONiCSection() {
        #expect(Self.policiesWithSONiC == examplePolicies)
    }

    @Test(arguments: policiesWithSONiC)
    func swssconfigFileFollowsTheRouteTableSchema(_ name: String) throws {
        let (loaded, plan) = try planExample(name)
        let sonic = try #require(loaded.extensions.sonic)
        let result = try SONiCRouteRenderer.render(plan, settings: sonic)
        #expect(result.files.map(\.device) == sonic.devices.map(\.name))
        let planned = plan.routes.filter { $0.status == .planned }
        for file in result.files {
            let json = try JSONSerialization.jsonObject(with: Data(file.contents.utf8))
            let array = try #require(json as? [[String: Any]], "\(file.fileName): not an array of objects")
            #expect(array.count == planned.reduce(0) { $0 + $1.prefixes.count })
            for object in array {
                #expect(object.count == 2)
                #expect(object["OP"] as? String == "SET")
                let key = try #require(object.keys.first { $0 != "OP" })
                #expect(key.hasPrefix("ROUTE_TABLE:"))
                let fields = try #require(object[key] as? [String: String], "\(key): fields must be strings")
                #expect(Set(fields.keys) == ["nexthop", "ifname", "weight"])
                let nexthops = try #require(fields["nexthop"]).split(separator: ",").map(String.init)
                let ifnames = try #require(fields["ifname"]).split(separator: ",").map(String.init)
                let weights = try #require(fields["weight"]).split(separator: ",").map { Int($0) }
                // orchagent uses weights only when there are as many as next-hops.
                #expect(nexthops.count == ifnames.count && ifnames.count == weights.count, "\(key)")
                let w = weights.compactMap { $0 }
                #expect(w.count == weights.count && w.allSatisfy { $0 >= 1 })
                #expect(w.reduce(0, +) <= sonic.groupSize, "\(key): weights \(w) exceed the group size \(sonic.groupSize)")
                let prefixText = String(key.dropFirst("ROUTE_TABLE:".count)).split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
                let vrfPrefixed = key.dropFirst("ROUTE_TABLE:".count).hasPrefix("Vrf")
                let prefix = try #require(IPPrefix(vrfPrefixed ? prefixText : String(key.dropFirst("ROUTE_TABLE:".count))), "\(key)")
                let route = try #require(planned.first { $0.prefixes.contains(prefix) })
                #expect(nexthops == route.members.map(\.via.description))
                for a in nexthops { #expect(IPAddress(a)?.family == prefix.family) }
                // Least max error at this group size: within 1/group size of the plan's ideal shares.
                let total = Double(w.reduce(0, +))
                for (weight, m) in zip(w, route.members) {
                    #expect(abs(Double(weight) / total - m.idealShare) <= 1.0 / Double(sonic.groupSize) + 1e-9, "\(key) \(m.name)")
                }
            }
        }
    }

    @Test func fortyTenTenIsFourOneOne() throws {
        let (loaded, plan) = try planExample("fabric-3link")
        var warnings: [String] = []
        let sonic = try #require(loaded.extensions.sonic)
        let entries = try SONiCRouteRenderer.entries(plan, settings: sonic, device: sonic.devices[0], warnings: &warnings)
        #expect(entries == [SONiCRouteRenderer.Entry(key: "ROUTE_TABLE:203.0.113.0/24", nexthops: ["198.51.100.1", "198.51.100.5", "198.51.100.9"],
                                                      ifnames: ["Ethernet0", "Ethernet4", "Ethernet8"], weights: [4, 1, 1])])
    }

    @Test func sameprefixInTwoClassesNeedsAVRF() throws {
        let yaml = """
            version: 1
            nexthops: [{name: a, via: 198.51.100.1, dev: e1}, {name: b, via: 198.51.100.5, dev: e2}]
            classes: [{name: x, priority: 0, table: 101}, {name: y, priority: 1, table: 102}]
            routes: [{prefix: 203.0.113.0/24, class: x, nexthops: [a, b]}, {prefix: 203.0.113.0/24, class: y, nexthops: [a]}]
            sonic: {group_size: 16}
            """
        let loaded = try PolicyLoader.load(yaml: yaml, file: "t.yaml")
        let snap = Snapshot(timestamp: Date(timeIntervalSince1970: 0), links: [
            LinkSample(name: "e1", ifindex: 2, operState: "up", carrier: true, speedMbps: 1000),
            LinkSample(name: "e2", ifindex: 3, operState: "up", carrier: true, speedMbps: 1000),
        ])
        let plan = Planner(policy: loaded.policy).plan(snapshot: snap)
        var settings = try #require(loaded.extensions.sonic)
        #expect(throws: EmitError.self) { try SONiCRouteRenderer.render(plan, settings: settings) }
        settings.vrfs = ["y": "Vrf-y"]
        let text = try SONiCRouteRenderer.render(plan, settings: settings).files[0].contents
        #expect(text.contains("\"ROUTE_TABLE:Vrf-y:203.0.113.0/24\""))
    }
}
