/// Computes a `Plan` from a validated policy and one snapshot of inputs. Pure and deterministic:
/// the same policy and snapshot always give the same plan.
///
/// The host model (docs/model.md): every next-hop of a route is a path through resources, each
/// with a capacity and a load that tectl does not steer: the local uplink (capacity from the
/// policy or the link speed; load = measured utilization × capacity), for classes that
/// `prefer: gpu-headroom` the GPU pool behind the next-hop (when its feed is fresh), and for
/// classes that `prefer: latency` a latency allowance (capacity scaled by fastest RTT / its RTT).
/// Each route is a demand (the class's `demand:`, or the demand that fills the remaining headroom)
/// and `MLUSolver` balances all of it, lexicographically by class priority. Weights are the
/// solver's splits quantized by WCMP.
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
        /// GPU utilization behind the next-hop; nil when there is no binding or the value is stale or missing.
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
            latencyMilliseconds: latency.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
        )
    }

    /// One route entry in the host model.
    struct RouteModel {
        var entry: RouteEntry
        var cls: TrafficClass
        var views: [NextHopView]
        /// Per view: the resources of its path (empty when the next-hop is not usable).
        var paths: [[Int]]
        var demand: Double = 0
        var basis = "headroom"
        /// Per view: the solver's split (0 for unusable next-hops), predicted utilization, binding resource.
        var split: [Double] = []
        var predicted: [Double?] = []
        var limitedBy: [String?] = []
        var flows: [Double] = []
    }

    /// The resources every path draws on; shared between routes and classes.
    struct Resources {
        var keys: [String: Int] = [:]
        var names: [String] = []
        var capacity: [Double] = []
        var load: [Double] = []

        mutating func index(key: String, name: String, capacity c: Double, load l: Double) -> Int {
            if let i = keys[key] { return i }
            keys[key] = names.count
            names.append(name)
            capacity.append(c)
            load.append(l)
            return names.count - 1
        }
    }

    public func plan(snapshot: Snapshot) -> Plan {
        var cold = PlannerWarmStart()
        return plan(snapshot: snapshot, warm: &cold)
    }

    /// Plans as `plan(snapshot:)`, starting every solve from `warm`'s previous answer to the
    /// same problem shape, and updates `warm` for the next cycle.
    public func plan(snapshot: Snapshot, warm: inout PlannerWarmStart) -> Plan {
        var used = Set<String>()
        defer { warm.keep(used) }
        var warnings: [String] = []
        for feed in snapshot.feeds where feed.state != .ok {
            warnings.append("feed \(feed.name): \(feed.state.rawValue)\(feed.message.map { " (\($0))" } ?? ""); left out of the weights")
        }
        let allViews = policy.nexthops.map { view(of: $0, in: snapshot) }
        let known = allViews.compactMap { $0.capacity?.bitsPerSecond }.filter { $0 > 0 }
        let fallbackCapacity = known.isEmpty ? 1e9 : known.reduce(0, +) / Double(known.count)
        let fastest = allViews.compactMap(\.latencyMilliseconds).min()
        var warnedCapacity = Set<String>()
        var warnedGPU = Set<String>()
        var resources = Resources()
        var models: [RouteModel] = []

        for entry in policy.routes {
            guard let cls = policy.trafficClass(named: entry.className) else { continue }
            let views = entry.nexthops.compactMap { policy.nexthop(named: $0) }.map { view(of: $0, in: snapshot) }
            var paths: [[Int]] = []
            for v in views {
                guard v.isUsable else { paths.append([]); continue }
                if v.capacity == nil, warnedCapacity.insert(v.nexthop.name).inserted {
                    warnings.append("next-hop \(v.nexthop.name): capacity unknown (no capacity in the policy, no link speed); counted as the mean of the known ones")
                }
                let capacity = v.capacity?.bitsPerSecond ?? fallbackCapacity
                var path = [resources.index(key: "uplink:\(v.nexthop.dev)", name: "uplink \(v.nexthop.dev)", capacity: capacity, load: v.utilization * capacity)]
                if cls.prefer == .gpuHeadroom, let binding = v.nexthop.gpu {
                    if let g = v.gpuUtilization {
                        // The pool counts as a resource as large as the next-hop's uplink: a busy pool
                        // is as full as a saturated link (docs/model.md).
                        path.append(resources.index(key: "gpu:\(binding.feed)/\(binding.host)", name: "gpu \(binding.host)", capacity: capacity, load: g * capacity))
                    } else if warnedGPU.insert(v.nexthop.name).inserted {
                        warnings.append("next-hop \(v.nexthop.name): GPU utilization of \(binding.host) (feed \(binding.feed)) stale or missing; weighted on link capacity and congestion only")
                    }
                }
                if cls.prefer == .latency, let rtt = v.latencyMilliseconds, let fastest {
                    path.append(resources.index(key: "rtt:\(v.nexthop.name)", name: "latency", capacity: capacity * fastest / rtt, load: 0))
                }
                paths.append(path)
            }
            models.append(RouteModel(entry: entry, cls: cls, views: views, paths: paths))
        }

        // Classes with a known demand: one lexicographic solve over all of them.
        let knownIndices = models.indices.filter { models[$0].cls.demand != nil }
        for i in knownIndices {
            let cls = models[i].cls
            let routes = models.filter { $0.cls.name == cls.name }.count
            models[i].demand = (cls.demand?.bitsPerSecond ?? 0) / Double(max(1, routes))
            models[i].basis = "policy"
        }
        solve(&models, routes: knownIndices, resources: resources, extraLoad: nil, warm: &warm, used: &used)
        // Classes without one: each route on its own, on top of the known traffic of higher priorities.
        let unknownClasses = Array(Set(models.filter { $0.cls.demand == nil }.map(\.cls.name))).sorted { a, b in
            let pa = policy.trafficClass(named: a)?.priority ?? 0, pb = policy.trafficClass(named: b)?.priority ?? 0
            return pa != pb ? pa < pb : a < b
        }
        for name in unknownClasses {
            let routes = models.indices.filter { models[$0].cls.name == name }
            guard let priority = routes.first.map({ models[$0].cls.priority }) else { continue }
            var extra = [Double](repeating: 0, count: resources.names.count)
            for i in knownIndices where models[i].cls.priority < priority {
                for (k, path) in models[i].paths.enumerated() where k < models[i].flows.count {
                    for r in path { extra[r] += models[i].flows[k] }
                }
            }
            // Each route on its own: one route's hypothetical fill is not traffic another must avoid.
            for i in routes {
                // The demand that fills every usable next-hop's bottleneck to utilization 1.
                var headroom = 0.0
                var total = 0.0
                for path in models[i].paths where !path.isEmpty {
                    headroom += max(0, path.map { resources.capacity[$0] - resources.load[$0] - extra[$0] }.min() ?? 0)
                    total += resources.capacity[path[0]]
                }
                models[i].demand = max(headroom, total * 1e-3)
                models[i].basis = "headroom"
                solve(&models, routes: [i], resources: resources, extraLoad: extra, warm: &warm, used: &used)
            }
        }

        let routes = models.map { m in
            makeRoute(
                entry: m.entry, cls: m.cls, views: m.views, ideal: m.split.isEmpty ? m.views.map { _ in 0 } : m.split,
                predicted: m.predicted, limitedBy: m.limitedBy, demand: m.demand, demandBasis: m.basis
            )
        }
        return Plan(timestamp: snapshot.timestamp, routes: routes, warnings: warnings)
    }

    /// Solves the routes `routes` of `models` together and stores their splits.
    func solve(_ models: inout [RouteModel], routes: [Int], resources: Resources, extraLoad: [Double]?, warm: inout PlannerWarmStart, used: inout Set<String>) {
        guard !routes.isEmpty else { return }
        var problem = SolveProblem()
        for r in resources.names.indices {
            problem.addLink(name: resources.names[r], capacity: resources.capacity[r], load: resources.load[r] + (extraLoad?[r] ?? 0))
        }
        var owners: [(route: Int, view: Int)] = []
        for i in routes {
            let usable = models[i].paths.enumerated().filter { !$0.element.isEmpty }
            problem.addDemand(name: "route\(i)", volume: models[i].demand, priority: models[i].cls.priority, paths: usable.map(\.element))
            owners.append(contentsOf: usable.map { (i, $0.offset) })
        }
        // Host problems are tiny: solve them to a tight gap so the weights do not wobble.
        used.insert(PlannerWarmStart.shape(of: problem))
        let solution = warm.solve(problem, options: SolveOptions(gap: 1e-4, maxSweepsPerStage: 20_000))
        for i in routes {
            let n = models[i].views.count
            models[i].split = [Double](repeating: 0, count: n)
            models[i].flows = [Double](repeating: 0, count: n)
            models[i].predicted = [Double?](repeating: nil, count: n)
            models[i].limitedBy = [String?](repeating: nil, count: n)
        }
        for (p, owner) in owners.enumerated() {
            models[owner.route].split[owner.view] = solution.split[p]
            models[owner.route].flows[owner.view] = solution.flow[p]
            var worst = -1.0
            var by: String?
            for r in models[owner.route].paths[owner.view] where solution.utilization[r] > worst {
                worst = solution.utilization[r]
                by = resources.names[r]
            }
            models[owner.route].predicted[owner.view] = worst >= 0 && worst.isFinite ? worst : nil
            models[owner.route].limitedBy[owner.view] = by
        }
    }

    /// Quantizes `ideal` shares (any scale) into the planned route; `kept` when nothing is usable.
    public func makeRoute(
        entry: RouteEntry, cls: TrafficClass, views: [NextHopView], ideal: [Double],
        predicted: [Double?] = [], limitedBy: [String?] = [], demand: Double? = nil, demandBasis: String? = nil
    ) -> PlannedRoute {
        let ideal = zip(views, ideal).map { $0.isUsable ? max(0, $1) : 0 }
        let idealSum = ideal.reduce(0, +)
        let usable = idealSum > 0
        // The smallest group within 1% of the best oversubscription: the solver's optimum is often
        // flat (warm and cold answers differ by a few 0.1%), and a finer tolerance let such a
        // wobble turn 1:2 into 53:107 (the daemon, warm, then disagreed with `status`, cold).
        let weights = usable ? WeightQuantizer.wcmp(ideal, tableSize: maxGroupWeight) : ideal.map { _ in 0 }
        let total = Double(weights.reduce(0, +))
        let hops = views.indices.map { k in
            let v = views[k]
            let capacity = v.capacity?.bitsPerSecond
            return PlannedNextHop(
                name: v.nexthop.name, via: v.nexthop.via, dev: v.nexthop.dev, state: v.state,
                weight: weights[k], share: total > 0 ? Double(weights[k]) / total : 0,
                idealShare: idealSum > 0 ? ideal[k] / idealSum : 0,
                capacityBitsPerSecond: capacity, utilization: v.utilization,
                gpuUtilization: v.gpuUtilization, latencyMilliseconds: v.latencyMilliseconds,
                loadBitsPerSecond: v.isUsable ? capacity.map { $0 * v.utilization } : nil,
                predictedUtilization: k < predicted.count ? predicted[k] : nil,
                limitedBy: k < limitedBy.count ? limitedBy[k] : nil
            )
        }
        return PlannedRoute(
            prefixes: entry.prefixes, className: cls.name, priority: cls.priority, table: cls.table,
            family: entry.family, group: PlannedGroup(entry.group),
            status: usable ? .planned : .kept,
            reason: usable ? nil : "no usable next-hop (\(views.map { "\($0.nexthop.name) \($0.state)" }.joined(separator: ", "))); installed state kept",
            roundingError: usable ? WeightQuantizer.maxError(weights, shares: ideal) : 0,
            nexthops: hops,
            demandBitsPerSecond: usable ? demand : nil, demandBasis: usable ? demandBasis : nil
        )
    }
}
