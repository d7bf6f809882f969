import Foundation
import TECore

/// tectl's own feed file (`kind: json-file`), for sources that have no exporter:
///
/// ```json
/// {
///   "timestamp": "2026-11-26T12:00:00Z",
///   "hosts": [
///     {"host": "gpu-node-1", "gpus": [{"id": "0", "utilization": 0.91}, {"id": "1", "utilization": 0.87}]},
///     {"host": "gpu-node-2", "gpus": [{"utilization": 0.12}]}
///   ]
/// }
/// ```
/// `utilization` is a fraction 0...1 (null: the GPU does not report, left out of the mean);
/// `timestamp` (RFC 3339, optional) dates the values, else the file's mtime does; `host` may be
/// omitted when the feed has `host:`. Full description: docs/feeds.md.
public struct JSONFeedFile: Sendable, Equatable {
    public var timestamp: Date?
    public var readings: [GPUReading]

    private struct File: Decodable {
        var timestamp: String?
        var hosts: [Host]
    }

    private struct Host: Decodable {
        var host: String?
        var gpus: [GPU]
    }

    private struct GPU: Decodable {
        var id: String?
        var utilization: Double?

        enum CodingKeys: String, CodingKey { case id, utilization }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let s = try? c.decodeIfPresent(String.self, forKey: .id) {
                id = s
            } else {
                id = try c.decodeIfPresent(Int.self, forKey: .id).map(String.init)
            }
            guard c.contains(.utilization) else {
                throw DecodingError.keyNotFound(CodingKeys.utilization, .init(codingPath: c.codingPath, debugDescription: "missing"))
            }
            utilization = try c.decodeIfPresent(Double.self, forKey: .utilization)
        }
    }

    public static func parse(_ data: [UInt8], defaultHost: String?) throws(FeedFailure) -> JSONFeedFile {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(data))
        } catch let error as DecodingError {
            throw FeedFailure(.error, "not a tectl feed file: \(describe(error))")
        } catch {
            throw FeedFailure(.error, "not JSON: \(snippet(data))")
        }
        var timestamp: Date?
        if let text = file.timestamp {
            guard let d = parseRFC3339(text) else { throw FeedFailure(.error, "timestamp \"\(text)\" is not an RFC 3339 time") }
            timestamp = d
        }
        var readings: [GPUReading] = []
        for (i, h) in file.hosts.enumerated() {
            guard let host = h.host ?? defaultHost, !host.isEmpty else {
                throw FeedFailure(.error, "hosts[\(i)] has no \"host\" (and the feed has no host:)")
            }
            var reported = 0
            for (j, g) in h.gpus.enumerated() {
                guard let u = g.utilization else { continue }
                readings.append(GPUReading(host: host, gpu: g.id ?? String(j), utilization: u))
                reported += 1
            }
            if reported == 0 { throw FeedFailure(.error, "host \(host): no GPU reports utilization") }
        }
        return JSONFeedFile(timestamp: timestamp, readings: readings)
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.reduce("") { acc, key in
                if let i = key.intValue { return acc + "[\(i)]" }
                return acc.isEmpty ? key.stringValue : acc + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])): missing"
        case .typeMismatch(let type, let ctx): return "\(path(ctx.codingPath)): expected \(type)"
        case .valueNotFound(let type, let ctx): return "\(path(ctx.codingPath)): expected \(type), found null"
        case .dataCorrupted(let ctx): return ctx.codingPath.isEmpty ? "not JSON" : "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
