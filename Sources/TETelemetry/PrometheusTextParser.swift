/// One sample of the Prometheus text exposition format 0.0.4.
public struct PrometheusSample: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Double
    /// Milliseconds since the epoch, when the line carries one.
    public var timestampMilliseconds: Int64?

    public init(name: String, labels: [String: String] = [:], value: Double, timestampMilliseconds: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// A parsed exposition: samples in order, and the `# TYPE` / `# HELP` of each family.
public struct PrometheusExposition: Sendable, Equatable {
    public var samples: [PrometheusSample]
    public var types: [String: String]
    public var help: [String: String]

    public func samples(named name: String) -> [PrometheusSample] { samples.filter { $0.name == name } }
}

/// A line the parser rejected, with its 1-based number.
public struct PrometheusTextError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// Parser of the Prometheus text exposition format, version 0.0.4.
///
/// Handles `# HELP` (escapes `\\` and `\n`) and `# TYPE` lines, other comments, blank lines,
/// label sets with escaped values (`\\`, `\"`, `\n`), whitespace around labels and a trailing
/// comma (as dcgm-exporter's `{gpu="0", UUID="…"}`), values `NaN`, `+Inf`, `-Inf` and Go float
/// syntax, and an optional integer timestamp (ms). Lines end in `\n`; a `\r` before it is ignored.
public enum PrometheusTextParser {
    public static func parse(_ text: String) throws(PrometheusTextError) -> PrometheusExposition {
        var out = PrometheusExposition(samples: [], types: [:], help: [:])
        var number = 0
        // Split on bytes: Swift's String treats "\r\n" as one Character.
        for rawLine in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
            number += 1
            var line = rawLine[...]
            if line.last == 13 { line = line.dropLast() }
            let trimmed = line.drop { $0 == 32 || $0 == 9 }
            if trimmed.isEmpty { continue }
            if trimmed.first == UInt8(ascii: "#") {
                try parseComment(Substring(trimmed.dropFirst()), line: number, into: &out)
                continue
            }
            out.samples.append(try parseSample(Array(trimmed), line: number))
        }
        return out
    }

    static func parseComment(_ rest: Substring, line: Int, into out: inout PrometheusExposition) throws(PrometheusTextError) {
        let tokens = rest.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard tokens.count >= 2, tokens[0] == "HELP" || tokens[0] == "TYPE" else { return }
        let name = String(tokens[1])
        let value = tokens.count > 2 ? String(tokens[2]) : ""
        if tokens[0] == "TYPE" {
            let kinds = ["counter", "gauge", "histogram", "summary", "untyped"]
            guard kinds.contains(value) else {
                throw PrometheusTextError(line: line, reason: "unknown metric type \"\(value)\" for \(name)")
            }
            out.types[name] = value
        } else {
            out.help[name] = unescape(value, quotes: false)
        }
    }

    static func parseSample(_ b: [UInt8], line: Int) throws(PrometheusTextError) -> PrometheusSample {
        var i = 0
        func isNameStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 58 }
        func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 48 && c <= 57) }
        func skipBlanks() { while i < b.count, b[i] == 32 || b[i] == 9 { i += 1 } }

        guard i < b.count, isNameStart(b[i]) else {
            throw PrometheusTextError(line: line, reason: "expected a metric name")
        }
        let nameStart = i
        while i < b.count, isNameChar(b[i]) { i += 1 }
        let name = String(decoding: b[nameStart..<i], as: UTF8.self)
        var labels: [String: String] = [:]
        skipBlanks()
        if i < b.count, b[i] == UInt8(ascii: "{") {
            i += 1
            while true {
                skipBlanks()
                guard i < b.count else { throw PrometheusTextError(line: line, reason: "unterminated label set") }
                if b[i] == UInt8(ascii: "}") { i += 1; break }
                guard isNameStart(b[i]), b[i] != 58 else {
                    throw PrometheusTextError(line: line, reason: "expected a label name")
                }
                let ls = i
                while i < b.count, isNameChar(b[i]), b[i] != 58 { i += 1 }
                let label = String(decoding: b[ls..<i], as: UTF8.self)
                skipBlanks()
                guard i < b.count, b[i] == UInt8(ascii: "=") else {
                    throw PrometheusTextError(line: line, reason: "expected \"=\" after label \(label)")
                }
                i += 1
                skipBlanks()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else {
                    throw PrometheusTextError(line: line, reason: "expected a quoted value for label \(label)")
                }
                i += 1
                var value: [UInt8] = []
                var closed = false
                while i < b.count {
                    let c = b[i]
                    if c == UInt8(ascii: "\\") {
                        guard i + 1 < b.count else { break }
                        switch b[i + 1] {
                        case UInt8(ascii: "n"): value.append(10)
                        case UInt8(ascii: "\\"): value.append(92)
                        case UInt8(ascii: "\""): value.append(34)
                        default:
                            throw PrometheusTextError(line: line, reason: "invalid escape \\\(Character(Unicode.Scalar(b[i + 1]))) in label \(label)")
                        }
                        i += 2
                        continue
                    }
                    if c == UInt8(ascii: "\"") { closed = true; i += 1; break }
                    value.append(c)
                    i += 1
                }
                guard closed else { throw PrometheusTextError(line: line, reason: "unterminated value of label \(label)") }
                if labels[label] != nil { throw PrometheusTextError(line: line, reason: "duplicate label \(label)") }
                labels[label] = String(decoding: value, as: UTF8.self)
                skipBlanks()
                guard i < b.count else { throw PrometheusTextError(line: line, reason: "unterminated label set") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else {
                    throw PrometheusTextError(line: line, reason: "expected \",\" or \"}\" after label \(label)")
                }
            }
        }
        skipBlanks()
        let vs = i
        while i < b.count, b[i] != 32, b[i] != 9 { i += 1 }
        let valueText = String(decoding: b[vs..<i], as: UTF8.self)
        guard !valueText.isEmpty else { throw PrometheusTextError(line: line, reason: "missing value for \(name)") }
        guard let value = parseValue(valueText) else {
            throw PrometheusTextError(line: line, reason: "invalid value \"\(valueText)\" for \(name)")
        }
        skipBlanks()
        var timestamp: Int64?
        if i < b.count {
            let ts = i
            while i < b.count, b[i] != 32, b[i] != 9 { i += 1 }
            let tsText = String(decoding: b[ts..<i], as: UTF8.self)
            guard let t = Int64(tsText) else {
                throw PrometheusTextError(line: line, reason: "invalid timestamp \"\(tsText)\" for \(name)")
            }
            timestamp = t
            skipBlanks()
            guard i == b.count else { throw PrometheusTextError(line: line, reason: "unexpected text after the timestamp") }
        }
        return PrometheusSample(name: name, labels: labels, value: value, timestampMilliseconds: timestamp)
    }

    /// Go's `strconv.ParseFloat` spellings that the format allows: decimal and exponent forms,
    /// `NaN`, `+Inf`, `-Inf` (and `Inf`).
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 43 || $0 == 45 || $0 == 101 || $0 == 69 }) else {
                return nil
            }
            return Double(text)
        }
    }

    static func unescape(_ text: String, quotes: Bool) -> String {
        guard text.contains("\\") else { return text }
        var out = ""
        var escaping = false
        for c in text {
            if escaping {
                switch c {
                case "n": out.append("\n")
                case "\\": out.append("\\")
                case "\"" where quotes: out.append("\"")
                default: out.append("\\"); out.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        if escaping { out.append("\\") }
        return out
    }
}
