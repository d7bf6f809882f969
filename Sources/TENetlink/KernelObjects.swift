import Glibc
import TECore

/// A single nexthop object (a gateway on a device) as tectl installs it or the kernel reports it.
public struct NexthopObject: Sendable, Equatable {
    public var id: UInt32
    public var family: AddressFamily
    public var ifindex: Int32
    public var gateway: IPAddress?
    public var protocolNumber: UInt8
    public var blackhole: Bool
    /// Device name, for messages (not compared).
    public var dev: String?

    public init(id: UInt32, family: AddressFamily, ifindex: Int32, gateway: IPAddress?, protocolNumber: UInt8, blackhole: Bool = false, dev: String? = nil) {
        self.id = id
        self.family = family
        self.ifindex = ifindex
        self.gateway = gateway
        self.protocolNumber = protocolNumber
        self.blackhole = blackhole
        self.dev = dev
    }

    /// Same kernel object (the device name is only a label).
    public func sameObject(as other: NexthopObject) -> Bool {
        id == other.id && family == other.family && ifindex == other.ifindex && gateway == other.gateway
            && protocolNumber == other.protocolNumber && blackhole == other.blackhole
    }
}

/// One member of a nexthop group.
public struct GroupMember: Sendable, Hashable, Comparable {
    public var id: UInt32
    /// 1...256, or 1...65536 on kernels that take 16-bit weights.
    public var weight: Int

    public init(id: UInt32, weight: Int) {
        self.id = id
        self.weight = weight
    }

    public static func < (a: GroupMember, b: GroupMember) -> Bool { (a.id, a.weight) < (b.id, b.weight) }
}

/// The kernel kinds of nexthop group.
public enum KernelGroupType: String, Sendable, Equatable {
    case resilient
    case hashThreshold = "hash-threshold"
}

/// A nexthop group object.
public struct GroupObject: Sendable, Equatable {
    public var id: UInt32
    public var protocolNumber: UInt8
    public var type: KernelGroupType
    /// Sorted by id.
    public var members: [GroupMember]
    /// Resilient groups only.
    public var buckets: UInt16
    /// Resilient groups only; clock_t (1/100 s), as the kernel takes and reports them.
    public var idleTimer: UInt32
    public var unbalancedTimer: UInt32

    public init(id: UInt32, protocolNumber: UInt8, type: KernelGroupType, members: [GroupMember], buckets: UInt16 = 0, idleTimer: UInt32 = 0, unbalancedTimer: UInt32 = 0) {
        self.id = id
        self.protocolNumber = protocolNumber
        self.type = type
        self.members = members.sorted()
        self.buckets = type == .resilient ? buckets : 0
        self.idleTimer = type == .resilient ? idleTimer : 0
        self.unbalancedTimer = type == .resilient ? unbalancedTimer : 0
    }

    /// Whether `other` can replace this group in place (the kernel keeps the type and the
    /// bucket count of a group for its life).
    public func canBeReplaced(by other: GroupObject) -> Bool {
        type == other.type && (type != .resilient || buckets == other.buckets)
    }
}

/// Where a route sends traffic.
public enum RouteTarget: Sendable, Equatable, CustomStringConvertible {
    /// A nexthop object or group (RTA_NH_ID).
    case nexthop(UInt32)
    /// Gateways (RTA_MULTIPATH with per-path weights, or one RTA_GATEWAY); sorted.
    case paths([RoutePath])
    /// Something tectl does not install (a device route, a blackhole...).
    case other

    public var description: String { text(devices: [:]) }

    /// `nhid N`, or the paths like `ip route` prints them, with device names where known.
    public func text(devices: [Int32: String]) -> String {
        switch self {
        case .nexthop(let id): return "nhid \(id)"
        case .paths(let p): return p.map { "nexthop via \($0.gateway) dev \(devices[$0.ifindex] ?? "#\($0.ifindex)") weight \($0.weight)" }.joined(separator: " ")
        case .other: return "other"
        }
    }
}

/// One path of a multipath route.
public struct RoutePath: Sendable, Hashable, Comparable {
    public var ifindex: Int32
    public var gateway: IPAddress
    /// 1...256.
    public var weight: Int

    public init(ifindex: Int32, gateway: IPAddress, weight: Int) {
        self.ifindex = ifindex
        self.gateway = gateway
        self.weight = weight
    }

    public static func < (a: RoutePath, b: RoutePath) -> Bool {
        if a.ifindex != b.ifindex { return a.ifindex < b.ifindex }
        if a.gateway != b.gateway { return a.gateway < b.gateway }
        return a.weight < b.weight
    }
}

/// What identifies a route in the kernel: table, destination, metric. Stored as fixed-width
/// words so that hashing and sorting 100k keys stays cheap.
public struct RouteKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var table: UInt32
    public var metric: UInt32
    let family: AddressFamily
    /// The destination, big-endian: IPv4 in the top 32 bits of `high`.
    let high: UInt64
    let low: UInt64
    let length: UInt8

