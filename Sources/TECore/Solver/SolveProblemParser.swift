/// An error in a solve problem, named by its JSON path: `demands[3].paths[1][0]: unknown link "s9-l4"`.
/// Syntax errors also carry the line and column.
public struct SolveInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var line: Int?
    public var column: Int?

    public init(path: String, message: String, line: Int? = nil, column: Int? = nil) {
        self.path = path
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        let at = line.map { "line \($0), column \(column ?? 0)" }
        switch (path.isEmpty, at) {
        case (true, nil): return message
        case (true, let at?): return "\(at): \(message)"
        case (false, nil): return "\(path): \(message)"
        case (false, let at?): return "\(path) (\(at)): \(message)"
        }
    }
}

/// Reads the solve problem JSON (docs/solve.md) with a byte-level scanner: one pass, no
/// intermediate tree, link names resolved through a hash table over the raw bytes. Foundation's
/// JSONSerialization is an order of magnitude slower on multi-megabyte problems.
public enum SolveProblemParser {
    public static func parse(_ bytes: [UInt8]) throws(SolveInputError) -> SolveProblem {
        // The scanner reads through an unsafe buffer (no bounds checks in the hot loops; every
        // index is checked against `count` by hand) that lives for the whole parse.
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<SolveProblem, SolveInputError> in
            var scanner = ProblemScanner(bytes: buffer)
            do throws(SolveInputError) {
                return .success(try scanner.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(SolveInputError) -> SolveProblem {
        try parse(Array(text.utf8))
    }
}

private enum PathComponent {
    case key(String)
    /// A member key as matched (no String made for the grammar's own keys).
    case field(Key)
    case index(Int)
}

/// A string's bytes: a range of the input when it has no escapes, else decoded.
private enum Text {
    case slice(Range<Int>)
    case owned([UInt8])
}

/// Object keys the grammar knows, matched on the raw bytes (no String per key).
private enum Key {
    case name, capacity, load, volume, priority, paths, links, demands
    case other(String)

    var text: String {
        switch self {
        case .name: "name"
        case .capacity: "capacity"
        case .load: "load"
        case .volume: "volume"
        case .priority: "priority"
        case .paths: "paths"
        case .links: "links"
        case .demands: "demands"
        case .other(let s): s
        }
    }
}

private struct ProblemScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    var path: [PathComponent] = []
    var problem = SolveProblem()
    /// The index of the path being read within its demand's `paths` (-1 outside): part of the
    /// JSON path of an error, kept out of `path` so that the hot loop pushes nothing.
    var pathIndex = -1
    var names = LinkNameTable(capacity: 0)
    /// Link names, back to back, while the links are read; name n is
    /// namePool[nameStart[n] ..< nameStart[n + 1]].
    var namePool: [UInt8] = []
    var nameStart: [Int] = [0]
    var linksSeen = false

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        path.reserveCapacity(8)
    }

    // Static, on the buffer alone: a method reading `self` from a mutating context makes Swift
    // copy the whole scanner (every array retained) at each call.
    @inline(__always)
    static func withBytes<R>(_ t: Text, in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch t {
        case .slice(let r): return body(UnsafeBufferPointer(rebasing: bytes[r]))
        case .owned(let a): return a.withUnsafeBufferPointer(body)
        }
    }

    static func decode(_ t: Text, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        withBytes(t, in: bytes) { String(decoding: $0, as: UTF8.self) }
    }

    func decode(_ t: Text) -> String {
        Self.decode(t, in: bytes)
    }

    // MARK: errors

    func pathText(_ extra: [PathComponent] = []) -> String {
        var s = ""
        for c in path + (pathIndex >= 0 ? [.index(pathIndex)] : []) + extra {
            switch c {
            case .key(let k): s += s.isEmpty ? k : "." + k
            case .field(let k): s += s.isEmpty ? k.text : "." + k.text
            case .index(let n): s += "[\(n)]"
            }
        }
        return s
    }

    func fail(_ message: String) -> SolveInputError {
        SolveInputError(path: pathText(), message: message)
    }

    func syntax(_ message: String) -> SolveInputError {
        var line = 1, column = 1
        var k = 0
        while k < min(i, bytes.count) {
            if bytes[k] == UInt8(ascii: "\n") { line += 1; column = 1 } else if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return SolveInputError(path: pathText(), message: message, line: line, column: column)
    }

    func describeHere() -> String {
        guard i < bytes.count else { return "end of input" }
        let b = bytes[i]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

    // MARK: lexical

    @inline(__always)
    mutating func skipSpace() {
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 } else { return }
        }
    }

    @inline(__always)
    mutating func peek() -> UInt8? {
        skipSpace()
        return i < bytes.count ? bytes[i] : nil
    }

    mutating func expect(_ c: Unicode.Scalar) throws(SolveInputError) {
        guard let b = peek(), b == UInt8(ascii: c) else { throw syntax("expected '\(c)', found \(describeHere())") }
        i += 1
    }

    /// After a member: true when another follows (`,`), false at the closing bracket.
    @inline(__always)
    mutating func more(_ close: Unicode.Scalar) throws(SolveInputError) -> Bool {
        // The usual case, a separator or bracket right here, without the general whitespace loop.
        if i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: ",") { i += 1; return true }
            if b == UInt8(ascii: close) { i += 1; return false }
        }
        guard let b = peek() else { throw syntax("expected ',' or '\(close)', found end of input") }
        if b == UInt8(ascii: ",") { i += 1; return true }
        if b == UInt8(ascii: close) { i += 1; return false }
        throw syntax("expected ',' or '\(close)', found \(describeHere())")
    }

    /// Starts an array or object; true when it is empty (and consumed).
    @inline(__always)
    mutating func open(_ open: Unicode.Scalar, _ close: Unicode.Scalar, what: StaticString) throws(SolveInputError) -> Bool {
        guard let b = peek(), b == UInt8(ascii: open) else { throw syntax("expected \(what), found \(describeHere())") }
        i += 1
        if peek() == UInt8(ascii: close) { i += 1; return true }
        return false
    }

    /// A string's bytes: a slice of the input when it has no escapes, else decoded.
    mutating func stringBytes() throws(SolveInputError) -> Text {
        guard peek() == UInt8(ascii: "\"") else { throw syntax("expected a string, found \(describeHere())") }
        i += 1
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return .slice(start..<(i - 1))
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if b < 0x20 { throw syntax("control character in a string") }
            i += 1
        }
        throw syntax("unterminated string")
    }

    mutating func escapedString(from start: Int) throws(SolveInputError) -> Text {
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; return .owned(out) }
            if b < 0x20 { throw syntax("control character in a string") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low &- 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw syntax("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw syntax("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        throw syntax("unterminated string")
    }

    mutating func hex4() throws(SolveInputError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < bytes.count, let d = Character(Unicode.Scalar(bytes[i])).hexDigitValue else { throw syntax("invalid \\u escape") }
            v = v * 16 + UInt32(d)
            i += 1
        }
        return v
    }

    mutating func string() throws(SolveInputError) -> String {
        let t = try stringBytes()
        return Self.decode(t, in: bytes)
    }

    /// An object key, matched against the grammar's keys on its bytes.
    mutating func key() throws(SolveInputError) -> Key {
        let t = try stringBytes()
        guard case .slice(let r) = t else { return Self.keyword(Self.decode(t, in: bytes)) }
        let p = bytes.baseAddress.unsafelyUnwrapped + r.lowerBound
        @inline(__always) func equals(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == r.count else { return false }
            let w = word.utf8Start
            for k in 0..<r.count where p[k] != w[k] { return false }
            return true
        }
        switch r.count {
        case 4: if equals("name") { return .name }; if equals("load") { return .load }
        case 5: if equals("paths") { return .paths }; if equals("links") { return .links }
        case 6: if equals("volume") { return .volume }
        case 7: if equals("demands") { return .demands }
        case 8: if equals("capacity") { return .capacity }; if equals("priority") { return .priority }
        default: break
        }
        return .other(Self.decode(t, in: bytes))
    }

    static func keyword(_ s: String) -> Key {
        switch s {
        case "name": .name
        case "capacity": .capacity
        case "load": .load
        case "volume": .volume
        case "priority": .priority
        case "paths": .paths
        case "links": .links
        case "demands": .demands
        default: .other(s)
        }
    }

    static let powersOfTen: [Double] = (0...22).map { n in (0..<n).reduce(1.0) { a, _ in a * 10 } }

    /// A JSON number. Clinger's fast path (≤ 15 significant digits, |exponent| ≤ 22) is exact;
    /// anything else goes through the standard library's correctly rounded parser.
    mutating func number() throws(SolveInputError) -> Double {
        guard let first = peek() else { throw syntax("expected a number, found end of input") }
        if first == UInt8(ascii: "N") || first == UInt8(ascii: "I") || (first == UInt8(ascii: "-") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "I")) {
            throw fail("must be a finite number (NaN and Infinity are not allowed)")
        }
        let start = i
        var negative = false
        if first == UInt8(ascii: "-") { negative = true; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            if digits < 19 { mantissa = mantissa * 10 + UInt64(bytes[i] - 0x30); if mantissa > 0 { digits += 1 } } else { exponent += 1 }
            sawDigit = true
            i += 1
        }
        guard sawDigit else { throw syntax("expected a number, found \(describeHere())") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var fraction = false
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(bytes[i] - 0x30); exponent -= 1; if mantissa > 0 { digits += 1 } }
                fraction = true
                i += 1
            }
            guard fraction else { throw syntax("expected a digit after '.'") }
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { expNegative = bytes[i] == UInt8(ascii: "-"); i += 1 }
            var e = 0
            var any = false
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if e < 100_000 { e = e * 10 + Int(bytes[i] - 0x30) }
                any = true
                i += 1
            }
            guard any else { throw syntax("expected a digit in the exponent") }
            exponent += expNegative ? -e : e
        }
        let value: Double
        if digits <= 15, exponent >= -22, exponent <= 22 {
            let m = Double(mantissa)
            value = exponent >= 0 ? m * Self.powersOfTen[exponent] : m / Self.powersOfTen[-exponent]
            return negative ? -value : value
        }
        guard let parsed = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) else { throw syntax("invalid number") }
        return parsed
    }

    mutating func nonNegative(_ what: String) throws(SolveInputError) -> Double {
        let v = try number()
        guard v.isFinite else { throw fail("must be a finite number, got \(v)") }
        guard v >= 0 else { throw fail("\(what) must be ≥ 0, got \(formatNumber(v))") }
        return v
    }

    /// Skips any JSON value (for validation of ignored members this is enough: it checks brackets and strings).
    mutating func skipValue() throws(SolveInputError) {
        guard let b = peek() else { throw syntax("expected a value, found end of input") }
        switch b {
        case UInt8(ascii: "\""): _ = try stringBytes()
        case UInt8(ascii: "{"):
            if try open("{", "}", what: "an object") { return }
            repeat {
                _ = try stringBytes()
                try expect(":")
                try skipValue()
            } while try more("}")
        case UInt8(ascii: "["):
            if try open("[", "]", what: "an array") { return }
            repeat { try skipValue() } while try more("]")
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            while i < bytes.count, bytes[i] >= UInt8(ascii: "a"), bytes[i] <= UInt8(ascii: "z") { i += 1 }
        default: _ = try number()
        }
    }

    // MARK: names

    /// A link name in a path, resolved to its index. Names without escapes are scanned a word at a
    /// time with the key computed on the way (no copy, no String); the rest take `stringBytes()`.
    @inline(__always)
    mutating func linkReference(_ l: Int) throws(SolveInputError) -> Int32 {
        if let b = peek(), b == UInt8(ascii: "\""), let base = bytes.baseAddress {
            var end = 0
            if let key = NameHash.scan(base, count: bytes.count, from: i + 1, end: &end) {
                let name = UnsafeBufferPointer(start: base + i + 1, count: key.count)
                guard let link = names.lookup(key, name) else {
                    throw SolveInputError(path: pathText([.index(l)]), message: "unknown link \"\(String(decoding: name, as: UTF8.self))\"")
                }
                i = end + 1
                return Int32(truncatingIfNeeded: link)
            }
        }
        let name = try stringBytes()
        let table = names
        let link = Self.withBytes(name, in: bytes) { table.lookup(NameHash.key(of: $0), $0) }
        guard let link else {
            throw SolveInputError(path: pathText([.index(l)]), message: "unknown link \"\(decode(name))\"")
        }
        return Int32(truncatingIfNeeded: link)
    }

    // MARK: grammar

    mutating func parseDocument() throws(SolveInputError) -> SolveProblem {
        var demandsAt: Int?
        var demandsDone = false
        if try !open("{", "}", what: "an object with \"links\" and \"demands\"") {
            repeat {
                let key = try key()
                try expect(":")
                switch key {
                case .links:
                    guard !linksSeen else { throw fail("duplicate key \"links\"") }
                    path = [.key("links")]
                    try parseLinks()
                    path = []
                case .demands:
                    guard demandsAt == nil, !demandsDone else { throw fail("duplicate key \"demands\"") }
                    if linksSeen {
                        path = [.key("demands")]
                        try parseDemands()
                        path = []
                        demandsDone = true
                    } else {
                        // Links come later: remember where the demands are and resolve them after.
                        demandsAt = i
                        path = [.key("demands")]
                        try skipValue()
                        path = []
                    }
                default:
                    throw fail("unknown key \"\(key.text)\" (expected \"links\" and \"demands\")")
                }
            } while try more("}")
        }
        skipSpace()
        guard i == bytes.count else { throw syntax("unexpected \(describeHere()) after the problem") }
        guard linksSeen else { throw fail("missing \"links\"") }
        if let at = demandsAt {
            let end = i
            i = at
            path = [.key("demands")]
            try parseDemands()
            path = []
            i = end
            demandsDone = true
        }
        guard demandsDone else { throw fail("missing \"demands\"") }
        return problem
    }

    mutating func parseLinks() throws(SolveInputError) {
        linksSeen = true
        var index = 0
        if try open("[", "]", what: "an array of links") { return }
        repeat {
            path.append(.index(index))
            var name: Text?
            var capacity: Double?
            var load = 0.0
            if try open("{", "}", what: "a link object") { throw fail("missing \"name\"") }
            repeat {
                let key = try key()
                try expect(":")
                path.append(.field(key))
                switch key {
                case .name: name = try stringBytes()
                case .capacity: capacity = try nonNegative("capacity")
                case .load: load = try nonNegative("load")
                default: throw SolveInputError(path: pathText(), message: "unknown key (expected name, capacity, load)")
                }
                path.removeLast()
            } while try more("}")
            guard let name else { throw fail("missing \"name\"") }
            guard let capacity else { throw fail("missing \"capacity\"") }
            problem.addLink(name: Self.decode(name, in: bytes), capacity: capacity, load: load)
            switch name {
            case .slice(let r): namePool.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[r]))
            case .owned(let a): namePool.append(contentsOf: a)
            }
            nameStart.append(namePool.count)
            path.removeLast()
            index += 1
        } while try more("]")
        let count = nameStart.count - 1
        var table = LinkNameTable(capacity: count)
        let pool = namePool, starts = nameStart
        let duplicate = pool.withUnsafeBufferPointer { pool -> (Int, Int)? in
            for n in 0..<count {
                if let other = table.insert(UnsafeBufferPointer(rebasing: pool[starts[n]..<starts[n + 1]])) { return (n, other) }
            }
            return nil
        }
        if let (n, other) = duplicate {
            throw SolveInputError(path: "links[\(n)].name", message: "duplicate link \"\(table.name(other))\" (also links[\(other)])")
        }
        names = table
        namePool = []
        nameStart = [0]
    }

    mutating func parseDemands() throws(SolveInputError) {
        var index = 0
        if try open("[", "]", what: "an array of demands") { return }
        // A link name in a path takes at least 3 bytes ("", plus a separator) and usually
        // 10–25: reserving for one per 16 bytes avoids most of the copies of growing arrays.
        let rest = bytes.count - i
        problem.pathLinks.reserveCapacity(rest / 16)
        problem.pathLinkStart.reserveCapacity(rest / 64)
        repeat {
            path.append(.index(index))
            var name: String?
            var volume: Double?
            var priority = 0
            var sawPaths = false
            if try open("{", "}", what: "a demand object") { throw fail("missing \"volume\"") }
            repeat {
                let key = try key()
                try expect(":")
                path.append(.field(key))
                switch key {
                case .name: name = try string()
                case .volume: volume = try nonNegative("volume")
                case .priority:
                    let p = try number()
                    guard p.isFinite, p >= 0, p == p.rounded(), p <= 1_000_000 else { throw fail("priority must be an integer ≥ 0, got \(formatNumber(p))") }
                    priority = Int(p)
                case .paths:
                    guard !sawPaths else { throw fail("duplicate key") }
                    sawPaths = true
                    try parsePaths()
                default: throw fail("unknown key (expected name, volume, priority, paths)")
                }
                path.removeLast()
            } while try more("}")
            guard let volume else { throw fail("missing \"volume\"") }
            guard sawPaths else { throw fail("missing \"paths\" (use [] for a demand with no path)") }
            problem.beginDemand(name: name ?? "demands[\(index)]", volume: volume, priority: priority)
            problem.endDemand()
            path.removeLast()
            index += 1
        } while try more("]")
    }

    mutating func parsePaths() throws(SolveInputError) {
        if try open("[", "]", what: "an array of paths") { return }
        var p = 0
        repeat {
            pathIndex = p
            if try !open("[", "]", what: "a path (an array of link names)") {
                var l = 0
                let first = problem.pathLinks.count
                repeat {
                    let link = try linkReference(l)
                    // A path crosses a link once: a repeat would count its flow twice there,
                    // and no route does that.
                    var k = first
                    while k < problem.pathLinks.count {
                        if problem.pathLinks[k] == link {
                            throw SolveInputError(path: pathText([.index(l)]), message: "link \"\(problem.linkNames[Int(link)])\" appears twice in this path")
                        }
                        k += 1
                    }
                    problem.pathLinks.append(link)
                    l += 1
                } while try more("]")
            }
            problem.endPath()
            pathIndex = -1
            p += 1
        } while try more("]")
    }
}

/// A number as a person writes it: no trailing `.0` on whole numbers.
func formatNumber(_ v: Double) -> String {
    if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
    return "\(v)"
}
