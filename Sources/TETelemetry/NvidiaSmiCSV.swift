import Foundation

/// A file written by `nvidia-smi --query-gpu=FIELDS --format=csv` (optionally `-l N` appending).
///
/// The header names the fields with their units (`utilization.gpu [%]`), cells carry the unit
/// (`87 %`) unless `nounits` was given, `[N/A]` (or `[Not Supported]`) marks a value the GPU
/// does not report, and `timestamp` cells read `2026/11/26 12:00:00.123` in the writer's local time.
/// With `-l`, rows repeat per GPU; the last row of each GPU wins.
public struct NvidiaSmiCSV: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// `pci.bus_id`, `uuid` or `index` when the query has one, else the row number.
        public var gpu: String
        /// 0...1, or nil for `[N/A]`.
        public var utilization: Double?
        public var timestamp: Date?
    }

    /// One row per GPU (the last one seen).
    public var rows: [Row]

    public var newestTimestamp: Date? { rows.compactMap(\.timestamp).max() }

    public static func parse(_ text: String, timeZone: TimeZone = .current) throws(FeedFailure) -> NvidiaSmiCSV {
        let lines = text.split(whereSeparator: \.isNewline).map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let headerLine = lines.first else { throw FeedFailure(.error, "empty file") }
        let header = cells(headerLine).map(fieldName)
        guard let utilColumn = header.firstIndex(of: "utilization.gpu") else {
            throw FeedFailure(.error, "no utilization.gpu column in the header (query with --query-gpu=timestamp,pci.bus_id,utilization.gpu --format=csv)")
        }
        let idColumn = ["pci.bus_id", "uuid", "gpu_uuid", "index"].lazy.compactMap { header.firstIndex(of: $0) }.first
        let timeColumn = header.firstIndex(of: "timestamp")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        var order: [String] = []
        var byGPU: [String: Row] = [:]
        for (n, line) in lines.enumerated().dropFirst() {
            let row = cells(line)
            if row.map(fieldName) == header { continue }
            guard row.count == header.count else {
                throw FeedFailure(.error, "line \(n + 1): \(row.count) cells, the header has \(header.count)")
            }
            let id = idColumn.map { row[$0] } ?? String(n)
            let util = try percent(row[utilColumn], line: n + 1)
            var time: Date?
            if let timeColumn, !isNotAvailable(row[timeColumn]) {
                time = parseTime(row[timeColumn], formatter: formatter)
                if time == nil { throw FeedFailure(.error, "line \(n + 1): unreadable timestamp \"\(row[timeColumn])\"") }
            }
            if byGPU[id] == nil { order.append(id) }
            byGPU[id] = Row(gpu: id, utilization: util, timestamp: time)
        }
        guard !order.isEmpty else { throw FeedFailure(.error, "no GPU rows after the header") }
        return NvidiaSmiCSV(rows: order.compactMap { byGPU[$0] })
    }

    /// nvidia-smi separates cells with ", ".
    static func cells(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `utilization.gpu [%]` → `utilization.gpu`.
    static func fieldName(_ cell: String) -> String {
        let name = cell.range(of: " [").map { String(cell[..<$0.lowerBound]) } ?? cell
        return name.lowercased()
    }

    static func isNotAvailable(_ cell: String) -> Bool {
        cell.hasPrefix("[") && cell.hasSuffix("]") || cell == "N/A"
    }

    /// `87 %` or `87` → 0.87; `[N/A]` → nil.
    static func percent(_ cell: String, line: Int) throws(FeedFailure) -> Double? {
        if isNotAvailable(cell) { return nil }
        var number = cell
        if number.hasSuffix("%") { number = String(number.dropLast()).trimmingCharacters(in: .whitespaces) }
        guard let v = Double(number) else {
            throw FeedFailure(.error, "line \(line): utilization.gpu \"\(cell)\" is not a number")
        }
        return v / 100
    }

    static func parseTime(_ cell: String, formatter: DateFormatter) -> Date? {
        for format in ["yyyy/MM/dd HH:mm:ss.SSS", "yyyy/MM/dd HH:mm:ss"] {
            formatter.dateFormat = format
            if let d = formatter.date(from: cell) { return d }
        }
        return nil
    }

    /// Per-GPU readings for `host`; GPUs showing `[N/A]` are left out of the mean, and a host
    /// none of whose GPUs reports utilization is an error.
    public func readings(host: String) throws(FeedFailure) -> [GPUReading] {
        let known = rows.compactMap { r in r.utilization.map { GPUReading(host: host, gpu: r.gpu, utilization: $0) } }
        guard !known.isEmpty else { throw FeedFailure(.error, "no GPU reports utilization.gpu (all [N/A])") }
        return known
    }
}
