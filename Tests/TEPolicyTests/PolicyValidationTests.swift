import Foundation
import TECore
import Testing
@testable import TEPolicy

/// A minimal valid policy; cases below break one thing at a time.
private let valid = """
version: 1
nexthops:
  - {name: up1, via: 198.51.100.1, dev: veth1, capacity: 10G}
  - {name: up2, via: 198.51.100.5, dev: veth2, capacity: 10G}
classes:
  - {name: training, priority: 0, dscp: [26], table: 101}
routes:
  - {prefix: 203.0.113.0/24, class: training, nexthops: [up1, up2]}

"""

/// Every diagnostic of loading `yaml` as p.yaml (none when it is valid).
func diagnostics(_ yaml: String) -> [String] {
    do {
        _ = try PolicyLoader.load(yaml: yaml, file: "p.yaml")
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

@Suite struct PolicyValidationTests {
    @Test func minimalPolicyIsValidWithDefaults() throws {
        let loaded = try PolicyLoader.load(yaml: valid, file: "p.yaml")
        let p = loaded.policy
        #expect(p.nexthops.map(\.name) == ["up1", "up2"])
        #expect(p.nexthops[0].capacity == .gbps(10))
        #expect(p.control.interval == .seconds(1))
        #expect(p.control.hysteresis == 0.05)
        #expect(p.ownership.protocolNumber == 250)
        #expect(p.routes[0].group.type == .resilient)
        #expect(p.routes[0].group.buckets == 128)
        #expect(loaded.locations["nexthops[1].dev"] == SourceLocation(line: 4, column: 41))
    }

    /// Each case: the policy text, and every diagnostic it must produce, in order.
    static let badPolicies: [(String, String, [String])] = [
        ("missing version", String(valid.dropFirst("version: 1\n".count)), [
            "p.yaml:1:1: missing required key \"version\" (add \"version: 1\" at the top)",
        ]),
        ("unknown version", valid.replacingOccurrences(of: "version: 1", with: "version: 2"), [
            "p.yaml:1:10: version: unknown policy version 2; this tectl reads version 1",
        ]),
        ("unknown key with suggestion", valid.replacingOccurrences(of: "capacity: 10G}\n  - {name: up2", with: "capacty: 10G}\n  - {name: up2"), [
            "p.yaml:3:48: nexthops[0].capacty: unknown key \"capacty\"; did you mean \"capacity\"?",
        ]),
        ("unknown top-level key", valid + "clases: []\n", [
            "p.yaml:9:1: clases: unknown key \"clases\"; did you mean \"classes\"?",
        ]),
        ("wrong type", valid.replacingOccurrences(of: "priority: 0", with: "priority: high"), [
            "p.yaml:6:32: classes[0].priority: expected an integer, found \"high\"",
        ]),
        ("duplicate next-hop name", valid.replacingOccurrences(of: "name: up2", with: "name: up1"), [
            "p.yaml:4:12: nexthops[1].name: duplicate next-hop name \"up1\" (first defined at nexthops[0])",
            "p.yaml:8:63: routes[0].nexthops[1]: undefined next-hop \"up2\"; did you mean \"up1\"?",
        ]),
        ("undefined next-hop", valid.replacingOccurrences(of: "nexthops: [up1, up2]", with: "nexthops: [up1, up3]"), [
            "p.yaml:8:63: routes[0].nexthops[1]: undefined next-hop \"up3\"; did you mean \"up1\"?",
        ]),
        ("undefined class", valid.replacingOccurrences(of: "class: training", with: "class: trainig"), [
            "p.yaml:8:37: routes[0].class: undefined class \"trainig\"; did you mean \"training\"?",
        ]),
        ("host bits set", valid.replacingOccurrences(of: "203.0.113.0/24", with: "203.0.113.7/24"), [
            "p.yaml:8:14: routes[0].prefix: 203.0.113.7/24 has host bits set; did you mean 203.0.113.0/24?",
        ]),
        ("family mismatch", valid.replacingOccurrences(of: "203.0.113.0/24", with: "\"2001:db8::/32\""), [
            "p.yaml:8:59: routes[0].nexthops[0]: next-hop \"up1\" is IPv4 (via 198.51.100.1) but the route's prefixes are IPv6",
            "p.yaml:8:64: routes[0].nexthops[1]: next-hop \"up2\" is IPv4 (via 198.51.100.5) but the route's prefixes are IPv6",
        ]),
        ("capacity zero", valid.replacingOccurrences(of: "capacity: 10G}\n  - {name: up2", with: "capacity: 0G}\n  - {name: up2"), [
            "p.yaml:3:58: nexthops[0].capacity: must be greater than 0, found \"0G\"",
        ]),
        ("capacity unparsable", valid.replacingOccurrences(of: "capacity: 10G}\n  - {name: up2", with: "capacity: 10Q}\n  - {name: up2"), [
            "p.yaml:3:58: nexthops[0].capacity: \"10Q\" is not a bandwidth (e.g. 400G, 10Gbps, 100M, 1.5T)",
        ]),
        ("dscp out of range", valid.replacingOccurrences(of: "dscp: [26]", with: "dscp: [26, 64]"), [
            "p.yaml:6:46: classes[0].dscp[1]: 64 is out of range 0–63",
        ]),
        ("reserved table", valid.replacingOccurrences(of: "table: 101", with: "table: 254"), [
            "p.yaml:6:54: classes[0].table: table 254 is reserved (253 default, 254 main, 255 local); pick another, such as 101",
        ]),
        ("same prefix twice in a table", valid + "  - {prefix: 203.0.113.0/24, class: training, nexthops: [up2]}\n", [
            "p.yaml:9:14: routes[1]: prefix 203.0.113.0/24 is already routed in table 101 by routes[0]",
        ]),
        ("undefined feed", valid.replacingOccurrences(of: "capacity: 10G}\n  - {name: up2", with: "capacity: 10G, gpu: {feed: dcgm, host: n1}}\n  - {name: up2"), [
            "p.yaml:3:75: nexthops[0].gpu.feed: undefined feed \"dcgm\"",
        ]),
        ("bad address", valid.replacingOccurrences(of: "198.51.100.1,", with: "198.51.100.300,"), [
            "p.yaml:3:22: nexthops[0].via: \"198.51.100.300\" is not an IPv4 or IPv6 address",
        ]),
        ("YAML syntax error", "version: 1\nnexthops: [\n", [
            "p.yaml:3:1: YAML syntax: while parsing a flow node (line 3): did not find expected node content",
        ]),
    ]

    @Test(arguments: badPolicies)
    func rejectsWithLocatedMessages(name: String, yaml: String, expected: [String]) {
        #expect(diagnostics(yaml) == expected, "\(name)")
    }

    @Test func reportsEveryErrorOfAFile() {
        let yaml = valid
            .replacingOccurrences(of: "version: 1", with: "version: 7")
            .replacingOccurrences(of: "dscp: [26]", with: "dscp: [99]")
            .replacingOccurrences(of: "table: 101", with: "table: 255")
        let found = diagnostics(yaml)
        #expect(found.count == 3)
        #expect(found.allSatisfy { $0.hasPrefix("p.yaml:") })
    }

    @Test func feedKindsNeedTheirFields() {
        let yaml = valid + """
        feeds:
          - {name: prom, kind: prometheus-api, url: "http://127.0.0.1:9090"}
          - {name: smi, kind: nvidia-smi-csv}
          - {name: x, kind: prometheus-txt, url: "http://127.0.0.1:9400/metrics"}
          - {name: t, kind: prometheus-text, url: "https://127.0.0.1:9400/metrics"}

        """
        #expect(diagnostics(yaml) == [
            "p.yaml:10:5: feeds[0]: a prometheus-api feed needs \"query\"",
            "p.yaml:11:5: feeds[1]: a nvidia-smi-csv feed needs \"path\"",
            "p.yaml:12:21: feeds[2].kind: unknown feed kind \"prometheus-txt\" (one of: prometheus-text, prometheus-api, nvidia-smi-csv, json-file); did you mean \"prometheus-text\"?",
            "p.yaml:13:43: feeds[3].url: https:// is not supported yet; use http:// (put a local proxy in front of TLS endpoints)",
        ])
    }

    @Test func hostCheckNamesTheDevField() throws {
        let loaded = try PolicyLoader.load(yaml: valid, file: "p.yaml")
        let problems = loaded.checkHost(interfaces: ["lo", "veth1"]).map(\.description)
        #expect(problems == ["p.yaml:4:41: nexthops[1].dev: device \"veth2\" does not exist on this host (next-hop up2)"])
    }

    @Test func manyPrefixesShareOneEntry() throws {
        let prefixes = (0..<2000).map { "203.0.\(113 + $0 / 256 % 1).\($0 % 256)/32" }
        let unique = Array(Set(prefixes)).sorted()
        let yaml = valid + "  - class: training\n    nexthops: [up1, up2]\n    prefixes: [\(unique.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        // 203.0.113.0/24 is listed in routes[0]; /32s inside it are different prefixes: allowed.
        let loaded = try PolicyLoader.load(yaml: yaml, file: "p.yaml")
        #expect(loaded.policy.routes[1].prefixes.count == unique.count)
    }
}

@Suite struct ExamplePolicyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let examples: [String] = {
        let dir = root.appendingPathComponent("Policies")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir.appendingPathComponent($0).path }
    }()

    @Test func thereAreExamples() {
        #expect(Self.examples.count >= 3)
    }

    @Test(arguments: examples)
    func exampleValidates(path: String) throws {
        let loaded = try PolicyLoader.load(path: path)
        #expect(!loaded.policy.routes.isEmpty)
    }
}
