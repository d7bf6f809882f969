import Foundation

/// The inputs of one control cycle: link state, feed values, latency. `tectl plan --snapshot`
/// reproduces a plan exactly from one of these (format: docs/snapshot.md).
public struct Snapshot: Sendable, Equatable, Codable {
    /// Format version; 1.
    public var version: Int
    /// When the inputs were read (RFC 3339 in JSON).
    public var timestamp: Date
    public var links: [LinkSample]
    /// GPU utilization per feed and host, as the feeds reported it.
    public var gpus: [GPUSample]
    /// Health of each feed at `timestamp`.
    public var feeds: [FeedStatus]
    /// Smoothed round-trip latency per next-hop.
    public var latency: [LatencySample]

    public init(version: Int = 1, timestamp: Date, links: [LinkSample], gpus: [GPUSample] = [], feeds: [FeedStatus] = [], latency: [LatencySample] = []) {
        self.version = version
        self.timestamp = timestamp
        self.links = links
        self.gpus = gpus
        self.feeds = feeds
        self.latency = latency
    }

    public func link(named name: String) -> LinkSample? { links.first { $0.name == name } }

    enum CodingKeys: String, CodingKey { case version, timestamp, links, gpus, feeds, latency }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        timestamp = try c.decode(Date.self, forKey: .timestamp)
        links = try c.decode([LinkSample].self, forKey: .links)
        gpus = try c.decodeIfPresent([GPUSample].self, forKey: .gpus) ?? []
        feeds = try c.decodeIfPresent([FeedStatus].self, forKey: .feeds) ?? []
        latency = try c.decodeIfPresent([LatencySample].self, forKey: .latency) ?? []
    }

    /// Decodes the JSON form, with RFC 3339 timestamps.
    public static func decode(_ data: Data) throws -> Snapshot {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { d in
            let text = try d.singleValueContainer().decode(String.self)
            guard let date = parseRFC3339(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: d.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
            }
            return date
        }
        return try decoder.decode(Snapshot.self, from: data)
    }

    /// Encodes the JSON form: sorted keys, pretty, RFC 3339 timestamps.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, e in
            var c = e.singleValueContainer()
            try c.encode(formatRFC3339(date))
        }
        return try encoder.encode(self)
    }
}

/// One interface as netlink and the counters describe it.
public struct LinkSample: Sendable, Equatable, Codable {
    public var name: String
    public var ifindex: Int32
    /// `up`, `down`, `lowerlayerdown`, `dormant`, `notpresent`, `testing` or `unknown` (IF_OPER_*).
    public var operState: String
    public var carrier: Bool
    /// Link speed in Mbit/s when the driver reports one.
    public var speedMbps: Int?
    /// Smoothed transmit utilization, 0...1 of capacity (0 when unknown).
    public var txUtilization: Double
    /// Smoothed receive utilization, 0...1 of capacity.
    public var rxUtilization: Double
    public var txDropsPerSecond: Double
    public var rxDropsPerSecond: Double

    public init(
        name: String, ifindex: Int32, operState: String, carrier: Bool, speedMbps: Int? = nil,
        txUtilization: Double = 0, rxUtilization: Double = 0, txDropsPerSecond: Double = 0, rxDropsPerSecond: Double = 0
    ) {
        self.name = name
        self.ifindex = ifindex
        self.operState = operState
        self.carrier = carrier
        self.speedMbps = speedMbps
        self.txUtilization = txUtilization
        self.rxUtilization = rxUtilization
        self.txDropsPerSecond = txDropsPerSecond
        self.rxDropsPerSecond = rxDropsPerSecond
    }

    /// Can carry traffic: carrier present and operationally up (or `unknown`, which virtual
    /// devices without operstate tracking report while working).
    public var isUsable: Bool { carrier && (operState == "up" || operState == "unknown") }

    enum CodingKeys: String, CodingKey {
        case name, ifindex, carrier
        case operState = "oper_state"
        case speedMbps = "speed_mbps"
        case txUtilization = "tx_utilization"
        case rxUtilization = "rx_utilization"
        case txDropsPerSecond = "tx_drops_per_second"
        case rxDropsPerSecond = "rx_drops_per_second"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        ifindex = try c.decodeIfPresent(Int32.self, forKey: .ifindex) ?? 0
        operState = try c.decode(String.self, forKey: .operState)
        carrier = try c.decode(Bool.self, forKey: .carrier)
        speedMbps = try c.decodeIfPresent(Int.self, forKey: .speedMbps)
        txUtilization = try c.decodeIfPresent(Double.self, forKey: .txUtilization) ?? 0
        rxUtilization = try c.decodeIfPresent(Double.self, forKey: .rxUtilization) ?? 0
        txDropsPerSecond = try c.decodeIfPresent(Double.self, forKey: .txDropsPerSecond) ?? 0
        rxDropsPerSecond = try c.decodeIfPresent(Double.self, forKey: .rxDropsPerSecond) ?? 0
    }
}

/// GPU utilization of one host as one feed reported it.
public struct GPUSample: Sendable, Equatable, Codable {
    public var feed: String
    public var host: String
    /// Mean utilization of the host's GPUs, 0...1.
    public var utilization: Double
    /// How many GPUs the value averages.
    public var gpus: Int

    public init(feed: String, host: String, utilization: Double, gpus: Int = 1) {
        self.feed = feed
        self.host = host
        self.utilization = utilization
        self.gpus = gpus
    }
}

/// Health of a feed. Only `ok` feeds are used by the planner.
public struct FeedStatus: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Equatable, Codable { case ok, stale, error }
    public var name: String
    public var state: State
    /// Why it is not ok (or nil).
    public var message: String?
    /// Age of the newest value, in seconds.
    public var ageSeconds: Double?

    public init(name: String, state: State, message: String? = nil, ageSeconds: Double? = nil) {
        self.name = name
        self.state = state
        self.message = message
        self.ageSeconds = ageSeconds
    }

    enum CodingKeys: String, CodingKey {
        case name, state, message
        case ageSeconds = "age_seconds"
    }
}

/// Smoothed latency to one next-hop.
public struct LatencySample: Sendable, Equatable, Codable {
    public var nexthop: String
    public var milliseconds: Double

    public init(nexthop: String, milliseconds: Double) {
        self.nexthop = nexthop
        self.milliseconds = milliseconds
    }
}

/// RFC 3339 with optional fractional seconds; UTC `Z` or a numeric offset.
public func parseRFC3339(_ text: String) -> Date? {
    let withFraction = ISO8601DateFormatter()
    withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = withFraction.date(from: text) { return d }
    let plain = ISO8601DateFormatter()
    plain.formatOptions = [.withInternetDateTime]
    return plain.date(from: text)
}

/// RFC 3339 in UTC, with milliseconds only when they are not zero.
public func formatRFC3339(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    let whole = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
    f.formatOptions = whole ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
}
