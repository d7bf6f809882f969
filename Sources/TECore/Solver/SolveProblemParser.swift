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

private struct ProblemScanner: JSONScanning {
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

    // MARK: errors

    func currentPath() -> String { pathText() }

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
            var name: JSONText?
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
            // A path crosses at least one link: an empty one would carry any flow at no cost,
            // and no next-hop does that (a demand with no path is `"paths": []`).
            if try open("[", "]", what: "a path (an array of link names)") {
                throw fail("a path lists at least one link (for a demand with no path: \"paths\": [])")
            } else {
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
