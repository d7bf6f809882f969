import TECore
import Testing
@testable import TENetlink

/// The text of `run --once`: every request one per line, but a plan of many routes is summed up.
@Suite struct KernelReportTests {
    func report(routes: Int, dryRun: Bool = false) -> ReconcileReport {
        let features = KernelFeatures(nexthopObjects: true, weights16: true, dscpRules: true)
        let group = GroupObject(id: 9, protocolNumber: 250, type: .hashThreshold, members: [GroupMember(id: 1, weight: 1)])
        var ops: [KernelOperation] = [.createGroup(group)]
        for i in 0..<routes {
            let prefix = IPPrefix("2001:db8:\(String(0x1000 + i, radix: 16))::/48")!
            ops.append(.createRoute(RouteObject(key: RouteKey(table: 101, prefix: prefix, metric: 1024), protocolNumber: 250, target: .nexthop(9))))
        }
        let stale = RouteObject(key: RouteKey(table: 101, prefix: IPPrefix("2001:db8:ffff::/48")!, metric: 1024), protocolNumber: 250, target: .nexthop(9))
        ops.append(.deleteRoute(stale))
        return ReconcileReport(features: features, operations: ops, failures: [], conflicts: [], remaining: [], notes: [], redumps: 0, dryRun: dryRun, applySeconds: 0.5)
    }

    @Test func fewRoutesAreListedOneByOne() {
        let text = KernelReport.text(report(routes: 3), routeLines: 100)
        #expect(text.contains("+ add route 2001:db8:1002::/48 table 101 metric 1024 nhid 9 proto 250\n"), "\(text)")
        #expect(text.contains("+ delete route 2001:db8:ffff::/48 table 101 metric 1024 nhid 9 proto 250\n"), "\(text)")
        #expect(!text.contains("--verbose"))
    }

    @Test func manyRoutesAreSummedUpPerKindAndListedOnRequest() {
        let text = KernelReport.text(report(routes: 150), routeLines: 100)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines == [
            "# kernel: nexthop objects yes, 16-bit weights yes, FRA_DSCP rules yes",
            "+ add nexthop id 9 group 1,1 proto 250",
            "+ add 150 routes (--verbose lists each)",
            "+ delete 1 route (--verbose lists each)",
            "# 152 requests sent in 500.0 ms; the kernel matches the plan",
        ], "\(text)")
        let all = KernelReport.text(report(routes: 150))
        #expect(all.split(separator: "\n").count == 1 + 1 + 151 + 1)
        let dry = KernelReport.text(report(routes: 150, dryRun: true), routeLines: 100)
        #expect(dry.contains("~ add 150 routes (--verbose lists each)\n"), "\(dry)")
    }
}
