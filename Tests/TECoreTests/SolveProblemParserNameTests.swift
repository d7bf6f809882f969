import TEInstances
import Testing
@testable import TECore

/// The parser's link-name table and word-at-a-time scan: names of every length around the 8- and
/// 16-byte word boundaries, escapes, long names sharing a prefix, names that share a hash bucket,
/// and exact numbers.
@Suite struct SolveProblemParserNameTests {
    /// A JSON string literal for `s`; with `escapeAll`, every scalar as \u escapes (UTF-16).
    static func literal(_ s: String, escapeAll: Bool = false) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            if escapeAll {
                for unit in String(u).utf16 {
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                continue
            }
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if u.value < 0x20 { out += "\\u00" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// A problem with these links (capacity = index + 1) and one demand whose paths are
    /// `paths` (link names, written as `literal(name, escapeAll: escapedInPaths)`).
    static func problem(links: [String], paths: [[String]], escapedInLinks: Bool = false, escapedInPaths: Bool = false) -> String {
        let l = links.enumerated().map { #"{"name": \#(literal($1, escapeAll: escapedInLinks)), "capacity": \#($0 + 1)}"# }
        let p = paths.map { "[" + $0.map { literal($0, escapeAll: escapedInPaths) }.joined(separator: ",") + "]" }
        return #"{"links": [\#(l.joined(separator: ", "))], "demands": [{"volume": 1, "paths": [\#(p.joined(separator: ", "))]}]}"#
    }

    static func resolved(_ p: SolveProblem) -> [[String]] {
        p.paths(of: 0).map { p.links(of: $0).map { p.linkNames[Int($0)] } }
    }

    @Test func namesOfEveryLengthAcrossWordBoundaries() throws {
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("abcXYZ019-._/é€\"\\ \t".unicodeScalars)
        // Lengths 0…40 bytes and more, including multi-byte characters split across words.
        var names: [String] = [""]
        for length in 1...48 {
            for _ in 0..<3 {
                var s = ""
                while s.utf8.count < length { s.unicodeScalars.append(alphabet[rng.int(alphabet.count)]) }
                if !names.contains(s) { names.append(s) }
            }
        }
        let order = names.indices.shuffled(using: &rng)
        let paths = stride(from: 0, to: order.count, by: 5).map { Array(order[$0..<min($0 + 5, order.count)]).map { names[$0] } }
        for (inLinks, inPaths) in [(false, false), (true, false), (false, true), (true, true)] {
            let p = try SolveProblemParser.parse(Self.problem(links: names, paths: paths, escapedInLinks: inLinks, escapedInPaths: inPaths))
            #expect(p.linkNames == names)
            #expect(Self.resolved(p) == paths)
        }
    }

    @Test func longNamesThatShareTheirFirstBytes() throws {
        let prefix = String(repeating: "spine-to-leaf-", count: 80)
        let names = [prefix + "a", prefix + "b", prefix, prefix + "ab", String(prefix.dropLast()) + "X", "spine-to-leaf-sp", "spine-to-leaf-sp2"]
        let paths = [[names[3], names[0]], [names[2], names[1], names[4]], [names[6], names[5]]]
        let p = try SolveProblemParser.parse(Self.problem(links: names, paths: paths))
        #expect(Self.resolved(p) == paths)
        // Same first 16 bytes, same length, last byte differs: not a link.
        let text = Self.problem(links: names, paths: [[prefix + "c"]])
        #expect(throws: SolveInputError(path: "demands[0].paths[0][0]", message: "unknown link \"\(prefix)c\"")) { try SolveProblemParser.parse(text) }
    }

    /// Names that land in one bucket of the table the parser sizes for them, so that every lookup
    /// walks a long probe chain, and some that are absent.
    @Test func namesInOneHashBucket() throws {
        let count = 40
        let size = LinkNameTable.slotCount(capacity: count)
        func bucket(_ s: String) -> Int {
            Array(s.utf8).withUnsafeBufferPointer { Int(truncatingIfNeeded: NameHash.key(of: $0).hash) & (size - 1) }
        }
        var colliding: [String] = []
        var n = 0
        while colliding.count < count + 5 {
            let name = "s\(n / 7)-l\(n % 7)"
            if bucket(name) == 0 { colliding.append(name) }
            n += 1
        }
        let links = Array(colliding.prefix(count))
        let paths = links.reversed().map { [$0] }
        let p = try SolveProblemParser.parse(Self.problem(links: links, paths: paths))
        #expect(Self.resolved(p) == paths)
        for absent in colliding.suffix(5) {
            let text = Self.problem(links: links, paths: [[links[0]], [absent]])
            #expect(throws: SolveInputError(path: "demands[0].paths[1][0]", message: "unknown link \"\(absent)\"")) { try SolveProblemParser.parse(text) }
        }
    }

    @Test func tableGrowsAndAnswersDuplicates() {
        var table = LinkNameTable(capacity: 0)
        let names = (0..<5000).map { "n\($0 * 7919 % 5000)" }
        for (k, name) in names.enumerated() {
            let result = Array(name.utf8).withUnsafeBufferPointer { table.insert($0) }
            #expect(result == nil, "\(name) at \(k)")
        }
        for (k, name) in names.enumerated() {
            let bytes = Array(name.utf8)
            let found = bytes.withUnsafeBufferPointer { table.lookup(NameHash.key(of: $0), $0) }
            #expect(found == k)
            #expect(bytes.withUnsafeBufferPointer { table.insert($0) } == k)
        }
        #expect(Array("n5000".utf8).withUnsafeBufferPointer { table.lookup(NameHash.key(of: $0), $0) } == nil)
        #expect(table.occupancy.used == names.count)
        #expect(table.occupancy.slots >= 4 * names.count)
    }

    @Test func scanComputesTheSameKeyAsTheDecodedBytes() {
        var rng = SplitMix64(seed: 5)
        for length in 0...70 {
            let name = (0..<length).map { _ in UInt8(0x20 + rng.int(0x5F)) }.filter { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
            // Padding after the closing quote so that the word-at-a-time path is taken.
            let text = [UInt8(ascii: "\"")] + name + [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: " "), count: 8)
            text.withUnsafeBufferPointer { buffer in
                var end = 0
                let scanned = NameHash.scan(buffer.baseAddress.unsafelyUnwrapped, count: buffer.count, from: 1, end: &end)
                let direct = name.withUnsafeBufferPointer { NameHash.key(of: $0) }
                #expect(scanned == direct)
                #expect(end == name.count + 1)
            }
        }
        // An escape or a control character sends the scan to the byte-by-byte path.
        for special in [UInt8(ascii: "\\"), 0x01, 0x1F] {
            let text: [UInt8] = [UInt8(ascii: "\""), 0x61, special, 0x62, UInt8(ascii: "\"")] + Array(repeating: 0x20, count: 16)
            let scanned = text.withUnsafeBufferPointer { buffer -> NameKey? in
                var end = 0
                return NameHash.scan(buffer.baseAddress.unsafelyUnwrapped, count: buffer.count, from: 1, end: &end)
            }
            #expect(scanned == nil)
        }
    }

    @Test func namesAtTheVeryEndOfTheInput() throws {
        // Links after the demands: the last names lie within a word of the end.
        for name in ["a", "abcdefg", "abcdefgh", "abcdefghijklmnopq"] {
            let text = #"{"demands": [{"volume": 1, "paths": [["\#(name)"]]}], "links": [{"name": "\#(name)", "capacity": 1}]}"#
            #expect(Self.resolved(try SolveProblemParser.parse(text)) == [[name]])
            let tail = #"{"links": [{"name": "\#(name)", "capacity": 1}], "demands": [{"volume": 1, "paths": [["\#(name)"]]}]}"#
            #expect(Self.resolved(try SolveProblemParser.parse(tail)) == [[name]])
            let cut = #"{"links": [{"name": "\#(name)", "capacity": 1}], "demands": [{"volume": 1, "paths": [["\#(name)"#
            #expect(throws: SolveInputError.self) { try SolveProblemParser.parse(cut) }
        }
    }

    @Test(arguments: [
        (#"{"links": [{"name": "ab", "capacity": 1}, {"name": "a\u0062", "capacity": 2}], "demands": []}"#,
         #"links[1].name: duplicate link "ab" (also links[0])"#),
        (#"{"links": [{"name": "x", "capacity": 1}, {"name": "long-name-of-a-link-1", "capacity": 1}, {"name": "long-name-of-a-link-1", "capacity": 2}], "demands": []}"#,
         #"links[2].name: duplicate link "long-name-of-a-link-1" (also links[1])"#),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a", "b\"c\u00e9"]]}]}"#,
         #"demands[0].paths[0][1]: unknown link "b"cé""#),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a"], ["a", "bad\#u{01}name-padding"]]}]}"#,
         "demands[0].paths[1] (line 1, column 96): control character in a string"),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a", 3]]}]}"#,
         "demands[0].paths[0] (line 1, column 85): expected a string, found '3'"),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a"] "a"]}]}"#,
         "demands[0].paths (line 1, column 85): expected ',' or ']', found '\"'"),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a", "b"#,
         "demands[0].paths[0] (line 1, column 87): unterminated string"),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a"]], "paths": []}]}"#,
         "demands[0].paths: duplicate key"),
    ])
    func rejectsWithThePath(text: String, message: String) {
        expectRejected(text, message)
    }

