/// A validated tectl policy (v1). Only `TEPolicy` builds one from a file, after validation;
/// everything downstream can rely on the invariants checked there (unique names, resolved
/// references, matching address families, canonical prefixes).
public struct Policy: Sendable, Equatable {
    public var version: Int
    public var control: ControlSettings
    public var ownership: Ownership
    public var nexthops: [NextHop]
    public var classes: [TrafficClass]
    public var routes: [RouteEntry]
    public var feeds: [Feed]

    public init(
        version: Int = 1,
        control: ControlSettings = ControlSettings(),
        ownership: Ownership = Ownership(),
        nexthops: [NextHop],
        classes: [TrafficClass],
        routes: [RouteEntry],
        feeds: [Feed] = []
    ) {
        self.version = version
        self.control = control
        self.ownership = ownership
        self.nexthops = nexthops
        self.classes = classes
        self.routes = routes
        self.feeds = feeds
    }

    public func nexthop(named name: String) -> NextHop? { nexthops.first { $0.name == name } }
    public func trafficClass(named name: String) -> TrafficClass? { classes.first { $0.name == name } }
    public func feed(named name: String) -> Feed? { feeds.first { $0.name == name } }
}

/// `control:`: how often and how calmly the controller acts.
public struct ControlSettings: Sendable, Equatable {
    /// Period of the telemetry/solve cycle.
    public var interval: Duration
    /// Weight changes smaller than this share (0...1) of a group are ignored.
    public var hysteresis: Double
    /// At most one non-urgent change per group within this time.
    public var minChangeInterval: Duration
    /// Largest change of any one next-hop's share in one non-urgent step (0...1).
    public var maxStep: Double
    /// `host:port` of the /metrics and /healthz listener.
    public var listen: String
    /// Half-life of the utilization EWMA.
    public var utilizationHalfLife: Duration
    /// How long the daemon waits before acting on owned objects the kernel changed by itself
    /// (carrier loss), so that the link event explaining them is seen first (docs/daemon.md).
    public var eventSettle: Duration = ControlSettings.defaultEventSettle
    public static let defaultEventSettle: Duration = .milliseconds(20)

    public init(
        interval: Duration = .seconds(1),
        hysteresis: Double = 0.05,
        minChangeInterval: Duration = .seconds(10),
        maxStep: Double = 0.25,
        listen: String = "127.0.0.1:9464",
        utilizationHalfLife: Duration = .seconds(2)
    ) {
        self.interval = interval
        self.hysteresis = hysteresis
        self.minChangeInterval = minChangeInterval
        self.maxStep = maxStep
        self.listen = listen
        self.utilizationHalfLife = utilizationHalfLife
    }
}

/// `ownership:`: how tectl marks and finds what it installs in the kernel.
public struct Ownership: Sendable, Equatable {
    /// Routing protocol number (rtm_protocol / NHA protocol) on everything tectl installs.
    public var protocolNumber: UInt8
    /// First id of tectl's nexthop-object range; the range is `idBase ..< idBase + 65536`.
    public var nexthopIDBase: UInt32
    /// Priority of the first class rule; rules use `rulePriorityBase + i`.
    public var rulePriorityBase: UInt32
    /// `net.ipv4.nexthop_compat_mode` wanted by the policy, or nil to leave the sysctl alone.
    public var nexthopCompatMode: Bool?

    public init(protocolNumber: UInt8 = 250, nexthopIDBase: UInt32 = 0x7E00_0000, rulePriorityBase: UInt32 = 1000, nexthopCompatMode: Bool? = nil) {
        self.protocolNumber = protocolNumber
        self.nexthopIDBase = nexthopIDBase
        self.rulePriorityBase = rulePriorityBase
        self.nexthopCompatMode = nexthopCompatMode
    }
}

/// A gateway reached over a local device: one path of a route.
public struct NextHop: Sendable, Equatable {
    public var name: String
    public var via: IPAddress
    public var dev: String
    /// Capacity from the policy; nil means "use the link speed".
    public var capacity: Bandwidth?
    /// The GPU pool behind this next-hop, if a feed reports it.
    public var gpu: GPUBinding?

    public init(name: String, via: IPAddress, dev: String, capacity: Bandwidth? = nil, gpu: GPUBinding? = nil) {
        self.name = name
        self.via = via
        self.dev = dev
        self.capacity = capacity
        self.gpu = gpu
    }
}

/// `gpu: {feed, host}` on a next-hop.
public struct GPUBinding: Sendable, Equatable {
    public var feed: String
    public var host: String

    public init(feed: String, host: String) {
        self.feed = feed
        self.host = host
    }
}

