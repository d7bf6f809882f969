import Foundation
import Testing
import TECore
@testable import TEEmit
import TEPolicy

/// Every FRR configuration emitted for the example policies passes real FRR's checks:
/// `vtysh -C -f` (syntax; exit 2 on an unknown command) and the owning daemon's `-C -f` dry run
/// (it runs every command and exits 0 either way, so its output is read for failed commands).
@Suite(.serialized) struct FRRCheckTests {
    static let policiesWithFRR = examplePolicies.filter { (try? planExample($0).0.extensions.frr) != nil }

    @Test func examplesIncludeBothForms() throws {
        let forms = try Self.policiesWithFRR.compactMap { try planExample($0).0.extensions.frr?.form }
        #expect(forms.contains(.bgp))
        #expect(forms.contains(.static))
    }

    @Test(.enabled(if: frrInstalled, "needs FRR (apt-get install frr): /usr/bin/vtysh, /usr/lib/frr/bgpd"),
          arguments: policiesWithFRR)
    func emittedConfigPassesVtyshCheck(_ name: String) throws {
        let (loaded, plan) = try planExample(name)
        let frr = try #require(loaded.extensions.frr)
        let result = try FRRConfigRenderer.render(plan, settings: frr, source: "\(name).yaml")
        #expect(!result.files.isEmpty)
        let dir = try makeFRRDirectory("check")
        defer { try? FileManager.default.removeItem(at: dir) }
        for file in result.files {
            let url = dir.appendingPathComponent(file.fileName)
            try writeReadable(file.contents, to: url)
            let r = try runProcess("/usr/bin/vtysh", ["-C", "-f", url.path])
            #expect(r.status == 0, "\(name)/\(file.fileName): vtysh -C exit \(r.status): \(r.output)")
        }
    }

    @Test(.enabled(if: frrInstalled, "needs FRR (apt-get install frr)"),
          .enabled(if: isRoot, "needs root: the FRR daemons' dry run switches to user frr"),
          arguments: policiesWithFRR)
    func emittedConfigHasNoFailedCommandInTheDaemonsDryRun(_ name: String) throws {
        let (loaded, plan) = try planExample(name)
        let frr = try #require(loaded.extensions.frr)
        let result = try FRRConfigRenderer.render(plan, settings: frr, source: "\(name).yaml")
        let dir = try makeFRRDirectory("check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.conf")
        try writeReadable("", to: empty)
        for file in result.files {
            let daemon = try #require(file.daemon)
            let url = dir.appendingPathComponent(file.fileName)
            try writeReadable(file.contents, to: url)
            let r = try runProcess("/usr/lib/frr/\(daemon)", ["-C", "-f", url.path, "-u", "frr", "-g", "frr"])
            #expect(r.status == 0, "\(name)/\(file.fileName): \(daemon) -C exit \(r.status): \(r.output)")
            #expect(failedCommandLines(r.output).isEmpty, "\(name)/\(file.fileName): \(daemon) -C: \(failedCommandLines(r.output))")
            // What an operator applies it with: frr-reload.py computes the change from an empty config.
            guard frrReloadInstalled else {
                print("\(name)/\(file.fileName): frr-reload.py --test skipped: needs frr-pythontools (a Recommends of frr)")
                continue
            }
            let reload = try runProcess("/usr/bin/python3", ["/usr/lib/frr/frr-reload.py", "--test", "--input", empty.path, url.path])
            #expect(reload.status == 0, "\(name)/\(file.fileName): frr-reload.py --test exit \(reload.status): \(reload.output.suffix(1500))")
        }
    }

