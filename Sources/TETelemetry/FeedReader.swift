import Foundation
import Logging
import NIOCore
import NIOPosix
import TECore

/// GPU samples of every `ok` feed, and the status of every feed.
public struct FeedReadout: Sendable, Equatable {
    public var gpus: [GPUSample]
    public var statuses: [FeedStatus]

    public init(gpus: [GPUSample] = [], statuses: [FeedStatus] = []) {
        self.gpus = gpus
        self.statuses = statuses
    }
}

/// Reads all GPU feeds of a policy concurrently, each within its `timeout`, and keeps what
/// the controller needs to log a feed's trouble once: a warning when a feed goes bad (stale or
/// error), another when it is ok again, nothing while it stays the same.
///
/// Never throws: whatever goes wrong becomes a `FeedStatus` (docs/feeds.md, "When a feed lies").
public actor FeedReader {
    public let feeds: [Feed]
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let group: EventLoopGroup
    private var lastState: [String: FeedStatus.State] = [:]

    public init(feeds: [Feed], logger: Logger = Logger(label: "tectl.feeds"), group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.feeds = feeds
        self.logger = logger
        self.group = group
        self.clock = clock
    }

    /// One read of every feed; returns in about the largest feed `timeout`.
    public func read() async -> FeedReadout {
        let now = clock()
        let group = self.group
        let results = await withTaskGroup(of: (Int, Result<FeedData, FeedFailure>).self) { tasks in
            for (i, feed) in feeds.enumerated() {
                tasks.addTask { (i, await FeedReader.read(feed, now: now, group: group)) }
            }
            var out: [(Int, Result<FeedData, FeedFailure>)] = []
            for await r in tasks { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
        var readout = FeedReadout()
        for (i, result) in results {
            let feed = feeds[i]
            let status: FeedStatus
            switch result {
            case .success(let data):
                readout.gpus.append(contentsOf: data.samples)
                status = FeedStatus(name: feed.name, state: .ok, ageSeconds: data.ageSeconds.map(roundedAge))
            case .failure(let failure):
                status = FeedStatus(name: feed.name, state: failure.state, message: failure.message, ageSeconds: failure.ageSeconds.map(roundedAge))
            }
            readout.statuses.append(status)
            noteTransition(status, feed: feed)
        }
        return readout
    }

    private func noteTransition(_ status: FeedStatus, feed: Feed) {
        let previous = lastState[feed.name]
        lastState[feed.name] = status.state
        let wasOK = previous.map { $0 == .ok }
        let isOK = status.state == .ok
        if isOK, wasOK == false {
            logger.warning("feed is ok again; its values are used", metadata: ["feed": "\(feed.name)", "kind": "\(feed.kind.rawValue)"])
        } else if !isOK, wasOK != false {
            logger.warning("feed \(status.state.rawValue): \(status.message ?? ""); left out of the weights (capacity and link congestion only)", metadata: ["feed": "\(feed.name)", "kind": "\(feed.kind.rawValue)"])
        }
    }

    /// Ages are kept to milliseconds so a snapshot round-trips exactly.
    private nonisolated func roundedAge(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// What one feed gave.
    public struct FeedData: Sendable, Equatable {
        public var samples: [GPUSample]
        public var ageSeconds: Double?
    }

    /// Reads one feed and applies `stale_after`.
    public static func read(_ feed: Feed, now: Date, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> Result<FeedData, FeedFailure> {
        do {
            let (readings, newest) = try await fetch(feed, now: now, group: group)
            let age = newest.map { max(0, now.timeIntervalSince($0)) }
            let limit = Double(feed.staleAfter.components.seconds) + Double(feed.staleAfter.components.attoseconds) / 1e18
            if let age, age > limit {
                return .failure(FeedFailure(.stale, "newest value is \(String(format: "%.1f", age)) s old (stale_after \(feed.staleAfter.formatted()))", ageSeconds: age))
            }
            do {
                return .success(FeedData(samples: try GPUAggregation.samples(feed: feed.name, readings: readings), ageSeconds: age))
            } catch {
                return .failure(FeedFailure(error.state, error.message, ageSeconds: age))
            }
        } catch let failure as FeedFailure {
            return .failure(failure)
        } catch let error as HTTPGetError {
            return .failure(FeedFailure(.error, error.description))
        } catch {
            return .failure(FeedFailure(.error, "\(error)"))
        }
    }

    /// Readings and the time of the newest value (nil: just read, e.g. a scrape without timestamps).
    static func fetch(_ feed: Feed, now: Date, group: EventLoopGroup) async throws -> ([GPUReading], Date?) {
        switch feed.kind {
        case .prometheusText:
            guard let url = feed.url else { throw FeedFailure(.error, "no url") }
            let response = try await HTTPGet.get(url, timeout: feed.timeout, group: group)
            try checkStatus(response)
            let exposition: PrometheusExposition
            do {
                exposition = try PrometheusTextParser.parse(response.bodyText)
            } catch {
                throw FeedFailure(.error, "unparsable exposition: \(error)")
            }
            let readings = try PrometheusGPUMapping.readings(from: exposition, feed: feed)
            let metric = try PrometheusGPUMapping.metric(for: feed, in: exposition)
            let newest = exposition.samples(named: metric).compactMap(\.timestampMilliseconds).max()
            return (readings, newest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
        case .prometheusAPI:
            guard let url = feed.url, let query = feed.query else { throw FeedFailure(.error, "needs url and query") }
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            let response = try await HTTPGet.get("\(base)/api/v1/query?query=\(percentEncode(query))", timeout: feed.timeout, group: group)
            // The API answers errors as JSON with 400/422/503; say what it said.
            if response.status != 200 {
                if case .failure(let f) = Result(catching: { () throws(FeedFailure) in try PrometheusAPIResponse.decode(response.body) }),
                   f.message.hasPrefix("Prometheus ") {
                    throw FeedFailure(.error, "HTTP \(response.status): \(f.message)")
                }
                try checkStatus(response)
            }
            let decoded = try PrometheusAPIResponse.decode(response.body)
            guard !decoded.elements.isEmpty else { throw FeedFailure(.error, "query returned no series") }
            return (try decoded.readings(feed: feed), decoded.newestTime.map { Date(timeIntervalSince1970: $0) })
        case .nvidiaSmiCSV:
            guard let path = feed.path else { throw FeedFailure(.error, "no path") }
            let (data, mtime) = try readFile(path)
            let csv = try NvidiaSmiCSV.parse(String(decoding: data, as: UTF8.self))
            let host = feed.host ?? hostFromFileName(path)
            return (try csv.readings(host: host), csv.newestTimestamp ?? mtime)
        case .jsonFile:
            guard let path = feed.path else { throw FeedFailure(.error, "no path") }
            let (data, mtime) = try readFile(path)
            let file = try JSONFeedFile.parse(data, defaultHost: feed.host)
            return (file.readings, file.timestamp ?? mtime)
        }
    }

    static func checkStatus(_ response: HTTPResponse) throws(FeedFailure) {
        guard response.status == 200 else {
            let body = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw FeedFailure(.error, "HTTP \(response.status)\(body.isEmpty ? "" : ": \(body.prefix(80))")")
        }
    }

    static func readFile(_ path: String) throws(FeedFailure) -> ([UInt8], Date?) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeedFailure(.error, "cannot read \(path)")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (Array(data), attributes?[.modificationDate] as? Date)
    }

    /// `/var/lib/tectl/gpu-node-3.csv` → `gpu-node-3`.
    public static func hostFromFileName(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
