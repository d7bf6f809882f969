import Foundation
import TECore
import TEEmit
import TEPolicy
import Testing

/// The plan for every example in Policies/ (with the snapshot beside it) must match the golden
/// files next to it, in text and JSON. After an intended change of the planner or renderers,
/// regenerate with `TECTL_UPDATE_GOLDEN=1 swift test --filter GoldenPlanTests` and review the diff.
@Suite struct GoldenPlanTests {
    static let policies = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Policies")

    static let examples: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: policies.path)) ?? []
        return names.filter { name in
            name.hasSuffix(".yaml")
                && FileManager.default.fileExists(atPath: policies.appendingPathComponent(name.replacingOccurrences(of: ".yaml", with: ".snapshot.json")).path)
        }.map { String($0.dropLast(".yaml".count)) }.sorted()
    }()

    @Test func everyExampleHasASnapshot() {
        #expect(Self.examples.count >= 3)
    }

    @Test(arguments: examples)
    func planMatchesGolden(name: String) throws {
        let base = Self.policies.appendingPathComponent(name)
        let loaded = try PolicyLoader.load(path: base.path + ".yaml")
        let snapshot = try Snapshot.decode(Data(contentsOf: URL(fileURLWithPath: base.path + ".snapshot.json")))
        let plan = Planner(policy: loaded.policy).plan(snapshot: snapshot)
        let outputs = [
            ("plan.txt", PlanTextRenderer.render(plan, protocolNumber: loaded.policy.ownership.protocolNumber)),
            ("plan.json", try PlanJSONRenderer.render(plan)),
        ]
        for (suffix, actual) in outputs {
            let golden = URL(fileURLWithPath: base.path + "." + suffix)
            if ProcessInfo.processInfo.environment["TECTL_UPDATE_GOLDEN"] == "1" {
                try actual.write(to: golden, atomically: true, encoding: .utf8)
                continue
            }
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(actual == expected, "\(name).\(suffix) differs from the golden file")
        }
    }

    @Test func planNeverHasAnEmptyGroup() throws {
        for name in Self.examples {
            let base = Self.policies.appendingPathComponent(name)
            let loaded = try PolicyLoader.load(path: base.path + ".yaml")
            var snapshot = try Snapshot.decode(Data(contentsOf: URL(fileURLWithPath: base.path + ".snapshot.json")))
            // Every link down: every route must be kept, none planned with no members.
            snapshot.links = snapshot.links.map { var l = $0; l.carrier = false; l.operState = "down"; return l }
            let plan = Planner(policy: loaded.policy).plan(snapshot: snapshot)
            for route in plan.routes {
                #expect(route.status == .kept)
                #expect(route.reason?.contains("no usable next-hop") == true)
            }
        }
    }

    @Test func jsonRoundTripsThePlan() throws {
        let base = Self.policies.appendingPathComponent("dual-stack")
        let loaded = try PolicyLoader.load(path: base.path + ".yaml")
        let snapshot = try Snapshot.decode(Data(contentsOf: URL(fileURLWithPath: base.path + ".snapshot.json")))
        let plan = Planner(policy: loaded.policy).plan(snapshot: snapshot)
        let json = try PlanJSONRenderer.render(plan)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let routes = try #require(object["routes"] as? [[String: Any]])
        #expect(routes.count == 2)
        let hops = try #require(routes[0]["nexthops"] as? [[String: Any]])
        #expect(hops.map { $0["name"] as? String } == ["a4", "b4"])
        #expect(hops.map { $0["weight"] as? Int } == [4, 1])
        #expect(routes[1]["prefixes"] as? [String] == ["2001:db8:100::/48", "2001:db8:200::/48"])
    }
}
