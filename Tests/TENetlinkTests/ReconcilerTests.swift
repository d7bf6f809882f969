import Foundation
import TECore
import Testing
@testable import TENetlink

/// The diff and its ordering, without a kernel.
@Suite struct ReconcilerTests {
    static let base: UInt32 = 0x7E00_0000
    let up1 = IPAddress("198.51.100.1")!
    let up2 = IPAddress("198.51.100.5")!

    func policy(type: GroupType = .resilient) -> Policy {
        Policy(
            ownership: Ownership(),
            nexthops: [
                NextHop(name: "a", via: up1, dev: "up1", capacity: .gbps(10)),
                NextHop(name: "b", via: up2, dev: "up2", capacity: .gbps(10)),
            ],
            classes: [TrafficClass(name: "t", priority: 0, dscp: [26], table: 101)],
            routes: [RouteEntry(prefixes: [IPPrefix("203.0.113.0/25")!, IPPrefix("203.0.113.128/25")!], className: "t", nexthops: ["a", "b"], group: GroupSpec(type: type))]
        )
    }

    func plan(_ p: Policy, util: [Double] = [0, 0], carrier: [Bool] = [true, true]) -> Plan {
        let links = [
            LinkSample(name: "up1", ifindex: 2, operState: "up", carrier: carrier[0], txUtilization: util[0]),
            LinkSample(name: "up2", ifindex: 3, operState: "up", carrier: carrier[1], txUtilization: util[1]),
        ]
        return Planner(policy: p, maxGroupWeight: 256).plan(snapshot: Snapshot(timestamp: Date(timeIntervalSince1970: 0), links: links))
    }

    let features = KernelFeatures(nexthopObjects: true, weights16: true, dscpRules: true)
    let interfaces: [String: Int32] = ["up1": 2, "up2": 3]

    /// Applies a diff to a kernel state the way the kernel would (for the tests' second round).
    func applied(_ ops: [KernelOperation], to k: KernelState) -> KernelState {
        var k = k
        for op in ops {
            switch op {
            case .createNexthop(let n), .replaceNexthop(let n): var n = n; n.dev = nil; k.nexthops[n.id] = n
            case .createGroup(let g), .replaceGroup(let g): k.groups[g.id] = g
            case .createRoute(let r), .replaceRoute(let r): k.routes[r.key] = r
            case .addRule(let r): k.rules.append(r)
            case .deleteRule(let r): k.rules.removeAll { $0 == r }
            case .deleteRoute(let r): k.routes[r.key] = nil
            case .deleteGroup(let g): k.groups[g.id] = nil
            case .deleteNexthop(let n): k.nexthops[n.id] = nil
            }
        }
        return k
    }

    func diff(_ p: Policy, _ pl: Plan, _ k: KernelState) -> KernelDiff {
        let d = DesiredState.build(plan: pl, policy: p, interfaces: interfaces, features: features, kernel: k)
        return Reconciler(protocolNumber: 250).diff(desired: d, kernel: k)
    }