    /// The checks above would pass vacuously if FRR accepted anything: it does not.
    @Test(.enabled(if: frrInstalled, "needs FRR (apt-get install frr)"),
          .enabled(if: isRoot, "needs root: the FRR daemons' dry run switches to user frr"))
    func checkersRejectABrokenConfig() throws {
        let dir = try makeFRRDirectory("check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("broken.conf")
        try writeReadable("route-map X permit 10\n set extcommunity bandwidth 25601\nexit\nrouter bgp 65001\n neighbor 198.51.100.2 remote-as 65002\n neighbor 198.51.100.2 route-mop X out\nexit\n", to: url)
        let v = try runProcess("/usr/bin/vtysh", ["-C", "-f", url.path])
        #expect(v.status != 0)
        let b = try runProcess("/usr/lib/frr/bgpd", ["-C", "-f", url.path, "-u", "frr", "-g", "frr"])
        #expect(b.status == 0, "bgpd -C exits 0 even on failed commands; if this changes, the check gets simpler")
        #expect(failedCommandLines(b.output).count >= 2, "\(b.output)")
        if frrReloadInstalled {
            let empty = dir.appendingPathComponent("empty.conf")
            try writeReadable("", to: empty)
            let reload = try runProcess("/usr/bin/python3", ["/usr/lib/frr/frr-reload.py", "--test", "--input", empty.path, url.path])
            #expect(reload.status != 0)
        }
    }

    @Test func bgpFormCarriesPlannedWeightsOnOutboundRouteMaps() throws {
        let (loaded, plan) = try planExample("fabric-3link")
        let frr = try #require(loaded.extensions.frr)
        let result = try FRRConfigRenderer.render(plan, settings: frr, source: "fabric-3link.yaml")
        #expect(result.files.map(\.fileName) == ["leaf-1.conf", "spine-1.conf"])
        let spine = try #require(result.files.last?.contents)
        let route = try #require(plan.routes.first)
        let expected = try #require(LinkBandwidthScaler.assign(route.members.map { Double($0.weight) }))
        for (nh, bw) in zip(route.members, expected.bandwidthMbps) {
            let map = "TECTL-OUT-\(nh.name)"
            #expect(spine.contains("route-map \(map) permit 10\n match ip address prefix-list TECTL-R0\n set extcommunity bandwidth \(bw)\n"))
            let session = try #require(frr.neighbors.first { $0.nexthop == nh.name })
            #expect(spine.contains("  neighbor \(session.address) route-map \(map) out\n"))
        }
        #expect(!spine.contains("non-transitive"))
        let leaf = try #require(result.files.first?.contents)
        #expect(leaf.contains(" bgp bestpath as-path multipath-relax\n"))
        #expect(leaf.contains("  maximum-paths 64\n"))
        for nh in route.members { #expect(leaf.contains("  neighbor \(nh.via) route-map TECTL-IN in\n")) }
    }

    @Test func outputIsDeterministic() throws {
        for name in Self.policiesWithFRR {
            let (loaded, plan) = try planExample(name)
            let frr = try #require(loaded.extensions.frr)
            let a = try FRRConfigRenderer.render(plan, settings: frr, source: name)
            let b = try FRRConfigRenderer.render(plan, settings: frr, source: name)
            #expect(a == b)
        }
    }

    @Test func keptRoutesAreLeftOutWithAWarning() throws {
        let (loaded, plan) = try planExample("fabric-3link")
        var downed = plan
        downed.routes[0].status = .kept
        downed.routes[0].reason = "no usable next-hop"
        let result = try FRRConfigRenderer.render(downed, settings: try #require(loaded.extensions.frr), source: "x")
        #expect(result.warnings.count == 1)
        #expect(!(result.files.last?.contents.contains("set extcommunity bandwidth") ?? true))
    }

    @Test func aDownNextHopsSessionAdvertisesNothing() throws {
        let (loaded, plan) = try planExample("training-4rail")
        #expect(plan.routes[0].nexthops.first { $0.name == "rail3" }?.weight == 0)
        let files = try FRRConfigRenderer.render(plan, settings: try #require(loaded.extensions.frr), source: "x").files
        let rail3 = try #require(files.first { $0.device == "rail3-sw" }?.contents)
        #expect(!rail3.contains("route-map TECTL-OUT-rail3 permit"))
        #expect(!rail3.contains("set extcommunity"))
        #expect(rail3.contains("route-map TECTL-OUT-rail3 deny 65535\n"))
        #expect(rail3.contains("  neighbor 198.51.100.14 route-map TECTL-OUT-rail3 out\n"))
        let rail0 = try #require(files.first { $0.device == "rail0-sw" }?.contents)
        #expect(rail0.contains(" set extcommunity bandwidth 41\n"))
    }

    @Test func originateFalseLeavesOutNetworkStatements() throws {
        let (loaded, plan) = try planExample("dual-stack")
        var frr = try #require(loaded.extensions.frr)
        let with = try FRRConfigRenderer.render(plan, settings: frr, source: "x").files
        #expect(with.contains { $0.contents.contains("  network 2001:db8:100::/48\n") })
        frr.originate = false
        let without = try FRRConfigRenderer.render(plan, settings: frr, source: "x").files
        #expect(!without.contains { $0.contents.contains(" network ") })
        // IPv6 sessions are activated in the IPv6 family only.
        let spineA = try #require(without.first { $0.device == "spine-a" }?.contents)
        #expect(spineA.contains("  no neighbor 2001:db8:a::2 activate\n"))
        #expect(spineA.contains("  neighbor 2001:db8:a::2 activate\n  neighbor 2001:db8:a::2 route-map TECTL-OUT-a6 out\n"))
    }
}
