/// A data rate. Stored in bits per second; parsed from the units network engineers write.
public struct Bandwidth: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var bitsPerSecond: Double

    public init(bitsPerSecond: Double) { self.bitsPerSecond = bitsPerSecond }

    public static func gbps(_ value: Double) -> Bandwidth { Bandwidth(bitsPerSecond: value * 1e9) }
    public static func mbps(_ value: Double) -> Bandwidth { Bandwidth(bitsPerSecond: value * 1e6) }

    public var gigabitsPerSecond: Double { bitsPerSecond / 1e9 }
    public var megabitsPerSecond: Double { bitsPerSecond / 1e6 }

    public static func < (a: Bandwidth, b: Bandwidth) -> Bool { a.bitsPerSecond < b.bitsPerSecond }

    /// Parses `400G`, `10Gbps`, `100M`, `1.5T`, `25000000000`, `800Mbit/s`, `10 Gb/s`.
    /// Decimal prefixes (network convention): K = 1e3, M = 1e6, G = 1e9, T = 1e12.
    /// A bare number is bits per second.
    public init?(parsing text: String) {
        var s = Substring(text.trimmingWhitespace())
        guard !s.isEmpty else { return nil }
        var numberEnd = s.startIndex
        while numberEnd < s.endIndex, s[numberEnd].isNumber || s[numberEnd] == "." {
            numberEnd = s.index(after: numberEnd)
        }
        guard numberEnd > s.startIndex, let value = Double(s[s.startIndex..<numberEnd]), value.isFinite else { return nil }
        s = s[numberEnd...].drop(while: { $0 == " " })
        // An upper-case B means bytes (10GB/s); we take bits only, so refuse rather than guess.
        guard !s.contains("B") else { return nil }
        let lower = s.lowercased()
        let multiplier: Double
        var rest: Substring
        switch lower.first {
        case nil: multiplier = 1; rest = ""
        case "k": multiplier = 1e3; rest = Substring(lower.dropFirst())
        case "m": multiplier = 1e6; rest = Substring(lower.dropFirst())
        case "g": multiplier = 1e9; rest = Substring(lower.dropFirst())
        case "t": multiplier = 1e12; rest = Substring(lower.dropFirst())
        default: multiplier = 1; rest = Substring(lower)
        }
        let unitSuffixes: Set<Substring> = ["", "b", "bps", "bit", "bits", "bit/s", "b/s", "bit/sec", "bits/s"]
        if rest.isEmpty && lower.first == "b" { rest = "b" }
        guard unitSuffixes.contains(rest) else { return nil }
        self.bitsPerSecond = value * multiplier
    }

    /// Compact form: `400G`, `10G`, `100M`, `1.5T`.
    public var description: String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")]
        for (scale, suffix) in units where bitsPerSecond >= scale {
            return formatCompact(bitsPerSecond / scale) + suffix
        }
        return formatCompact(bitsPerSecond)
    }
}

/// Formats a number with at most 3 decimals and no trailing zeros (`1.5`, `10`, `0.125`).
public func formatCompact(_ value: Double) -> String {
    let rounded = (value * 1000).rounded() / 1000
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
    var text = String(rounded)
    if text.contains("e") { return text }
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
