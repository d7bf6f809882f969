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
            #expect(lab.routerAddress(i).hasPrefix("198.51.100."))
            #expect(lab.hostAddress6(i).hasPrefix("2001:db8:"))
        }
        #expect(Set((1...63).map(lab.hostAddress)).count == 63)
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
        try Lab.command(["ip", "-n", lab.hostNamespace, "route", "add", "203.0.113.0/24", "via", lab.routerAddress(2)])
        let probe = try runTool(["/usr/bin/timeout", "3", "/usr/sbin/ip", "netns", "exec", lab.hostNamespace,
                                 "/bin/bash", "-c", "echo > /dev/tcp/203.0.113.77/9"])
        #expect(probe.output.contains("refused"), "\(probe.output)")
        lab.down()
        let after = try LabTopology.existingNamespaces()
        #expect(!after.contains(lab.hostNamespace) && !after.contains(lab.routerNamespace))
    }
}
