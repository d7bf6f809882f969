import Testing
import TECore
@testable import TEPolicy

/// `frr:` and `sonic:`: parsed into PolicyExtensions, every problem as FILE:LINE:COL.
@Suite struct SwitchSectionTests {
    static let base = """
        version: 1
        nexthops:
          - {name: up1, via: 198.51.100.1, dev: e1, capacity: 40G}
          - {name: up2, via: 198.51.100.5, dev: e2, capacity: 10G}
        classes: [{name: c, priority: 0, table: 101}]
        routes: [{prefix: 203.0.113.0/24, class: c, nexthops: [up1, up2]}]

        """

    func diagnostics(_ tail: String) -> [String] {
        do {
            _ = try PolicyLoader.load(yaml: Self.base + tail, file: "p.yaml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func fullSectionsParse() throws {
        let loaded = try PolicyLoader.load(yaml: Self.base + """
            frr:
              name_prefix: FAB
              maximum_paths: 8
              receiver: {name: leaf-1, asn: 65010, router_id: 198.51.100.254, missing_bandwidth: skip-missing}
              devices: [{name: spine-1, asn: 65020}]
              neighbors:
                - {nexthop: up1, address: 198.51.100.2}
                - {nexthop: up2, address: 198.51.100.6, remote_as: 65011, route_map: UP2-OUT}
            sonic:
              group_size: 32
              devices: [{name: leaf-1, ports: {up1: Ethernet0}}]
              vrfs: {c: Vrf-c}
            """, file: "p.yaml")
        let frr = try #require(loaded.extensions.frr)
        #expect(frr.form == .bgp)
        #expect(frr.namePrefix == "FAB")
        #expect(frr.maximumPaths == 8)
        #expect(frr.receiver == FRRSettings.Receiver(name: "leaf-1", asn: 65010, routerID: IPAddress("198.51.100.254"), missingBandwidth: .skipMissing))
        #expect(frr.neighbors == [
            FRRSettings.Neighbor(nexthop: "up1", device: "spine-1", address: try #require(IPAddress("198.51.100.2")), remoteAS: 65010, routeMap: "FAB-OUT-up1"),
            FRRSettings.Neighbor(nexthop: "up2", device: "spine-1", address: try #require(IPAddress("198.51.100.6")), remoteAS: 65011, routeMap: "UP2-OUT"),
        ])
        let sonic = try #require(loaded.extensions.sonic)
        #expect(sonic.groupSize == 32)
        #expect(sonic.devices == [SONiCSettings.Device(name: "leaf-1", ports: ["up1": "Ethernet0"])])
        #expect(sonic.vrfs == ["c": "Vrf-c"])
    }

    @Test func absentSectionsStayNil() throws {
        let loaded = try PolicyLoader.load(yaml: Self.base, file: "p.yaml")
        #expect(loaded.extensions == PolicyExtensions())
    }

    @Test func sonicDefaults() throws {
        let loaded = try PolicyLoader.load(yaml: Self.base + "sonic: {}\n", file: "p.yaml")
        #expect(loaded.extensions.sonic == SONiCSettings(groupSize: 64, devices: [SONiCSettings.Device(name: "sonic")]))
    }

    @Test(arguments: [
        // (section, expected diagnostic)
        ("frr: {form: bgpp, devices: [{name: s, asn: 1}], neighbors: [{nexthop: up1, address: 198.51.100.2, remote_as: 2}, {nexthop: up2, address: 198.51.100.6, remote_as: 2}]}\n",
         "p.yaml:7:13: frr.form: unknown form \"bgpp\" (one of: bgp, static); did you mean \"bgp\"?"),
        ("frr:\n  maximum_path: 4\n",
         "p.yaml:8:3: frr.maximum_path: unknown key \"maximum_path\"; did you mean \"maximum_paths\"?"),
        ("frr:\n  devices: [{name: s, asn: 1}]\n  neighbors:\n    - {nexthop: upl, address: 198.51.100.2, remote_as: 2}\n",
         "p.yaml:10:17: frr.neighbors[0].nexthop: undefined next-hop \"upl\"; did you mean \"up1\"?"),
        ("frr:\n  devices: [{name: spine, asn: 1}, {name: other, asn: 3}]\n  neighbors:\n    - {nexthop: up1, device: spinee, address: 198.51.100.2, remote_as: 2}\n",
         "p.yaml:10:30: frr.neighbors[0].device: undefined device \"spinee\" (frr.devices lists: spine, other); did you mean \"spine\"?"),
        ("frr:\n  devices: [{name: s, asn: 1}]\n  neighbors:\n    - {nexthop: up1, address: \"2001:db8::2\", remote_as: 2}\n",
         "p.yaml:10:31: frr.neighbors[0].address: 2001:db8::2 is IPv6 but next-hop \"up1\" is IPv4 (via 198.51.100.1)"),
        ("frr:\n  devices: [{name: s, asn: 1}]\n  neighbors:\n    - {nexthop: up1, address: 198.51.100.2}\n",
         "p.yaml:10:7: frr.neighbors[0]: missing \"remote_as\" (or give frr.receiver.asn)"),
        ("frr:\n  devices: [{name: s, asn: 1}]\n  neighbors:\n    - {nexthop: up1, address: 198.51.100.2, remote_as: 2}\n",
         "p.yaml:10:5: frr.neighbors: no session serves next-hop \"up2\", used by routes; add {nexthop: NAME, address: ADDRESS} entries"),
        ("frr:\n  devices: [{name: s, asn: 0}]\n",
         "p.yaml:8:28: frr.devices[0].asn: 0 is out of range 1–4294967295"),
        ("frr: {form: static}\n",
         "p.yaml:7:6: frr: the static form needs \"static: {interfaces: [...]}\" (where the pbr-policy applies)"),
        ("frr: {receiver: {name: r, asn: 1, router_id: \"2001:db8::1\"}}\n",
         "p.yaml:7:46: frr.receiver.router_id: \"2001:db8::1\" is not an IPv4 address (a BGP router-id is written as one, e.g. 198.51.100.254)"),
        ("sonic:\n  group_size: 1\n",
         "p.yaml:8:15: sonic.group_size: 1 is out of range 2–65536"),
        ("sonic:\n  devices: [{name: leaf, ports: {upp1: Ethernet0}}]\n",
         "p.yaml:8:34: sonic.devices[0].ports.upp1: unknown key \"upp1\"; did you mean \"up1\"?"),
        ("sonic:\n  vrfs: {c: blue}\n",
         "p.yaml:8:13: sonic.vrfs.c: \"blue\" is not a SONiC VRF name (starts with \"Vrf\", at most 15 characters, e.g. Vrf-c)"),
        ("sonic:\n  groupsize: 8\n",
         "p.yaml:8:3: sonic.groupsize: unknown key \"groupsize\"; did you mean \"group_size\"?"),
    ])
    func errorsAreLocatedAndSuggestAFix(_ section: String, _ expected: String) {
        let found = diagnostics(section)
        #expect(found.contains(expected), "got: \(found)")
    }
}
