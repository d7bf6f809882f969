import Foundation
import Logging
import TECore

/// How the daemon writes its logs: `text` (logfmt: `ts=… level=info msg="…" key=value`) or
/// `json` (one object per line: ts, level, label, msg and the metadata as string fields).
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// A swift-log handler writing one line per event in a `LogFormat`, to standard error by default.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let sink: @Sendable (String) -> Void

    public init(label: String, format: LogFormat, level: Logger.Level = .info, sink: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let ts = formatRFC3339(Date())
        sink(Self.line(format: format, timestamp: ts, level: event.level, label: label, message: event.message.description, metadata: all))
    }

    /// One formatted line (with the newline); deterministic order of metadata keys.
    public static func line(format: LogFormat, timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        let keys = metadata.keys.sorted()
        switch format {
        case .text:
            var parts = ["ts=\(timestamp)", "level=\(level.rawValue)", "msg=\(logfmtValue(message))"]
            for k in keys { parts.append("\(k)=\(logfmtValue(render(metadata[k])))") }
            return parts.joined(separator: " ") + "\n"
        case .json:
            var fields = [("ts", timestamp), ("level", level.rawValue), ("label", label), ("msg", message)]
            for k in keys where !["ts", "level", "label", "msg"].contains(k) { fields.append((k, render(metadata[k]))) }
            return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}\n"
        }
    }

    static func render(_ value: Logger.Metadata.Value?) -> String {
        switch value {
        case nil: return ""
        case .string(let s)?: return s
        case .stringConvertible(let c)?: return c.description
        case .array(let a)?: return "[" + a.map { render($0) }.joined(separator: ",") + "]"
        case .dictionary(let d)?: return "{" + d.keys.sorted().map { "\($0)=\(render(d[$0]))" }.joined(separator: ",") + "}"
        }
    }

    static func logfmtValue(_ s: String) -> String {
        let needsQuotes = s.isEmpty || s.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.isNewline }
        guard needsQuotes else { return s }
        var out = "\""
        for ch in s {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out + "\""
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Writes a line to standard error with one write(2).
    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }
}
