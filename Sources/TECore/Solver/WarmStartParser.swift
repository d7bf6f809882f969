/// Reads a previous answer of `tectl solve --format json` (docs/solve.md, "Answer") as the warm
/// start of `problem`: every demand's split, in order, and per priority the smoothing and the
/// certificate (y, and the hold multipliers z). The other members are skipped. Byte-level like
/// the problem parser: on fattree-k16-tight-16k's 2 MB answer, JSONSerialization took longer
/// than the cold solve it was meant to shorten.
public enum WarmStartParser {
    public static func parse(_ bytes: [UInt8], for problem: SolveProblem) throws(SolveInputError) -> WarmStart {
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<WarmStart, SolveInputError> in
            var scanner = AnswerScanner(bytes: buffer, problem: problem)
            do throws(SolveInputError) {
                return .success(try scanner.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

private struct AnswerScanner: JSONScanning {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    /// Member names and `[index]`s down to the value being read.
    var path: [String] = []
    let problem: SolveProblem
    /// Link name → index, built at the first certificate.
    var links: [String: Int]?
    /// The first certificate that does not fit the problem (an unknown link, a bad weight): thrown
    /// after the demands are checked, so an answer to another problem is named by its demands.
    var misfit: SolveInputError?

    init(bytes: UnsafeBufferPointer<UInt8>, problem: SolveProblem) {
        self.bytes = bytes
        self.problem = problem
    }

    func currentPath() -> String {
        var s = ""
        for c in path { s += c.hasPrefix("[") || s.isEmpty ? c : "." + c }
        return s
    }

    /// The member names of an object, one at a time, with `body` reading each value.
    mutating func members(_ what: StaticString, _ body: (inout AnswerScanner, String) throws(SolveInputError) -> Void) throws(SolveInputError) {
        if try open("{", "}", what: what) { return }
        repeat {
            let key = try string()
            try expect(":")
            path.append(key)
            try body(&self, key)
            path.removeLast()
        } while try more("}")
    }

    /// The elements of an array, with `body` reading each one (given its index).
    mutating func elements(_ what: StaticString, _ body: (inout AnswerScanner, Int) throws(SolveInputError) -> Void) throws(SolveInputError) {
        if try open("[", "]", what: what) { return }
        var n = 0
        repeat {
            path.append("[\(n)]")
            try body(&self, n)
            path.removeLast()
            n += 1
        } while try more("]")
    }

    mutating func parseDocument() throws(SolveInputError) -> WarmStart {
        // Splits back to back; demand d's are splits[starts[d] ..< starts[d + 1]] (nil: none given).
        var splits: [Double] = []
        var starts: [Int] = [0]
        var given: [Bool] = []
        var demandsSeen = false
        var smoothing: [Int: Double] = [:]
        var stageSweeps: [Int: Int] = [:]
        var duals: [Int: [Double]] = [:]
        var holds: [Int: [Double]] = [:]
        var gaps: [Int: Double] = [:]
        var asked: Double?
        splits.reserveCapacity(problem.pathCount)
        try members("a `tectl solve --format json` answer (an object)") { s, key throws(SolveInputError) in
            switch key {
            case "demands":
                demandsSeen = true
                try s.elements("an array of demands") { s, _ throws(SolveInputError) in
                    var has = false
                    try s.members("a demand (an object)") { s, key throws(SolveInputError) in
                        guard key == "split" else { return try s.skipValue() }
                        has = true
                        try s.elements("an array of fractions") { s, _ throws(SolveInputError) in splits.append(try s.number()) }
                    }
                    given.append(has)
                    starts.append(splits.count)
                }
            case "asked_gap":
                asked = try s.nonNegative("a gap")
            case "priorities":
                try s.elements("an array of priorities") { s, _ throws(SolveInputError) in
                    var priority: Int?
                    var mu: Double?
                    var gap: Double?
                    var sweeps: Int?
                    var y: [Double]?
                    var z: [Double] = []
                    try s.members("a priority (an object)") { s, key throws(SolveInputError) in
                        switch key {
                        case "priority":
                            let v = try s.number()
                            guard v == v.rounded(), abs(v) < 1e15 else { throw s.fail("expected an integer, got \(formatNumber(v))") }
                            priority = Int(v)
                        case "smoothing": mu = try s.number()
                        case "sweeps":
                            // (Only a budget for the warm stage's LP: a count that is not one is left out.)
                            let v = try s.number()
                            if v >= 0, v == v.rounded(), v < 1e12 { sweeps = Int(v) }
                        case "gap":
                            // (null: an answer without a bound; no gap to carry.)
                            if s.peek() == UInt8(ascii: "n") { try s.skipValue() } else { gap = try s.number() }
                        case "certificate":
                            try s.members("a certificate (an object)") { s, key throws(SolveInputError) in
                                switch key {
                                case "y": y = try s.linkWeights()
                                case "z": try s.elements("a list of link-weight objects") { s, _ throws(SolveInputError) in z += try s.linkWeights() }
                                default: try s.skipValue()
                                }
                            }
                        default: try s.skipValue()
                        }
                    }
                    // (A stage without its priority is left out, as before.)
                    guard let priority else { return }
                    if let mu { smoothing[priority] = mu }
                    if let gap, gap >= 0 { gaps[priority] = gap }
                    if let sweeps { stageSweeps[priority] = sweeps }
                    if let y {
                        duals[priority] = y
                        if !z.isEmpty { holds[priority] = z }
                    }
                }
            default:
                try s.skipValue()
            }
        }
        skipSpace()
        guard i == bytes.count else { throw syntax("unexpected \(describeHere()) after the answer") }
        path = []
        guard demandsSeen else { throw fail("not a `tectl solve --format json` answer (no \"demands\")") }
        guard given.count == problem.demandCount else {
            throw fail("has \(given.count) demands, the problem \(problem.demandCount)")
        }
        for d in 0..<problem.demandCount {
            let expected = problem.paths(of: d).count
            guard given[d], starts[d + 1] - starts[d] == expected else {
                throw SolveInputError(path: "demands[\(d)].split", message: "expected \(expected) fractions (one per path)")
            }
        }
        if let misfit { throw misfit }
        // The priorities that stopped above the gap their solve asked for (none without `asked_gap`).
        return WarmStart(splits: splits, smoothing: smoothing, duals: duals, holdDuals: holds, missedGaps: WarmStart.missedGaps(gaps, asked: asked), stageSweeps: stageSweeps)
    }

    /// `{LINK: weight, ...}` as one weight per link of the problem (0 where not named).
    mutating func linkWeights() throws(SolveInputError) -> [Double] {
        if links == nil {
            links = Dictionary(problem.linkNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        }
        var v = [Double](repeating: 0, count: problem.linkCount)
        try members("an object of link weights") { s, name throws(SolveInputError) in
            let w = try s.number()
            guard s.misfit == nil else { return }
            if let e = s.links?[name] {
                if w >= 0, w.isFinite { v[e] = w } else { s.misfit = s.fail("expected a weight ≥ 0") }
            } else {
                s.path.removeLast()
                s.misfit = s.fail("unknown link \"\(name)\"")
                s.path.append(name)
            }
        }
        return v
    }
}