    /// The key of `prefix` (host bits cleared).
    public init(table: UInt32, prefix: IPPrefix, metric: UInt32 = 0) {
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, b) in prefix.address.bytes.enumerated() {
            if i < 8 { h |= UInt64(b) << (56 - 8 * UInt64(i)) } else { l |= UInt64(b) << (56 - 8 * UInt64(i - 8)) }
        }
        self.init(table: table, family: prefix.family, high: h, low: l, length: UInt8(prefix.length), metric: metric)
    }

    init(table: UInt32, family: AddressFamily, high: UInt64, low: UInt64, length: UInt8, metric: UInt32) {
        let len = Int(length)
        let highMask: UInt64 = len >= 64 ? ~0 : (len == 0 ? 0 : ~0 << (64 - UInt64(len)))
        let lowMask: UInt64 = len <= 64 ? 0 : (len >= 128 ? ~0 : ~0 << (128 - UInt64(len)))
        self.table = table
        self.metric = metric
        self.family = family
        self.high = high & highMask
        self.low = low & lowMask
        self.length = length
    }

    /// The destination prefix (nil never happens for keys built from prefixes or dumps).
    public var prefix: IPPrefix? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for i in 0..<(family == .ipv4 ? 4 : 16) {
            let word = i < 8 ? high : low
            bytes.append(UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(i % 8))))
        }
        return IPAddress(family: family, bytes: bytes).flatMap { IPPrefix(address: $0, length: Int(length)) }
    }

    /// The key of a dumped route: `bytes` holds the destination in network order.
    init(table: UInt32, family: AddressFamily, bytes: UnsafeRawBufferPointer, length: UInt8, metric: UInt32) {
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<min(bytes.count, family == .ipv4 ? 4 : 16) {
            let b = UInt64(bytes[i])
            if i < 8 { h |= b << (56 - 8 * UInt64(i)) } else { l |= b << (56 - 8 * UInt64(i - 8)) }
        }
        self.init(table: table, family: family, high: h, low: l, length: length, metric: metric)
    }

    /// AF_INET / AF_INET6.
    var familyValue: UInt8 { family.kernelValue }
    var prefixLength: UInt8 { length }

    /// Calls `body` with the destination in network order (4 or 16 bytes).
    func withDestination<R>(_ body: (UnsafePointer<UInt8>?) -> R) -> R {
        var words = (high.bigEndian, low.bigEndian)
        return withUnsafeBytes(of: &words) { raw in body(raw.bindMemory(to: UInt8.self).baseAddress) }
    }

    /// `203.0.113.0/24`.
    public var prefixText: String {
        // Straight from the words, without arrays: reports list up to 100,000 routes.
        let text: String? = withDestination { destination in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
                guard let base = buffer.baseAddress, inet_ntop(family == .ipv4 ? AF_INET : AF_INET6, destination, base, 64) != nil else { return nil }
                return String(cString: base)
            }
        }
        return "\(text ?? "?")/\(length)"
    }

    public var description: String { "\(prefixText) table \(table)" + (metric != 0 ? " metric \(metric)" : "") }

    /// Three words instead of six fields: plans hash 100,000 keys.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(high)
        hasher.combine(low)
        hasher.combine(UInt64(table) << 32 | UInt64(metric & 0xFFFF) << 16 | UInt64(family.kernelValue) << 8 | UInt64(length))
        hasher.combine(metric >> 16)
    }

    public static func < (a: RouteKey, b: RouteKey) -> Bool {
        (a.table, a.family.kernelValue, a.high, a.low, a.length, a.metric) < (b.table, b.family.kernelValue, b.high, b.low, b.length, b.metric)
    }
}

/// A route as tectl installs it or the kernel reports it.
public struct RouteObject: Sendable, Equatable {
    public var key: RouteKey
    public var protocolNumber: UInt8
    public var target: RouteTarget

    public init(key: RouteKey, protocolNumber: UInt8, target: RouteTarget) {
        self.key = key
        self.protocolNumber = protocolNumber
        self.target = target
    }
}

/// A FIB rule: lookup `table` at `priority` for packets with a DSCP value or a firewall mark.
public struct RuleObject: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var family: AddressFamily
    public var priority: UInt32
    public var table: UInt32
    public var protocolNumber: UInt8
    /// FRA_DSCP (kernel >= 6.13).
    public var dscp: UInt8?
    /// fwmark/mask (the nftables fallback).
    public var fwmark: UInt32?
    public var fwmask: UInt32

    public init(family: AddressFamily, priority: UInt32, table: UInt32, protocolNumber: UInt8, dscp: UInt8? = nil, fwmark: UInt32? = nil, fwmask: UInt32 = 0) {
        self.family = family
        self.priority = priority
        self.table = table
        self.protocolNumber = protocolNumber
        self.dscp = dscp
        self.fwmark = fwmark
        self.fwmask = fwmark == nil ? 0 : fwmask
    }

    public var description: String {
        var s = "\(family == .ipv4 ? "inet" : "inet6") rule pref \(priority)"
        if let dscp { s += " dscp \(dscp)" }
        if let fwmark { s += " fwmark 0x\(String(fwmark, radix: 16))/0x\(String(fwmask, radix: 16))" }
        return s + " lookup \(table) proto \(protocolNumber)"
    }

    public static func < (a: RuleObject, b: RuleObject) -> Bool {
        (a.family == .ipv4 ? 0 : 1, a.priority, a.table, Int(a.dscp ?? 255), a.fwmark ?? 0)
            < (b.family == .ipv4 ? 0 : 1, b.priority, b.table, Int(b.dscp ?? 255), b.fwmark ?? 0)
    }
}