    @Test func firstRunCreatesMakeBeforeBreakAndThenNothing() {
        let p = policy()
        let first = diff(p, plan(p), KernelState())
        #expect(first.conflicts.isEmpty)
        let phases = first.operations.map(\.phase)
        #expect(phases == phases.sorted())
        #expect(first.operations.filter { if case .createNexthop = $0 { true } else { false } }.map(\.request)
            == ["RTM_NEWNEXTHOP id \(Self.base + 1)", "RTM_NEWNEXTHOP id \(Self.base + 2)"])
        #expect(first.operations.contains { if case .createGroup(let g) = $0 { g.id == Self.base + 0x8000 && g.type == .resilient && g.buckets == 128 && g.idleTimer == 100 && g.unbalancedTimer == 1000 } else { false } })
        #expect(first.operations.filter { if case .createRoute = $0 { true } else { false } }.count == 2)
        #expect(first.operations.contains(.addRule(RuleObject(family: .ipv4, priority: 1000, table: 101, protocolNumber: 250, dscp: 26))))
        let second = diff(p, plan(p), applied(first.operations, to: KernelState()))
        #expect(second.isEmpty)
    }

    @Test func reweightReplacesOnlyTheGroup() {
        let p = policy()
        let k = applied(diff(p, plan(p), KernelState()).operations, to: KernelState())
        let re = diff(p, plan(p, util: [0.75, 0]), k)
        #expect(re.operations.count == 1)
        guard case .replaceGroup(let g)? = re.operations.first else {
            Issue.record("expected a group replace, got \(re.operations)")
            return
        }
        #expect(g.id == Self.base + 0x8000)
        #expect(g.members == [GroupMember(id: Self.base + 1, weight: 1), GroupMember(id: Self.base + 2, weight: 4)])
    }

    @Test func typeChangeUsesTheOtherBankAndDeletesTheOldGroupLast() {
        let p = policy(type: .resilient)
        let k = applied(diff(p, plan(p), KernelState()).operations, to: KernelState())
        let changed = policy(type: .hashThreshold)
        let ops = diff(changed, plan(changed), k).operations
        let requests = ops.map(\.description)
        #expect(ops.first.map { if case .createGroup(let g) = $0 { g.id == Self.base + 0xC000 } else { false } } == true)
        #expect(ops.filter { if case .replaceRoute = $0 { true } else { false } }.count == 2)
        #expect(ops.last.map { if case .deleteGroup(let g) = $0 { g.id == Self.base + 0x8000 } else { false } } == true, "\(requests)")
    }

    @Test func foreignObjectsAreNeverTouched() {
        let p = policy()
        var k = KernelState()
        let key = RouteKey(table: 101, prefix: IPPrefix("203.0.113.0/25")!)
        k.routes[key] = RouteObject(key: key, protocolNumber: 4, target: .other)
        k.nexthops[Self.base + 2] = NexthopObject(id: Self.base + 2, family: .ipv4, ifindex: 3, gateway: up2, protocolNumber: 4)
        let foreignRule = RuleObject(family: .ipv4, priority: 1000, table: 101, protocolNumber: 0, dscp: 26)
        k.rules = [foreignRule]
        let d = diff(p, plan(p), k)
        #expect(d.conflicts.count == 2)
        #expect(d.conflicts.contains { $0.contains("route 203.0.113.0/25 table 101 exists with protocol 4") })
        for op in d.operations {
            switch op {
            case .replaceRoute(let r), .deleteRoute(let r): #expect(r.key != key)
            case .replaceNexthop(let n), .deleteNexthop(let n): #expect(n.id != Self.base + 2)
            case .deleteRule(let r): #expect(r != foreignRule)
            default: break
            }
        }
        let flush = Reconciler(protocolNumber: 250).flush(kernel: k)
        #expect(flush.isEmpty)
    }

    @Test func noUsableNextHopKeepsWhatIsInstalled() {
        let p = policy()
        let k = applied(diff(p, plan(p), KernelState()).operations, to: KernelState())
        let d = diff(p, plan(p, carrier: [false, false]), k)
        #expect(!d.operations.contains { if case .deleteRoute = $0 { true } else if case .deleteGroup = $0 { true } else if case .deleteNexthop = $0 { true } else { false } })
        // Nothing installed and nothing usable: nothing is created (never an empty group).
        let fresh = diff(p, plan(p, carrier: [false, false]), KernelState())
        #expect(!fresh.operations.contains { if case .createGroup = $0 { true } else if case .createRoute = $0 { true } else { false } })
    }

    @Test func carrierLossShrinksTheGroupAndReturnRecreatesTheNexthop() {
        let p = policy()
        var k = applied(diff(p, plan(p), KernelState()).operations, to: KernelState())
        // What the kernel does on carrier loss: the nexthop vanishes, the group shrinks.
        k.nexthops[Self.base + 2] = nil
        k.groups[Self.base + 0x8000]?.members.removeAll { $0.id == Self.base + 2 }
        let down = diff(p, plan(p, carrier: [true, false]), k)
        #expect(down.operations.isEmpty, "\(down.operations)")
        let up = diff(p, plan(p), k)
        #expect(up.operations.map(\.phase) == [0, 1])
    }

    @Test func multipathRoutesCarryPerPathWeights() {
        let p = policy(type: .multipath)
        let d = diff(p, plan(p, util: [0.5, 0]), KernelState())
        let routes = d.operations.compactMap { op -> RouteObject? in if case .createRoute(let r) = op { r } else { nil } }
        #expect(routes.count == 2)
        #expect(routes.allSatisfy { $0.target == .paths([RoutePath(ifindex: 2, gateway: up1, weight: 1), RoutePath(ifindex: 3, gateway: up2, weight: 2)]) })
        #expect(!d.operations.contains { if case .createGroup = $0 { true } else { false } })
    }

    @Test func withoutFRADSCPRulesMatchAMark() {
        let p = policy()
        let noDSCP = KernelFeatures(nexthopObjects: true, weights16: false, dscpRules: false)
        let d = DesiredState.build(plan: plan(p), policy: p, interfaces: interfaces, features: noDSCP, kernel: KernelState())
        #expect(d.rules == [RuleObject(family: .ipv4, priority: 1000, table: 101, protocolNumber: 250, fwmark: 0x7EC7_001A, fwmask: 0xFFFF_FFFF)])
        #expect(d.marks == [DSCPMark(family: .ipv4, dscp: 26)])
        #expect(DSCPMarking.ruleset(d.marks).contains("ip dscp 26 meta mark set 0x7ec7001a"))
    }

    @Test func eachRouteKeyOnceInPlanOrderWhateverTheOrderOfThePrefixes() {
        func keys(_ prefixes: [String]) -> [String] {
            var p = policy()
            p.routes[0].prefixes = prefixes.compactMap { IPPrefix($0) }
            let d = DesiredState.build(plan: plan(p), policy: p, interfaces: interfaces, features: features, kernel: KernelState())
            #expect(Set(d.routeList.map(\.key)) == d.routeKeys)
            return d.routeList.map(\.key.prefixText)
        }
        #expect(keys(["203.0.113.0/26", "203.0.113.64/26", "203.0.113.128/26"]) == ["203.0.113.0/26", "203.0.113.64/26", "203.0.113.128/26"])
        #expect(keys(["203.0.113.64/26", "203.0.113.0/26", "203.0.113.64/26"]) == ["203.0.113.64/26", "203.0.113.0/26"])
        #expect(keys(["203.0.113.0/26", "203.0.113.64/26", "203.0.113.0/26", "203.0.113.128/26"]) == ["203.0.113.0/26", "203.0.113.64/26", "203.0.113.128/26"])
    }

    @Test func staleRoutesAreDeletedAndMatchedOnesLeftAlone() {
        func run(desired: [String], kernel: [String], foreign: [String] = []) -> [String] {
            var p = policy()
            p.routes[0].prefixes = desired.compactMap { IPPrefix($0) }
            var k = applied(diff(p, plan(p), KernelState()).operations, to: KernelState())
            k.routes = [:]
            let target = RouteTarget.nexthop(Self.base + 0x8000)
            for text in kernel {
                let key = RouteKey(table: 101, prefix: IPPrefix(text)!, metric: 0)
                k.routes[key] = RouteObject(key: key, protocolNumber: 250, target: target)
            }
            for text in foreign {
                let key = RouteKey(table: 101, prefix: IPPrefix(text)!, metric: 0)
                k.routes[key] = RouteObject(key: key, protocolNumber: 4, target: .other)
            }
            return diff(p, plan(p), k).operations.compactMap { op -> String? in
                switch op {
                case .createRoute(let r): return "+\(r.key.prefixText)"
                case .deleteRoute(let r): return "-\(r.key.prefixText)"
                default: return nil
                }
            }
        }
        let a = "203.0.113.0/26", b = "203.0.113.64/26", c = "203.0.113.128/26", d = "203.0.113.192/26"
        #expect(run(desired: [a, b, c], kernel: [a, b, c]) == [])
        #expect(run(desired: [a, b], kernel: [a, b, c]) == ["-\(c)"])
        #expect(run(desired: [a, d], kernel: [a, b]) == ["+\(d)", "-\(b)"])
        #expect(run(desired: [a, b], kernel: [a], foreign: [c]) == ["+\(b)"])
    }

    @Test func failureNamesTheRequestAndTheObject() {
        let nh = NexthopObject(id: 2_113_929_217, family: .ipv4, ifindex: 2, gateway: up1, protocolNumber: 250)
        let f = OperationFailure(operation: .createNexthop(nh), errno: EEXIST, kernelMessage: "")
        #expect(f.description == "RTM_NEWNEXTHOP id 2113929217: File exists")
    }

    @Test(arguments: [("203.0.113.77/24", "203.0.113.0/24"), ("2001:db8:1:2:3::9/64", "2001:db8:1:2::/64"), ("2001:db8::1/128", "2001:db8::1/128"), ("0.0.0.0/0", "0.0.0.0/0"), ("2001:db8:ff00::/40", "2001:db8:ff00::/40")])
    func routeKeysClearHostBitsAndRoundTrip(input: String, canonical: String) throws {
        let key = RouteKey(table: 7, prefix: try #require(IPPrefix(input)))
        #expect(key.prefixText == canonical)
        #expect(key == RouteKey(table: 7, prefix: try #require(IPPrefix(canonical))))
        #expect(key != RouteKey(table: 8, prefix: try #require(IPPrefix(canonical))))
    }
}
