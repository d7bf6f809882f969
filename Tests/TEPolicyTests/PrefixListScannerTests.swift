import Foundation
import TECore
import Testing
@testable import TEPolicy

/// Long `prefixes` lists read without YAML nodes must give exactly what the ordinary path gives:
/// the same policy, the same diagnostics, the same locations — and fall back whenever the text is
/// anything but a plain list.
@Suite struct PrefixListScannerTests {
    static let head = """
        version: 1
        nexthops:
          - {name: up1, via: "2001:db8:1::1", dev: veth1, capacity: 10G}
          - {name: up2, via: "2001:db8:2::1", dev: veth2, capacity: 10G}
        classes:
          - {name: training, priority: 0, dscp: [26], table: 101}
          - {name: bulk, priority: 1, dscp: [10], table: 102}
        routes:

        """

    /// Both paths: scanning every list of at least one item, and never scanning.
    struct Outcome: Equatable {
        var policy: Policy?
        var diagnostics: [String]
        var locations: [String: TEPolicy.SourceLocation]
        var prefixLocations: [Int: [TEPolicy.SourceLocation]]
    }

    static func load(_ text: String, scan: Bool) -> Outcome {
        do {
            let l = try PolicyLoader.load(yaml: text, file: "p.yaml", scanLists: scan ? 1 : nil)
            return Outcome(policy: l.policy, diagnostics: [], locations: l.locations, prefixLocations: l.prefixLocations)
        } catch {
            return Outcome(policy: nil, diagnostics: error.diagnostics.map(\.description), locations: [:], prefixLocations: [:])
        }
    }

    /// Asserts both paths agree, and whether the scanner found a list (`scanned`) and the parser
    /// took every list it found (`taken`, for valid policies).
    static func same(_ text: String, scanned: Bool, taken: Int? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let fast = load(text, scan: true)
        let slow = load(text, scan: false)
        #expect(fast == slow, "scanned and ordinary paths differ:\n\(fast.diagnostics)\n\(slow.diagnostics)", sourceLocation: sourceLocation)
        #expect((PrefixListScanner(text, minimumItems: 1) != nil) == scanned, sourceLocation: sourceLocation)
        if let taken {
            #expect((try? PolicyLoader.load(yaml: text, file: "p.yaml", scanLists: 1))?.scannedLists == taken, sourceLocation: sourceLocation)
        }
    }

    static func block(_ items: [String], indent: String = "      ") -> String {
        items.map { "\(indent)- \($0)\n" }.joined()
    }

    static let prefixes = (0..<20).map { "\"2001:db8:\(String(0x1000 + $0, radix: 16))::/48\"" }

    @Test func blockListOfQuotedAndPlainPrefixes() throws {
        let plain = (0..<5).map { "2001:db8:\(String(0x2000 + $0, radix: 16))::/48" }
        let text = Self.head + "  - class: training\n    nexthops: [up1, up2]\n    prefixes:\n" + Self.block(Self.prefixes + plain + ["'2001:db8:3000::/48'"])
            + "  - class: bulk\n    nexthops: [up2]\n    prefixes:\n    - \"2001:db8:1000::/48\"\n    - 2001:db8:1001::/48\n"
        Self.same(text, scanned: true, taken: 2)
        let loaded = try PolicyLoader.load(yaml: text, file: "p.yaml", scanLists: 1)
        #expect(loaded.policy.routes[0].prefixes.count == 26)
        #expect(loaded.policy.routes[0].prefixes[20].description == "2001:db8:2000::/48")
        // Items keep their locations: line 12 is the first item, the quote at column 9.
        #expect(loaded.location(of: "routes[0].prefixes[0]") == TEPolicy.SourceLocation(line: 12, column: 9))
        #expect(loaded.location(of: "routes[1].prefixes[1]") == TEPolicy.SourceLocation(line: 42, column: 7))
        #expect(loaded.diagnostic(at: "routes[0].prefixes[25]", "x").description == "p.yaml:37:9: x")
    }

