import Foundation
import Testing
import TEPolicy
import Yams

/// The files under deploy/ are checked with the tools that consume them.
@Suite struct DeployTests {
    let deploy = repositoryRoot.appendingPathComponent("deploy")

    func read(_ path: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func daemonSetIsHostNetworkNetAdminOnlyWithProbesAndAValidPolicy() throws {
        let docs = try Array(Yams.load_all(yaml: try read("kubernetes/tectl-daemonset.yaml"))).compactMap { $0 as? [String: Any] }
        #expect(docs.compactMap { $0["kind"] as? String } == ["Namespace", "ConfigMap", "DaemonSet"])
        let ds = try #require(docs.first { $0["kind"] as? String == "DaemonSet" })
        let template = try #require((ds["spec"] as? [String: Any])?["template"] as? [String: Any])
        let annotations = try #require((template["metadata"] as? [String: Any])?["annotations"] as? [String: String])
        #expect(annotations["prometheus.io/scrape"] == "true")
        #expect(annotations["prometheus.io/port"] == "9464")
        let pod = try #require(template["spec"] as? [String: Any])
        #expect(pod["hostNetwork"] as? Bool == true)
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let caps = try #require((container["securityContext"] as? [String: Any])?["capabilities"] as? [String: [String]])
        #expect(caps["drop"] == ["ALL"])
        #expect(caps["add"] == ["NET_ADMIN"])
        for probe in ["livenessProbe", "readinessProbe"] {
            let get = (container[probe] as? [String: Any])?["httpGet"] as? [String: Any]
            #expect(get?["path"] as? String == "/healthz", "\(probe)")
        }
        let cm = try #require(docs.first { $0["kind"] as? String == "ConfigMap" })
        let policy = try #require((cm["data"] as? [String: String])?["policy.yaml"])
        let loaded = try PolicyLoader.load(yaml: policy, file: "configmap:policy.yaml")
        #expect(loaded.policy.control.listen == "0.0.0.0:9464")
    }

    @Test func prometheusFilesParse() throws {
        let rules = try #require(try Yams.load(yaml: try read("prometheus/tectl-rules.yml")) as? [String: Any])
        let alerts = ((rules["groups"] as? [[String: Any]])?.first?["rules"] as? [[String: Any]])?.compactMap { $0["alert"] as? String } ?? []
        #expect(Set(alerts).isSuperset(of: ["TectlFeedStale", "TectlReconcileFailing", "TectlNextHopZeroWeight"]))
        #expect(try Yams.load(yaml: try read("prometheus/prometheus.yml")) is [String: Any])
    }

    @Test(.enabled(if: which("promtool") != nil, "promtool not installed (Debian package prometheus)"))
    func promtoolAcceptsRulesAndConfig() throws {
        let promtool = try #require(which("promtool"))
        let dir = deploy.appendingPathComponent("prometheus").path
        let rules = try runTool([promtool, "check", "rules", "tectl-rules.yml"], cwd: dir)
        #expect(rules.status == 0, "\(rules.output)")
        let config = try runTool([promtool, "check", "config", "prometheus.yml"], cwd: dir)
        #expect(config.status == 0, "\(config.output)")
    }

    @Test(.enabled(if: which("systemd-analyze") != nil, "systemd-analyze not installed"))
    func systemdUnitVerifies() throws {
        let unit = try read("systemd/tectl.service")
        #expect(unit.contains("CapabilityBoundingSet=CAP_NET_ADMIN\n"))
        #expect(unit.contains("AmbientCapabilities=CAP_NET_ADMIN\n"))
        for line in ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID"] {
            #expect(unit.contains(line + "\n"), "\(line)")
        }
        // verify checks that ExecStart's binary exists: point it at one that does.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-unit-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tectl.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/tectl", with: "/bin/true").write(to: file, atomically: true, encoding: .utf8)
        let r = try runTool([try #require(which("systemd-analyze")), "verify", file.path])
        #expect(r.status == 0 && !r.output.contains("tectl.service"), "\(r.output)")
    }

    @Test func rtProtosNamesProtocol250() throws {
        let lines = try read("rt_protos.d/tectl.conf").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) } == [["250", "tectl"]])
    }
}
