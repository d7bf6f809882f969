/// Computes a `Plan` from a validated policy and one snapshot of inputs. Pure and deterministic:
/// the same policy and snapshot always give the same plan.
public struct Planner: Sendable {
    public var policy: Policy
    /// Largest sum of integer weights in a group.
    public var maxGroupWeight: Int

    public init(policy: Policy, maxGroupWeight: Int = 256) {
        self.policy = policy
        self.maxGroupWeight = maxGroupWeight
    }

    /// Per next-hop state derived from the snapshot.
    public struct NextHopView: Sendable, Equatable {
        public var nexthop: NextHop
        public var state: String
        public var capacity: Bandwidth?
        public var utilization: Double
        public var gpuUtilization: Double?
        public var latencyMilliseconds: Double?
        public var isUsable: Bool { state == "up" }
    }

    public func view(of nexthop: NextHop, in snapshot: Snapshot) -> NextHopView {
        let link = snapshot.link(named: nexthop.dev)
        let state: String
        switch link {
        case nil: state = "missing"
        case let l? where !l.carrier: state = "no-carrier"
        case let l? where !l.isUsable: state = l.operState == "up" ? "down" : l.operState
        default: state = "up"
        }
        let speed = link?.speedMbps.flatMap { $0 > 0 ? Bandwidth.mbps(Double($0)) : nil }
        var gpu: Double?
        if let binding = nexthop.gpu,
           snapshot.feeds.first(where: { $0.name == binding.feed })?.state ?? .ok == .ok,
           let sample = snapshot.gpus.first(where: { $0.feed == binding.feed && $0.host == binding.host }),
           sample.utilization.isFinite {
            gpu = min(1, max(0, sample.utilization))
        }
        let latency = snapshot.latency.first { $0.nexthop == nexthop.name }?.milliseconds
        return NextHopView(
            nexthop: nexthop, state: state, capacity: nexthop.capacity ?? speed,
            utilization: min(1, max(0, link?.txUtilization ?? 0)), gpuUtilization: gpu,
            latencyMilliseconds: latency.flatMap { $0.isFinite ? $0 : nil }
        )
    }

    public func plan(snapshot: Snapshot) -> Plan {
        var warnings: [String] = []
        for feed in snapshot.feeds where feed.state != .ok {
            warnings.append("feed \(feed.name): \(feed.state.rawValue)\(feed.message.map { " (\($0))" } ?? ""); left out of the weights")
        }
        var warnedCapacity = Set<String>()
        var routes: [PlannedRoute] = []
        for entry in policy.routes {
            guard let cls = policy.trafficClass(named: entry.className) else { continue }
            let views = entry.nexthops.compactMap { policy.nexthop(named: $0) }.map { view(of: $0, in: snapshot) }
            for v in views where v.isUsable && v.capacity == nil && warnedCapacity.insert(v.nexthop.name).inserted {
                warnings.append("next-hop \(v.nexthop.name): capacity unknown (no capacity in the policy, no link speed); counted as equal")
            }
            // First weight rule: share ∝ headroom (capacity × (1 − utilization)) of usable next-hops.
            let knownCapacities = views.compactMap { $0.isUsable ? $0.capacity?.bitsPerSecond : nil }
            let fallbackCapacity = knownCapacities.isEmpty ? 1 : knownCapacities.reduce(0, +) / Double(knownCapacities.count)
            var ideal = views.map { v -> Double in
                guard v.isUsable else { return 0 }
                return (v.capacity?.bitsPerSecond ?? fallbackCapacity) * (1 - v.utilization)
            }
            if ideal.allSatisfy({ $0 <= 0 }) {
                ideal = views.map { $0.isUsable ? ($0.capacity?.bitsPerSecond ?? fallbackCapacity) : 0 }
            }
            routes.append(makeRoute(entry: entry, cls: cls, views: views, ideal: ideal))
        }
        return Plan(timestamp: snapshot.timestamp, routes: routes, warnings: warnings)
    }

    /// Quantizes `ideal` shares (any scale) into the planned route; `kept` when nothing is usable.
    public func makeRoute(entry: RouteEntry, cls: TrafficClass, views: [NextHopView], ideal: [Double]) -> PlannedRoute {
        let idealSum = ideal.reduce(0, +)
        let usable = idealSum > 0
        let weights = usable ? WeightQuantizer.quantize(ideal, maxTotal: maxGroupWeight) : ideal.map { _ in 0 }
        let total = Double(weights.reduce(0, +))
        let hops = zip(views, zip(ideal, weights)).map { v, pair in
            PlannedNextHop(
                name: v.nexthop.name, via: v.nexthop.via, dev: v.nexthop.dev, state: v.state,
                weight: pair.1, share: total > 0 ? Double(pair.1) / total : 0,
                idealShare: idealSum > 0 ? pair.0 / idealSum : 0,
                capacityBitsPerSecond: v.capacity?.bitsPerSecond, utilization: v.utilization,
                gpuUtilization: v.gpuUtilization, latencyMilliseconds: v.latencyMilliseconds
            )
        }
        return PlannedRoute(
            prefixes: entry.prefixes, className: cls.name, priority: cls.priority, table: cls.table,
            family: entry.family, group: PlannedGroup(entry.group),
            status: usable ? .planned : .kept,
            reason: usable ? nil : "no usable next-hop (\(views.map { "\($0.nexthop.name) \($0.state)" }.joined(separator: ", "))); installed state kept",
            roundingError: usable ? WeightQuantizer.maxError(weights, shares: ideal) : 0,
            nexthops: hops
        )
    }
}