/// What a class optimizes beyond link utilization.
public enum Preference: String, Sendable, Equatable, CaseIterable, Codable {
    /// Spread by link headroom only (the default).
    case capacity
    /// Also balance the GPU pools behind the next-hops.
    case gpuHeadroom = "gpu-headroom"
    /// Also avoid next-hops with high latency.
    case latency
}

/// A traffic class: a priority, the DSCP values that select it, and its routing table.
public struct TrafficClass: Sendable, Equatable {
    public var name: String
    /// 0 is the highest.
    public var priority: Int
    public var dscp: [UInt8]
    public var table: UInt32
    public var prefer: Preference
    /// Expected demand of the class; nil means "fill the remaining headroom".
    public var demand: Bandwidth?

    public init(name: String, priority: Int, dscp: [UInt8], table: UInt32, prefer: Preference = .capacity, demand: Bandwidth? = nil) {
        self.name = name
        self.priority = priority
        self.dscp = dscp
        self.table = table
        self.prefer = prefer
        self.demand = demand
    }
}

/// How a route's next-hops are installed.
public enum GroupType: String, Sendable, Equatable, CaseIterable, Codable {
    /// Kernel resilient nexthop group: reweighting moves the fewest flows.
    case resilient
    /// Kernel hash-threshold (mpath) nexthop group.
    case hashThreshold = "hash-threshold"
    /// Plain RTA_MULTIPATH route, no nexthop objects.
    case multipath
}

/// `group:` of a route entry.
public struct GroupSpec: Sendable, Equatable {
    public var type: GroupType
    /// Resilient groups: number of hash buckets.
    public var buckets: UInt16
    /// Resilient groups: a bucket idle this long may be migrated.
    public var idleTimer: Duration
    /// Resilient groups: after this long unbalanced, buckets migrate even if busy.
    public var unbalancedTimer: Duration

    public static let defaultBuckets: UInt16 = 128
    public static let defaultIdleTimer: Duration = .seconds(1)
    public static let defaultUnbalancedTimer: Duration = .seconds(10)

    public init(
        type: GroupType = .resilient,
        buckets: UInt16 = GroupSpec.defaultBuckets,
        idleTimer: Duration = GroupSpec.defaultIdleTimer,
        unbalancedTimer: Duration = GroupSpec.defaultUnbalancedTimer
    ) {
        self.type = type
        self.buckets = buckets
        self.idleTimer = idleTimer
        self.unbalancedTimer = unbalancedTimer
    }
}

/// A `routes:` entry: one or many prefixes of one class sharing one group of next-hops.
public struct RouteEntry: Sendable, Equatable {
    public var prefixes: [IPPrefix]
    public var className: String
    public var nexthops: [String]
    public var group: GroupSpec

    public init(prefixes: [IPPrefix], className: String, nexthops: [String], group: GroupSpec = GroupSpec()) {
        self.prefixes = prefixes
        self.className = className
        self.nexthops = nexthops
        self.group = group
    }

    public var family: AddressFamily { prefixes.first?.family ?? .ipv4 }
}

/// The kinds of GPU-utilization feed tectl reads.
public enum FeedKind: String, Sendable, Equatable, CaseIterable, Codable {
    /// A Prometheus text-format endpoint, e.g. NVIDIA dcgm-exporter `/metrics`.
    case prometheusText = "prometheus-text"
    /// A Prometheus server's HTTP API (`/api/v1/query`).
    case prometheusAPI = "prometheus-api"
    /// A file written by `nvidia-smi --query-gpu=... --format=csv`.
    case nvidiaSmiCSV = "nvidia-smi-csv"
    /// A JSON file in tectl's simple format (docs/feeds.md).
    case jsonFile = "json-file"
}

/// A `feeds:` entry.
public struct Feed: Sendable, Equatable {
    public var name: String
    public var kind: FeedKind
    public var url: String?
    public var path: String?
    public var query: String?
    /// Label that names the host (prometheus kinds); default: `Hostname` or `hostname`.
    public var hostLabel: String?
    /// Host that the whole feed describes (file kinds with one host per file).
    public var host: String?
    /// Metric to read (prometheus-text); default DCGM_FI_DEV_GPU_UTIL, or gpu_gfx_activity for AMD.
    public var metric: String?
    public var staleAfter: Duration
    /// HTTP timeout.
    public var timeout: Duration

    public init(
        name: String, kind: FeedKind, url: String? = nil, path: String? = nil, query: String? = nil,
        hostLabel: String? = nil, host: String? = nil, metric: String? = nil,
        staleAfter: Duration = .seconds(15), timeout: Duration = .seconds(2)
    ) {
        self.name = name
        self.kind = kind
        self.url = url
        self.path = path
        self.query = query
        self.hostLabel = hostLabel
        self.host = host
        self.metric = metric
        self.staleAfter = staleAfter
        self.timeout = timeout
    }
}
