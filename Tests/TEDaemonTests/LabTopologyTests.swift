import Foundation
import Synchronization
import Testing
import TELab
import TENetlink
import TEPolicy

@Suite struct LabTopologyTests {
    @Test(arguments: [1, 2, 4, 8])
    func writesAValidPolicyForItsOwnDevices(uplinks: Int) throws {
        let lab = LabTopology(uplinks: uplinks)
        let loaded = try PolicyLoader.load(yaml: lab.policyYAML(), file: "lab.yaml")
        #expect(loaded.policy.nexthops.count == 2 * uplinks)
        let devices = Set((1...uplinks).map(lab.hostDevice))
        #expect(loaded.checkHost(interfaces: devices).isEmpty)
        #expect(loaded.policy.routes.map { $0.nexthops.count } == [uplinks, uplinks])
    }

    @Test func usesDocumentationAddressesOnly() {
        let lab = LabTopology(uplinks: 63)
        let all = lab.upCommands().flatMap { $0 }.joined(separator: " ")
        #expect(!all.contains("192.0.2."))
        for i in 1...63 {
            #expect(LabTopology.routerAddress(i).hasPrefix("198.51.100."))
            #expect(LabTopology.hostAddress6(i).hasPrefix("2001:db8:"))
        }
        #expect(Set((1...63).map(LabTopology.hostAddress)).count == 63)
    }

    /// The variants the tests use: IPv4 only, static neighbours, a silent sink.
    @Test func variantsLeaveOutWhatTheyPromiseTo() {
        let plain = LabTopology(uplinks: 2).buildCommands().map { $0.joined(separator: " ") }
        #expect(plain.contains { $0.contains("route add local 203.0.113.0/24") })
        #expect(plain.contains { $0.contains("2001:db8:0:2::2/64") })
        #expect(!plain.contains { $0.contains("neigh") || $0.contains("disable_ipv6") })

        let quiet = LabTopology(uplinks: 2, ipv6: false, staticNeighbours: true).buildCommands().map { $0.joined(separator: " ") }
        #expect(!quiet.contains { $0.contains("2001:db8") })
        #expect(quiet.filter { $0.contains("disable_ipv6=1") }.count == 4)
        #expect(quiet.contains { $0.hasSuffix("neigh replace 198.51.100.5 lladdr 02:00:00:00:01:02 dev up2 nud permanent") })
        #expect(quiet.contains { $0.hasSuffix("link set rt2 address 02:00:00:00:01:02") })

        let sink = LabTopology(uplinks: 2, staticNeighbours: true, answers: false).buildCommands().map { $0.joined(separator: " ") }
        #expect(!sink.contains { $0.contains("route add local") || $0.contains("ip_forward") })
        #expect(sink.contains { $0.hasSuffix("neigh replace 2001:db8:0:1::1 lladdr 02:00:00:00:01:01 dev up1 nud permanent") })
    }
}

private let labCounter = Atomic<Int>(0)

@Suite(.serialized, .enabled(if: isRoot, "needs root: creates network namespaces"))
struct LabNamespaceTests {
    @Test func upBuildsReachableUplinksAndDownRemovesThem() throws {
        let n = labCounter.add(1, ordering: .relaxed).newValue
        let lab = LabTopology(uplinks: 3, prefix: "tectl-d-\(getpid())-\(n)")
        try lab.up()
        defer { lab.down() }
        let namespaces = try LabTopology.existingNamespaces()
        #expect(namespaces.contains(lab.hostNamespace) && namespaces.contains(lab.routerNamespace))
        let links = try Lab.command(["ip", "-n", lab.hostNamespace, "-br", "link"])
        for i in 1...3 { #expect(links.contains("\(lab.hostDevice(i))@")) }
        // A destination answers through uplink 2: a TCP connect to a closed port is refused by
        // the router (no ping needed), where an unreachable one would time out.
        try Lab.command(["ip", "-n", lab.hostNamespace, "route", "add", "203.0.113.0/24", "via", LabTopology.routerAddress(2)])
        let probe = try runTool(["/usr/bin/timeout", "3", "/usr/sbin/ip", "netns", "exec", lab.hostNamespace,
                                 "/bin/bash", "-c", "echo > /dev/tcp/203.0.113.77/9"])
        #expect(probe.output.contains("refused"), "\(probe.output)")
        lab.down()
        let after = try LabTopology.existingNamespaces()
        #expect(!after.contains(lab.hostNamespace) && !after.contains(lab.routerNamespace))
    }
}