    @Test func listFirstInItsEntryAndFollowedByKeys() {
        let text = Self.head + "  - prefixes:\n" + Self.block(Self.prefixes, indent: "    ") + "    class: training\n    nexthops: [up1]\n"
        Self.same(text, scanned: true, taken: 1)
        let compact = Self.head + "  - prefixes:\n" + Self.block(Self.prefixes, indent: "      ") + "    class: training\n    nexthops: [up1]\n"
        Self.same(compact, scanned: true, taken: 1)
        // Unicode before the list: Yams counts columns in Unicode scalars.
        let unicode = Self.head.replacingOccurrences(of: "version: 1", with: "# réseau ü\nversion: 1") + "  - {prefix: \"2001:db8::/32\", class: bulk, nexthops: [up2]}  # ß\n  - prefixes:\n" + Self.block(Self.prefixes, indent: "    ") + "    class: training\n    nexthops: [up1]\n"
        Self.same(unicode, scanned: true, taken: 1)
    }

    @Test func oneLineFlowList() throws {
        let text = Self.head + "  - class: training\n    nexthops: [up1]\n    prefixes: [\(Self.prefixes.joined(separator: ", ")), '2001:db8:4000::/48']\n"
        Self.same(text, scanned: true, taken: 1)
        #expect(try PolicyLoader.load(yaml: text, file: "p.yaml", scanLists: 1).policy.routes[0].prefixes.count == 21)
    }

    @Test func everyErrorInAScannedListIsReportedWhereTheOrdinaryPathReportsIt() {
        var items = Self.prefixes
        items[3] = "\"2001:db8:1003::1/48\""     // host bits
        items[5] = "2001:db8::zz/48"             // not hex: the scanner leaves this list alone
        let withLetters = Self.head + "  - class: training\n    nexthops: [up1]\n    prefixes:\n" + Self.block(items)
        Self.same(withLetters, scanned: false)
        items[5] = "\"203.0.113.0/24\""          // mixes families
        items[7] = "2001:db8:1000::/48"          // routed twice
        items[9] = "\"2001:db8:1009::/129\""     // length out of range
        items[11] = "\"2001:db8:100b::/048\""    // not canonical decimal
        items[12] = "2001:db8::/48/1"            // two slashes
        let text = Self.head + "  - class: training\n    nexthops: [up1]\n    prefixes:\n" + Self.block(items)
        Self.same(text, scanned: true)
        let diagnostics = Self.load(text, scan: true).diagnostics
        #expect(diagnostics.count == 6, "\(diagnostics)")
        #expect(diagnostics.contains("p.yaml:15:9: routes[0].prefixes[3]: 2001:db8:1003::1/48 has host bits set; did you mean 2001:db8:1003::/48?"), "\(diagnostics)")
        #expect(diagnostics.contains("p.yaml:19:9: routes[0]: prefix 2001:db8:1000::/48 is already routed in table 101 by routes[0]"), "\(diagnostics)")
    }

    @Test func duplicatesAreFoundInAscendingAndUnorderedLists() {
        func entry(_ cls: String, _ items: [String]) -> String {
            "  - class: \(cls)\n    nexthops: [up1]\n    prefixes:\n" + Self.block(items)
        }
        let a = "\"2001:db8:1::/48\"", b = "\"2001:db8:2::/48\"", c = "\"2001:db8:3::/48\""
        // Ascending without duplicates; the same prefix in another table is no duplicate.
        #expect(Self.load(Self.head + entry("training", [a, b]) + entry("training", [c]) + entry("bulk", [a]), scan: true).diagnostics == [])
        #expect(Self.load(Self.head + entry("training", [c, a]) + entry("training", [b]), scan: true).diagnostics == [])
        // Ascending up to the repeat, and unordered.
        let repeated = Self.load(Self.head + entry("training", [a, b]) + entry("training", [b, c]), scan: true).diagnostics
        #expect(repeated == ["p.yaml:17:9: routes[1]: prefix 2001:db8:2::/48 is already routed in table 101 by routes[0]"], "\(repeated)")
        let unordered = Self.load(Self.head + entry("training", [c, b]) + entry("training", [a, c]), scan: true).diagnostics
        #expect(unordered == ["p.yaml:18:9: routes[1]: prefix 2001:db8:3::/48 is already routed in table 101 by routes[0]"], "\(unordered)")
    }

