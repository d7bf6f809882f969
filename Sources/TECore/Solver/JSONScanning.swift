/// The lexical layer of tectl's byte-level JSON readers (the solve problem, a previous answer
/// for a warm start): one pass over an unsafe buffer, no intermediate tree, errors named by JSON
/// path (and line and column for syntax). A reader is a struct that holds the buffer and the
/// position and says where it is (`currentPath`); its grammar calls these.
protocol JSONScanning {
    var bytes: UnsafeBufferPointer<UInt8> { get }
    var i: Int { get set }
    /// The JSON path of the value being read (`demands[3].paths[1]`), for errors.
    func currentPath() -> String
}

/// A string's bytes: a range of the input when it has no escapes, else decoded.
enum JSONText {
    case slice(Range<Int>)
    case owned([UInt8])
}

enum JSONNumber {
    static let powersOfTen: [Double] = (0...22).map { n in (0..<n).reduce(1.0) { a, _ in a * 10 } }
}

extension JSONScanning {
    // Static, on the buffer alone: a method reading `self` from a mutating context makes Swift
    // copy the whole scanner (every array retained) at each call.
    @inline(__always)
    static func withBytes<R>(_ t: JSONText, in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch t {
        case .slice(let r): return body(UnsafeBufferPointer(rebasing: bytes[r]))
        case .owned(let a): return a.withUnsafeBufferPointer(body)
        }
    }

    static func decode(_ t: JSONText, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        withBytes(t, in: bytes) { String(decoding: $0, as: UTF8.self) }
    }

    func decode(_ t: JSONText) -> String {
        Self.decode(t, in: bytes)
    }

    func fail(_ message: String) -> SolveInputError {
        SolveInputError(path: currentPath(), message: message)
    }

    func syntax(_ message: String) -> SolveInputError {
        var line = 1, column = 1
        var k = 0
        while k < min(i, bytes.count) {
            if bytes[k] == UInt8(ascii: "\n") { line += 1; column = 1 } else if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return SolveInputError(path: currentPath(), message: message, line: line, column: column)
    }

    func describeHere() -> String {
        guard i < bytes.count else { return "end of input" }
        let b = bytes[i]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

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
    mutating func stringBytes() throws(SolveInputError) -> JSONText {
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

    mutating func escapedString(from start: Int) throws(SolveInputError) -> JSONText {
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
            value = exponent >= 0 ? m * JSONNumber.powersOfTen[exponent] : m / JSONNumber.powersOfTen[-exponent]
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
}
