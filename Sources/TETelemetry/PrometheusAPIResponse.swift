import Foundation
import TECore

/// The JSON of `GET /api/v1/query` (Prometheus HTTP API v1).
public struct PrometheusAPIResponse: Sendable, Equatable {
    /// One element of an instant vector (or the scalar, with no labels).
    public struct Element: Sendable, Equatable {
        public var labels: [String: String]
        /// Evaluation time, seconds since the epoch.
        public var time: Double
        public var value: Double
    }

    public var resultType: String
    public var elements: [Element]

    /// Decodes a response; an `"status": "error"` answer becomes a `FeedFailure` with the
    /// server's errorType and error text.
    public static func decode(_ data: [UInt8]) throws(FeedFailure) -> PrometheusAPIResponse {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(data))
        } catch {
            throw FeedFailure(.error, "not JSON: \(snippet(data))")
        }
        guard let top = object as? [String: Any], let status = top["status"] as? String else {
            throw FeedFailure(.error, "not a Prometheus API response (no \"status\")")
        }
        if status != "success" {
            let kind = top["errorType"] as? String ?? "error"
            let text = top["error"] as? String ?? "no message"
            throw FeedFailure(.error, "Prometheus \(kind): \(text)")
        }
        guard let body = top["data"] as? [String: Any], let type = body["resultType"] as? String else {
            throw FeedFailure(.error, "Prometheus response has no data.resultType")
        }
        switch type {
        case "vector":
            guard let result = body["result"] as? [[String: Any]] else {
                throw FeedFailure(.error, "vector result is not a list")
            }
            var elements: [Element] = []
            for item in result {
                let labels = (item["metric"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
                elements.append(try pair(item["value"], labels: labels))
            }
            return PrometheusAPIResponse(resultType: type, elements: elements)
        case "scalar":
            return PrometheusAPIResponse(resultType: type, elements: [try pair(body["result"], labels: [:])])
        default:
            throw FeedFailure(.error, "query returned a \(type); tectl needs an instant vector (e.g. avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL))")
        }
    }

    /// `[ <unix time>, "<value>" ]`; the value string uses Go's float syntax (NaN, +Inf, -Inf).
    static func pair(_ raw: Any?, labels: [String: String]) throws(FeedFailure) -> Element {
        guard let pair = raw as? [Any], pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String else {
            throw FeedFailure(.error, "malformed sample value (expected [time, \"value\"])")
        }
        guard let v = PrometheusTextParser.parseValue(text) else {
            throw FeedFailure(.error, "malformed sample value \"\(text)\"")
        }
        return Element(labels: labels, time: t, value: v)
    }

    /// Per-host readings: host from `host_label:` (default Hostname/hostname), or the feed's
    /// `host:` for a scalar or a single unlabeled element. Values are percent (0–100) unless the
    /// query names a DCGM_FI_PROF_* ratio metric.
    public func readings(feed: Feed) throws(FeedFailure) -> [GPUReading] {
        let ratio = (feed.query ?? "").contains("DCGM_FI_PROF_")
        var out: [GPUReading] = []
        for (i, e) in elements.enumerated() {
            let host: String
            if feed.hostLabel == nil, let h = feed.host, elements.count == 1 {
                host = h
            } else {
                var labelFeed = feed
                labelFeed.host = nil
                host = try PrometheusGPUMapping.host(labels: e.labels, feed: labelFeed)
            }
            out.append(GPUReading(host: host, gpu: PrometheusGPUMapping.gpu(labels: e.labels, position: i), utilization: ratio ? e.value : e.value / 100))
        }
        return out
    }

    /// Newest evaluation time among the elements.
    public var newestTime: Double? { elements.map(\.time).max() }
}

func snippet(_ data: [UInt8]) -> String {
    let text = String(decoding: data.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: "⏎")
    return data.count > 60 ? "\"\(text)…\"" : "\"\(text)\""
}
