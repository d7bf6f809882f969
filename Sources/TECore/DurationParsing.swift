extension Duration {
    /// Parses `1s`, `250ms`, `1.5s`, `2m`, `1h`, `500us`. A unit is required.
    public init?(parsing text: String) {
        let s = text.trimmingWhitespace().lowercased()
        var numberEnd = s.startIndex
        while numberEnd < s.endIndex, s[numberEnd].isNumber || s[numberEnd] == "." {
            numberEnd = s.index(after: numberEnd)
        }
        guard numberEnd > s.startIndex, let value = Double(s[s.startIndex..<numberEnd]), value.isFinite, value >= 0 else {
            return nil
        }
        let unit = s[numberEnd...].trimmingCharacters()
        let seconds: Double
        switch unit {
        case "ns": seconds = value / 1e9
        case "us", "µs": seconds = value / 1e6
        case "ms": seconds = value / 1e3
        case "s", "sec": seconds = value
        case "m", "min": seconds = value * 60
        case "h": seconds = value * 3600
        default: return nil
        }
        self = .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Seconds as a Double, for arithmetic in the model.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    /// Compact form for output: `1s`, `250ms`, `1.5s`, `2m`.
    public var compactDescription: String {
        let s = seconds
        if s >= 60, (s / 60).rounded() == s / 60 { return formatCompact(s / 60) + "m" }
        if s >= 1 || s == 0 { return formatCompact(s) + "s" }
        if s >= 1e-3 { return formatCompact(s * 1e3) + "ms" }
        return formatCompact(s * 1e6) + "us"
    }
}

extension Substring {
    func trimmingCharacters() -> String { String(self).trimmingWhitespace() }
}