    /// Every number equals the standard library's correctly rounded reading of its text.
    @Test func randomDecimalsParseExactly() throws {
        var rng = SplitMix64(seed: 2026)
        var texts: [String] = []
        for _ in 0..<4000 {
            let intDigits = 1 + rng.int(rng.int(4) == 0 ? 22 : 7)
            var s = String(1 + rng.int(9)) + String((1..<intDigits).map { _ in Character(String(rng.int(10))) })
            if rng.int(5) == 0 { s = "0" }
            if rng.int(3) != 0 {
                let fracDigits = 1 + rng.int(rng.int(4) == 0 ? 24 : 6)
                s += "." + String((0..<fracDigits).map { _ in Character(String(rng.int(10))) })
            }
            switch rng.int(6) {
            case 0: s += ["e", "E", "e+"][rng.int(3)] + String(rng.int(rng.int(3) == 0 ? 280 : 25))
            case 1: s += ["e-", "E-"][rng.int(2)] + String(rng.int(rng.int(3) == 0 ? 340 : 25))
            default: break
            }
            texts.append(s)
        }
        let links = texts.enumerated().map { #"{"name": "l\#($0)", "capacity": \#($1), "load": \#($1)}"# }
        let p = try SolveProblemParser.parse(#"{"links": [\#(links.joined(separator: ",\n"))], "demands": []}"#)
        for (k, text) in texts.enumerated() {
            #expect(p.capacity[k] == Double(text), "\(text)")
            #expect(p.load[k] == Double(text), "\(text)")
        }
    }
}
