import Testing
@testable import TECore

@Suite struct BandwidthParsingTests {
    @Test(arguments: [
        ("10G", 10e9), ("400Gbps", 400e9), ("1.5T", 1.5e12), ("100M", 100e6), ("25000000000", 25e9),
        ("800Mbit/s", 800e6), ("10 Gb/s", 10e9), ("25gbit", 25e9), ("100k", 100e3), ("40g", 40e9), ("1Tbps", 1e12),
    ])
    func parses(text: String, bitsPerSecond: Double) {
        #expect(Bandwidth(parsing: text)?.bitsPerSecond == bitsPerSecond)
    }

    @Test(arguments: ["", "G", "10Q", "ten gig", "10GB/s/s", "10GB/s", "400GB", "1..5G", "-10G", "10 G bananas", "nan", "inf"])
    func rejects(text: String) {
        #expect(Bandwidth(parsing: text) == nil)
    }

    @Test func describesCompactly() {
        #expect(Bandwidth.gbps(400).description == "400G")
        #expect(Bandwidth(bitsPerSecond: 1.5e12).description == "1.5T")
        #expect(Bandwidth.mbps(100).description == "100M")
    }
}

@Suite struct DurationParsingTests {
    @Test(arguments: [("1s", 1.0), ("250ms", 0.25), ("1.5s", 1.5), ("2m", 120.0), ("1h", 3600.0), ("500us", 0.0005)])
    func parses(text: String, seconds: Double) throws {
        let d = try #require(Duration(parsing: text))
        #expect(abs(d.seconds - seconds) < 1e-9)
    }

    @Test(arguments: ["1", "s", "1x", "-1s", "1 fortnight"])
    func rejects(text: String) {
        #expect(Duration(parsing: text) == nil)
    }
}

@Suite struct IPPrefixTests {
    @Test func parsesAndCanonicalizes() throws {
        let p = try #require(IPPrefix("203.0.113.7/24"))
        #expect(p.hasHostBits)
        #expect(p.canonical.description == "203.0.113.0/24")
        let v6 = try #require(IPPrefix("2001:DB8:0:0::1/32"))
        #expect(v6.family == .ipv6)
        #expect(v6.canonical.description == "2001:db8::/32")
        #expect(IPPrefix("203.0.113.0/33") == nil)
        #expect(IPPrefix("203.0.113/24") == nil)
        #expect(IPPrefix("198.51.100.1")?.length == 32)
    }

    @Test func hostBitsAtEveryBoundary() {
        #expect(IPPrefix("203.0.113.0/24")?.hasHostBits == false)
        #expect(IPPrefix("203.0.113.128/25")?.hasHostBits == false)
        #expect(IPPrefix("203.0.113.64/25")?.hasHostBits == true)
        #expect(IPPrefix("203.0.113.1/32")?.hasHostBits == false)
        #expect(IPPrefix("0.0.0.0/0")?.hasHostBits == false)
        #expect(IPPrefix("0.0.0.1/0")?.hasHostBits == true)
        #expect(IPPrefix("2001:db8:1000:ffff::/64")?.hasHostBits == false)
        #expect(IPPrefix("2001:db8:1000:ffff::8000/113")?.hasHostBits == false)
        #expect(IPPrefix("2001:db8:1000:ffff::4000/113")?.hasHostBits == true)
    }

    @Test func rejectsMalformedLengths() {
        #expect(IPPrefix("203.0.113.0/24/1") == nil)
        #expect(IPPrefix("203.0.113.0/024") == nil)
        #expect(IPPrefix("203.0.113.0/") == nil)
        #expect(IPPrefix("/24") == nil)
        #expect(IPPrefix("203.0.113.0/-1") == nil)
        #expect(IPPrefix("2001:db8::/129") == nil)
    }

    @Test func equalPrefixesHashEqual() throws {
        let a = try #require(IPPrefix("2001:DB8::/32")), b = try #require(IPPrefix("2001:db8:0::/32"))
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(Set([a, try #require(IPPrefix("2001:db8::/33"))]).count == 2)
    }
}
