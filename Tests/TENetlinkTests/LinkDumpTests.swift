import TECore
import TENetlink
import Testing

@Suite struct LinkDumpTests {
    /// Needs no root: dumping links of the current namespace is unprivileged.
    @Test func dumpIncludesLoopback() throws {
        let links = try LinkDump.links()
        let lo = try #require(links.first { $0.name == "lo" })
        #expect(lo.ifindex == 1)
        #expect(lo.isUsable)
    }
}
