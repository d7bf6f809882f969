import Foundation

/// The route plan of one control cycle: what tectl wants the kernel (or a switch) to carry.
/// Its JSON form is documented in docs/plan-json.md and is a stable contract.
public struct Plan: Sendable, Equatable, Codable {
    /// Schema version of the JSON form.
    public var version: Int
    /// The snapshot time the plan was computed from.
    public var timestamp: Date
    public var routes: [PlannedRoute]
    /// Inputs that were left out or looked wrong (stale feeds, unknown capacities...).
    public var warnings: [String]

    public init(version: Int = 1, timestamp: Date, routes: [PlannedRoute], warnings: [String] = []) {
        self.version = version
        self.timestamp = timestamp
        self.routes = routes
        self.warnings = warnings
    }
}

/// One route entry of the policy, planned: its prefixes share one group.
public struct PlannedRoute: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Equatable, Codable {
        /// The group below is what should be installed.
        case planned
        /// No next-hop is usable: whatever is installed stays as it is (never an empty group).
        case kept
    }

    public var prefixes: [IPPrefix]
    public var className: String
    public var priority: Int
    public var table: UInt32
    public var family: AddressFamily
    public var group: PlannedGroup
    public var status: Status
    /// Why the route is kept, when it is.
    public var reason: String?
    /// Largest |share − ideal share| over the next-hops, caused by integer weights.
    public var roundingError: Double
    /// Every next-hop the policy lists, usable or not; only `weight > 0` ones are in the group.
    public var nexthops: [PlannedNextHop]
    /// The demand the host model planned this route for, in bit/s (docs/model.md).
    public var demandBitsPerSecond: Double?
    /// Where that demand came from: `policy` (the class's `demand:`) or `headroom` (the demand that
    /// fills the remaining headroom of the usable next-hops).
    public var demandBasis: String?

    public init(
        prefixes: [IPPrefix], className: String, priority: Int, table: UInt32, family: AddressFamily,
        group: PlannedGroup, status: Status, reason: String? = nil, roundingError: Double, nexthops: [PlannedNextHop],
        demandBitsPerSecond: Double? = nil, demandBasis: String? = nil
    ) {
        self.demandBitsPerSecond = demandBitsPerSecond
        self.demandBasis = demandBasis
        self.prefixes = prefixes
        self.className = className
        self.priority = priority
        self.table = table
        self.family = family
        self.group = group
        self.status = status
        self.reason = reason
        self.roundingError = roundingError
        self.nexthops = nexthops
    }

    /// The members of the group: next-hops with a positive weight.
    public var members: [PlannedNextHop] { nexthops.filter { $0.weight > 0 } }

    enum CodingKeys: String, CodingKey {
        case prefixes, priority, table, family, group, status, reason, nexthops
        case className = "class"
        case roundingError = "rounding_error"
        case demandBitsPerSecond = "demand_bps"
        case demandBasis = "demand_basis"
    }
}

/// The group settings a planned route is installed with.
public struct PlannedGroup: Sendable, Equatable, Codable {
    public var type: GroupType
    public var buckets: UInt16?
    public var idleTimerSeconds: Double?
    public var unbalancedTimerSeconds: Double?

    public init(_ spec: GroupSpec) {
        type = spec.type
        if spec.type == .resilient {
            buckets = spec.buckets
            idleTimerSeconds = spec.idleTimer.seconds
            unbalancedTimerSeconds = spec.unbalancedTimer.seconds
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, buckets
        case idleTimerSeconds = "idle_timer_s"
        case unbalancedTimerSeconds = "unbalanced_timer_s"
    }
}

/// One next-hop of a planned route, with the weight and the inputs that produced it.
public struct PlannedNextHop: Sendable, Equatable, Codable {
    public var name: String
    public var via: IPAddress
    public var dev: String
    /// `up`, or why the next-hop cannot be used (`down`, `no-carrier`, `missing`).
    public var state: String
    /// Integer weight in the group; 0 = not a member.
    public var weight: Int
    /// weight / sum of weights.
    public var share: Double
    /// The fractional share before quantization.
    public var idealShare: Double
    /// Inputs: capacity in bit/s (nil when unknown), link utilization, GPU utilization, latency.
    public var capacityBitsPerSecond: Double?
    public var utilization: Double
    public var gpuUtilization: Double?
    public var latencyMilliseconds: Double?
    /// Traffic tectl does not steer on the uplink (utilization × capacity), in bit/s.
    public var loadBitsPerSecond: Double?
    /// Utilization of this next-hop's most loaded resource once the plan's demand is placed.
    public var predictedUtilization: Double?
    /// The resource that limits this next-hop in the host model: `uplink DEV`, `gpu HOST`, `latency`.
    public var limitedBy: String?

    public init(
        name: String, via: IPAddress, dev: String, state: String, weight: Int, share: Double, idealShare: Double,
        capacityBitsPerSecond: Double?, utilization: Double, gpuUtilization: Double? = nil, latencyMilliseconds: Double? = nil,
        loadBitsPerSecond: Double? = nil, predictedUtilization: Double? = nil, limitedBy: String? = nil
    ) {
        self.loadBitsPerSecond = loadBitsPerSecond
        self.predictedUtilization = predictedUtilization
        self.limitedBy = limitedBy
        self.name = name
        self.via = via
        self.dev = dev
        self.state = state
        self.weight = weight
        self.share = share
        self.idealShare = idealShare
        self.capacityBitsPerSecond = capacityBitsPerSecond
        self.utilization = utilization
        self.gpuUtilization = gpuUtilization
        self.latencyMilliseconds = latencyMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case name, via, dev, state, weight, share, utilization
        case idealShare = "ideal_share"
        case capacityBitsPerSecond = "capacity_bps"
        case gpuUtilization = "gpu_utilization"
        case latencyMilliseconds = "latency_ms"
        case loadBitsPerSecond = "load_bps"
        case predictedUtilization = "predicted_utilization"
        case limitedBy = "limited_by"
    }
}
