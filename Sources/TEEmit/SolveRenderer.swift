import Foundation
import TECore

/// Renders a `tectl solve` answer as text (people) or JSON (scripts; keys documented in docs/solve.md).
/// Written byte by byte: answers to large problems are megabytes.
public enum SolveRenderer {
    public static func json(problem: SolveProblem, solution: SolveSolution, quantized: QuantizedSolution?) -> String {
        var out = "{\n"
        // About 24 bytes a path and 48 a demand or link: one allocation for a 2 MB answer.
        out.reserveCapacity(256 + 24 * problem.pathCount + 48 * (problem.demandCount + problem.linkCount) + 64 * problem.linkCount * solution.stages.count)
        out += "  \"mlu\": \(value(solution.mlu)),\n"
        out += "  \"lower_bound\": \(value(solution.lowerBound)),\n"
        out += "  \"gap\": \(value(solution.gap)),\n"
        if let asked = solution.askedGap { out += "  \"asked_gap\": \(value(asked)),\n" }
        out += "  \"sweeps\": \(solution.sweeps),\n"
        out += "  \"priorities\": ["
        for (n, s) in solution.stages.enumerated() {
            out += n == 0 ? "\n" : ",\n"
            out += "    {\"priority\": \(s.priority), \"mlu\": \(value(s.mlu)), \"lower_bound\": \(value(s.lowerBound)), \"gap\": \(value(s.gap)), \"sweeps\": \(s.sweeps), \"smoothing\": \(value(s.smoothing))"
            out += certificate(problem: problem, solution: solution, stage: n)
            out += "}"
        }
        out += solution.stages.isEmpty ? "],\n" : "\n  ],\n"
        if let q = quantized {
            out += "  \"quantized\": {\"table_size\": \(q.tableSize), \"mlu\": \(value(q.mlu)), \"worst_oversubscription\": \(value(q.worstOversubscription))},\n"
        }
        out += "  \"notes\": ["
        for (n, note) in solution.notes.enumerated() {
            out += n == 0 ? "\n" : ",\n"
            out += "    {\"kind\": \"\(note.kind.rawValue)\", \"message\": \(string(note.message))}"
        }
        out += solution.notes.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"demands\": ["
        for d in 0..<problem.demandCount {
            out += d == 0 ? "\n" : ",\n"
            out += "    {\"name\": \(string(problem.demandNames[d])), \"split\": ["
            let range = problem.paths(of: d)
            for (k, p) in range.enumerated() {
                if k > 0 { out += ", " }
                out += value(solution.split[p])
            }
            out += "]"
            if let q = quantized {
                out += ", \"weights\": ["
                for (k, p) in range.enumerated() {
                    if k > 0 { out += ", " }
                    out += String(q.weights[p])
                }
                out += "]"
            }
            out += "}"
        }
        out += problem.demandCount == 0 ? "],\n" : "\n  ],\n"
        out += "  \"links\": ["
        for e in 0..<problem.linkCount {
            out += e == 0 ? "\n" : ",\n"
            out += "    {\"name\": \(string(problem.linkNames[e])), \"utilization\": \(value(solution.utilization[e]))}"
        }
        out += problem.linkCount == 0 ? "]\n" : "\n  ]\n"
        out += "}\n"
        return out
    }

    public static func text(problem: SolveProblem, solution: SolveSolution, quantized: QuantizedSolution?) -> String {
        var out = "mlu \(percent(solution.mlu)) lower-bound \(percent(solution.lowerBound)) gap \(percent(solution.gap))"
        out += " (\(problem.demandCount) demands, \(problem.pathCount) paths, \(problem.linkCount) links, \(solution.sweeps) sweeps)\n"
        for s in solution.stages {
            out += "priority \(s.priority): mlu \(percent(s.mlu)) lower-bound \(percent(s.lowerBound)) gap \(percent(s.gap))\n"
        }
        if let q = quantized {
            out += "quantized to \(q.tableSize) entries: mlu \(percent(q.mlu)) worst-oversubscription \(percent(q.worstOversubscription))\n"
        }
        for note in solution.notes { out += "note: \(note.message)\n" }
        for d in 0..<problem.demandCount {
            out += "demand \(problem.demandNames[d]):"
            for p in problem.paths(of: d) {
                out += " \(fixed(solution.split[p]))"
                if let q = quantized { out += "/\(q.weights[p])" }
            }
            out += "\n"
        }
        for e in 0..<problem.linkCount {
            out += "link \(problem.linkNames[e]) \(percent(solution.utilization[e]))\n"
        }
        return out
    }

    /// `, "certificate": {"y": {LINK: w, ...}, "z": [{LINK: w, ...}, ...], "holds": [H, ...]}` for
    /// stage `n`: the link weights behind its lower bound (and the hold multipliers, one map per
    /// higher priority, with the holds they were priced under), by link name, full precision;
    /// weights below 1e-15 of the largest are left out (they move the bound by less than that).
    /// Empty when the stage has no certificate.
    static func certificate(problem: SolveProblem, solution: SolveSolution, stage n: Int) -> String {
        guard n < solution.duals.count else { return "" }
        let y = solution.duals[n]
        guard y.count == problem.linkCount, let top = y.max(), top > 0 else { return "" }
        func map(_ w: ArraySlice<Double>, floor: Double) -> String {
            var out = "{"
            var first = true
            for (i, v) in zip(w.indices, w) where v > floor && v.isFinite {
                out += first ? "" : ", "
                first = false
                out += "\(string(problem.linkNames[i - w.startIndex])): \(v)"
            }
            return out + "}"
        }
        var out = ", \"certificate\": {\"y\": " + map(y[...], floor: top * 1e-15)
        let z = n < solution.holdDuals.count ? solution.holdDuals[n] : []
        let E = problem.linkCount
        if E > 0, !z.isEmpty, z.count % E == 0 {
            out += ", \"z\": ["
            for j in 0..<(z.count / E) {
                out += (j == 0 ? "" : ", ") + map(z[(j * E)..<((j + 1) * E)], floor: 0)
            }
            out += "]"
            if n < solution.holdCaps.count {
                out += ", \"holds\": [" + solution.holdCaps[n].map { "\($0)" }.joined(separator: ", ") + "]"
            }
        }
        return out + "}"
    }

    /// A split, utilization, bound, gap or smoothing: the shortest form that reads back to the
    /// same double (0 and 1, most splits, as such); null if not finite. Not trimmed: on a fabric
    /// nearly idle (or with capacities in bit/s and volumes in Gbit/s) every utilization is far
    /// below 10⁻⁹, and link loads recomputed from splits rounded to 10⁻⁹ were up to 3e-6 off
    /// the utilizations written beside them where volumes far exceed capacities.
    static func value(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == 0 { return "0" }
        if v == 1 { return "1" }
        return "\(v)"
    }

    static func fixed(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return "\(r)"
    }

    /// Two decimals; a value that would round to 0.0% but is not 0 keeps three significant
    /// digits (`3e-09%`), so a nearly idle fabric does not read as empty.
    static func percent(_ v: Double) -> String {
        guard v.isFinite else { return "inf" }
        let r = (v * 10000).rounded() / 100
        if r == 0, v != 0 { return String(format: "%.3g%%", v * 100) }
        return "\(r)%"
    }

    static func string(_ s: String) -> String {
        // The usual name needs no escape: quoted as it is.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