    @Test func unusualListsAreLeftToYAML() {
        let entry = "  - class: training\n    nexthops: [up1]\n    prefixes:"
        let cases: [String] = [
            entry + " # comment\n" + Self.block(Self.prefixes),
            entry + " &anchor\n" + Self.block(Self.prefixes),
            entry + "\n" + Self.block(Self.prefixes) + "      - \"2001:db8::/32\" # trailing comment\n",
            entry + "\n" + Self.block(Self.prefixes) + "      - \"2001:db8:\\x41::/48\"\n",
            entry + "\n" + Self.block(Self.prefixes) + "      - \"\"\n",
            entry + "\n" + Self.block(Self.prefixes) + "      - ~\n",
            entry + "\n" + Self.block(Self.prefixes) + "      - 2001:db8::\n",
            entry + "\n" + Self.block(Self.prefixes) + "      - !!str 2001:db8::/32\n",
            entry + "\n" + Self.block(Self.prefixes) + "      - *alias\n",
            entry + "\n" + Self.block(Self.prefixes) + "\n" + Self.block(["\"2001:db8:9999::/48\""]),
            entry + "\n" + Self.block(Self.prefixes) + "        - \"2001:db8:9999::/48\"\n",
            entry + "\n" + Self.block(Self.prefixes) + "      -\n",
            entry + " [2001:db8::/32, 2001:db8:1::/48]\n",
            entry + " [\"2001:db8::/32\",\n      \"2001:db8:1::/48\"]\n",
        ]
        for (i, tail) in cases.enumerated() {
            let text = Self.head + tail
            let fast = Self.load(text, scan: true)
            let slow = Self.load(text, scan: false)
            #expect(fast == slow, "case \(i): \(fast.diagnostics) vs \(slow.diagnostics)")
        }
        // CR line ends and tabs: never scanned.
        #expect(PrefixListScanner((Self.head + entry + "\n" + Self.block(Self.prefixes)).replacingOccurrences(of: "\n", with: "\r\n"), minimumItems: 1) == nil)
    }

    @Test func listsTheTreeDoesNotConfirmFallBack() {
        // Inside a literal block scalar, in a flow mapping, and in a section that is no route entry.
        let literal = Self.head + "  - {prefix: \"2001:db8::/32\", class: training, nexthops: [up1]}\nfrr:\n  note: |\n    prefixes:\n" + Self.block(Self.prefixes) + "x: 1\n"
        Self.same(literal, scanned: true)
        let flow = Self.head + "  - {class: training, nexthops: [up1],\n    prefixes:\n" + Self.block(Self.prefixes) + "    }\n"
        Self.same(flow, scanned: true)
        #expect(Self.load(flow, scan: true).policy == nil, "a block list inside a flow mapping is a YAML error")
        let elsewhere = Self.head + "  - {prefix: \"2001:db8::/32\", class: training, nexthops: [up1]}\nprefixes:\n" + Self.block(Self.prefixes, indent: "  ")
        Self.same(elsewhere, scanned: true)
        let both = Self.head + "  - prefix: \"2001:db8::/32\"\n    class: training\n    nexthops: [up1]\n    prefixes:\n" + Self.block(Self.prefixes)
        Self.same(both, scanned: true)
        // An entry taken twice through an alias, and another list outside the routes: the
        // second list must not read as empty.
        let aliased = Self.head + "  - &e\n    class: training\n    nexthops: [up1]\n    prefixes:\n" + Self.block(Self.prefixes) + "  - *e\nfrr:\n  prefixes:\n" + Self.block(Self.prefixes, indent: "    ")
        Self.same(aliased, scanned: true)
    }

    @Test func prefixBytesParseLikeIPPrefix() {
        let texts = ["2001:db8::/32", "2001:db8::", "203.0.113.0/24", "203.0.113.7", "203.0.113.0/33", "::/0", "0.0.0.0/0",
                     "2001:db8::/0128", "2001:db8::/+1", "2001:db8::/", "/24", "1.2.3/24", "1.2.3.4/24/1", "2001:db8::1:2:3:4:5:6:7/64",
                     "::ffff:203.0.113.1/128", "203.0.113.0/024", "1.2.3.4/", "a/1"]
        for t in texts {
            let viaBytes = Array(t.utf8).withUnsafeBufferPointer { PrefixListScanner.parsePrefix($0) }
            #expect(viaBytes == IPPrefix(t), "\(t)")
        }
    }
}
