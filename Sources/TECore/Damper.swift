/// Decides, per route, which of the planner's weight changes reach the kernel, so that noisy
/// telemetry does not make groups flap while a failed next-hop still leaves at once.
///
/// Pure: time comes in as a parameter. The rules (docs/daemon.md, "Damping"), per route, in order:
/// 1. **Kept** (no usable next-hop): passed through; nothing is installed over what the kernel has.
/// 2. **Initial** (no history for the route, e.g. first cycle or after a kept phase): the plan as is.
/// 3. **Failover** (a member of the applied group is no longer `up`): at once, bypassing
///    hysteresis, `min_change_interval` and `max_step`: the survivors get the re-planned split.
/// 4. **Rejoin** (an `up` next-hop that is not in the applied group): at once, but its share is
///    capped to `max_step`; the cap grows by `max_step` per `rampInterval` (a **ramp** step, also
///    immediate) until it no longer binds.
/// 5. **Otherwise** (telemetry moved the ideal split): ignored while the largest per-next-hop
///    share difference is below `hysteresis`; held while the last change is younger than
///    `min_change_interval`; then one step toward the target that moves no share by more than
///    `max_step` (a linear interpolation, so shares stay ≥ 0 and sum to 1).
/// A change is counted only when the integer weights differ from the applied ones.
public struct Damper: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public struct Settings: Sendable, Equatable {
        /// Share differences (0...1) below this are ignored.
        public var hysteresis: Double
        /// At most one non-urgent change per route within this time.
        public var minChangeInterval: Duration
        /// Largest move of one next-hop's share in a non-urgent step, and the rejoin ramp step.
        public var maxStep: Double
        /// Time between two ramp steps of a rejoining next-hop (the control interval).
        public var rampInterval: Duration
        /// Largest sum of integer weights in a group (as the planner's).
        public var maxGroupWeight: Int

        public init(hysteresis: Double, minChangeInterval: Duration, maxStep: Double, rampInterval: Duration, maxGroupWeight: Int = 256) {
            self.hysteresis = hysteresis
            self.minChangeInterval = minChangeInterval
            self.maxStep = maxStep
            self.rampInterval = rampInterval
            self.maxGroupWeight = maxGroupWeight
        }

        public init(_ control: ControlSettings, maxGroupWeight: Int = 256) {
            self.init(
                hysteresis: control.hysteresis, minChangeInterval: control.minChangeInterval,
                maxStep: control.maxStep, rampInterval: control.interval, maxGroupWeight: maxGroupWeight
            )
        }
    }

    /// Why a route got the weights it got in one cycle.
    public enum Decision: Sendable, Equatable, CustomStringConvertible {
        case kept
        case initial
        case failover(down: [String])
        case rejoin(up: [String])
        case ramp
        case step
        /// The target is within hysteresis of what is applied (largest share difference).
        case withinHysteresis(Double)
        /// A change beyond hysteresis waits for `min_change_interval`.
        case held
        /// Nothing to do: the target equals what is applied.
        case unchanged

        /// True for the decisions that bypass damping for safety.
        public var isUrgent: Bool {
            switch self {
            case .failover, .rejoin, .ramp, .initial: true
            default: false
            }
        }

        public var description: String {
            switch self {
            case .kept: "kept"
            case .initial: "initial"
            case .failover(let down): "failover (\(down.joined(separator: ",")) down)"
            case .rejoin(let up): "rejoin (\(up.joined(separator: ",")) up)"
            case .ramp: "ramp"
            case .step: "step"
            case .withinHysteresis(let d): "within hysteresis (\(formatShare(d)))"
            case .held: "held (min_change_interval)"
            case .unchanged: "unchanged"
            }
        }
    }

    /// The damped plan of one cycle and, per route, why.
    public struct Result: Sendable, Equatable {
        public var plan: Plan
        /// One per route of `plan`, same order.
        public var decisions: [Decision]
        /// Routes whose integer weights differ from the previously applied ones.
        public var changedRoutes: Int
    }

    /// What the damper remembers about one route.
    struct RouteState: Sendable, Equatable {
        /// Decided shares of the members (name → share > 0).
        var shares: [String: Double]
        var weights: [String: Int]
        var lastChange: Instant?
        /// Rejoining next-hops → their current share cap.
        var ramp: [String: Double]
        var lastRampStep: Instant?
    }

    public var settings: Settings
    var routes: [String: RouteState] = [:]

    public init(settings: Settings) {
        self.settings = settings
    }

    /// The identity of a route across cycles and reloads: class and prefixes.
    public static func key(of route: PlannedRoute) -> String {
        key(className: route.className, prefixes: route.prefixes)
    }

    /// The key of a policy route entry (the same as its planned route's).
    public static func key(className: String, prefixes: [IPPrefix]) -> String {
        "\(className) " + prefixes.map(\.description).joined(separator: ",")
    }

    /// Starts a route's history from weights already installed (a restart that adopts the kernel's
    /// state): no ramp, and a non-urgent change may follow at once.
    public mutating func seed(route key: String, weights: [String: Int]) {
        let total = Double(weights.values.filter { $0 > 0 }.reduce(0, +))
        guard total > 0 else { return }
        let members = weights.filter { $0.value > 0 }
        routes[key] = RouteState(shares: members.mapValues { Double($0) / total }, weights: members, lastChange: nil, ramp: [:], lastRampStep: nil)
    }

    /// Forgets every route's history (the next cycle applies the plan as is).
    public mutating func reset() { routes = [:] }

    /// Damps `plan` at time `now` and remembers the result as applied.
    public mutating func damp(_ plan: Plan, now: Instant) -> Result {
        var out = plan
        var decisions: [Decision] = []
        var changed = 0
        var seen = Set<String>()
        for i in plan.routes.indices {
            let key = Self.key(of: plan.routes[i])
            seen.insert(key)
            let (route, decision, didChange) = damp(route: plan.routes[i], key: key, now: now)
            out.routes[i] = route
            decisions.append(decision)
            if didChange { changed += 1 }
        }
        routes = routes.filter { seen.contains($0.key) }
        return Result(plan: out, decisions: decisions, changedRoutes: changed)
    }

    private mutating func damp(route: PlannedRoute, key: String, now: Instant) -> (PlannedRoute, Decision, Bool) {
        guard route.status == .planned else {
            routes[key] = nil
            return (route, .kept, false)
        }
        let usable = route.nexthops.filter { $0.state == "up" && $0.weight > 0 }.map(\.name)
        let target = Self.targetShares(route)
        guard var state = routes[key] else {
            let weights = Dictionary(uniqueKeysWithValues: route.nexthops.filter { $0.weight > 0 }.map { ($0.name, $0.weight) })
            routes[key] = RouteState(shares: target, weights: weights, lastChange: now, ramp: [:], lastRampStep: nil)
            return (route, .initial, true)
        }

        let stateByName = Dictionary(route.nexthops.map { ($0.name, $0.state) }, uniquingKeysWith: { a, _ in a })
        let down = state.shares.keys.filter { stateByName[$0] != "up" }.sorted()
        let returning = usable.filter { state.shares[$0] == nil && state.ramp[$0] == nil }

        // Ramp bookkeeping: drop hops that left, grow caps once per ramp interval, start new ones.
        state.ramp = state.ramp.filter { usable.contains($0.key) }
        let capsBefore = state.ramp
        var capsGrew = false
        if !state.ramp.isEmpty, let last = state.lastRampStep, now - last >= settings.rampInterval {
            state.ramp = state.ramp.mapValues { $0 + settings.maxStep }
            state.lastRampStep = now
            capsGrew = true
        }
        // A next-hop that is the only usable one is never capped: it is all there is.
        if usable.count > 1 {
            for name in returning { state.ramp[name] = settings.maxStep }
            if !returning.isEmpty { state.lastRampStep = now }
        }
        state.ramp = state.ramp.filter { $0.value < 1 - 1e-9 }
        // Someone must take what the caps leave: when every usable next-hop is capped, those that
        // were already carrying traffic before this cycle lose their caps (then, if need be, all do).
        if !usable.isEmpty, usable.allSatisfy({ state.ramp[$0] != nil }) {
            let newcomers = Set(returning)
            state.ramp = state.ramp.filter { newcomers.contains($0.key) }
            if usable.allSatisfy({ state.ramp[$0] != nil }) { state.ramp = [:] }
        }
        let capped = Self.applyCaps(target, caps: state.ramp)
        // A ramp step is due when a rejoining next-hop was held at its cap and the cap grew.
        let rampStepped = capsGrew && capsBefore.contains { name, cap in
            (state.shares[name] ?? 0) >= cap - 1e-6 && (capped[name] ?? 0) > (state.shares[name] ?? 0) + 1e-9
        }

        let decision: Decision
        var shares: [String: Double]
        if !down.isEmpty {
            decision = .failover(down: down)
            shares = capped
        } else if !returning.isEmpty {
            decision = .rejoin(up: returning.sorted())
            shares = capped
        } else if rampStepped {
            decision = .ramp
            shares = capped
        } else {
            let distance = Self.distance(state.shares, capped)
            if distance < 1e-12 {
                decision = .unchanged
                shares = state.shares
            } else if distance < settings.hysteresis {
                decision = .withinHysteresis(distance)
                shares = state.shares
            } else if let last = state.lastChange, now - last < settings.minChangeInterval {
                decision = .held
                shares = state.shares
            } else {
                decision = .step
                let alpha = min(1, settings.maxStep / distance)
                shares = [:]
                for name in Set(state.shares.keys).union(capped.keys) {
                    let from = state.shares[name] ?? 0
                    let v = from + alpha * ((capped[name] ?? 0) - from)
                    if v > 1e-12 { shares[name] = v }
                }
            }
        }

        let order = route.nexthops.map(\.name)
        // Integer weights: kept when the decided shares did not move, the planner's own when the
        // decision is its target, else quantized from the decided shares.
        let quantized: [Int]
        if Self.distance(shares, state.shares) < 1e-12 {
            quantized = order.map { state.weights[$0] ?? 0 }
        } else if Self.distance(shares, target) < 1e-12 {
            quantized = route.nexthops.map(\.weight)
        } else {
            quantized = WeightQuantizer.quantize(order.map { shares[$0] ?? 0 }, maxTotal: settings.maxGroupWeight)
        }
        var weights: [String: Int] = [:]
        for (name, w) in zip(order, quantized) where w > 0 { weights[name] = w }
        let didChange = weights != state.weights
        if didChange { state.lastChange = now }
        state.shares = shares
        state.weights = weights
        routes[key] = state

        var damped = route
        let total = Double(quantized.reduce(0, +))
        for i in damped.nexthops.indices {
            damped.nexthops[i].weight = quantized[i]
            damped.nexthops[i].share = total > 0 ? Double(quantized[i]) / total : 0
        }
        damped.roundingError = WeightQuantizer.maxError(quantized, shares: order.map { target[$0] ?? 0 })
        return (damped, decision, didChange)
    }

    /// The planner's ideal split over the usable members, normalized to sum 1.
    static func targetShares(_ route: PlannedRoute) -> [String: Double] {
        let members = route.nexthops.filter { $0.state == "up" && $0.weight > 0 }
        let idealSum = members.map(\.idealShare).reduce(0, +)
        let useIdeal = idealSum > 1e-12
        let sum = useIdeal ? idealSum : Double(members.map(\.weight).reduce(0, +))
        var out: [String: Double] = [:]
        for m in members {
            let v = (useIdeal ? m.idealShare : Double(m.weight)) / sum
            if v > 0 { out[m.name] = v }
        }
        return out
    }

    /// Caps some shares and gives what they lose to the uncapped ones, in proportion to their
    /// shares (water-filling; a cap never binds when nothing is left uncapped).
    static func applyCaps(_ target: [String: Double], caps: [String: Double]) -> [String: Double] {
        guard !caps.isEmpty else { return target }
        var fixed: [String: Double] = [:]
        while true {
            let free = target.filter { fixed[$0.key] == nil }
            let freeSum = free.values.reduce(0, +)
            let left = 1 - fixed.values.reduce(0, +)
            guard freeSum > 0 else { return target }
            var newlyFixed = false
            for (name, share) in free {
                if let cap = caps[name], share / freeSum * left > cap {
                    fixed[name] = cap
                    newlyFixed = true
                }
            }
            if !newlyFixed {
                var out = fixed
                let remaining = 1 - fixed.values.reduce(0, +)
                for (name, share) in free { out[name] = share / freeSum * remaining }
                return out
            }
            if target.keys.allSatisfy({ fixed[$0] != nil }) { return target }
        }
    }

    /// Largest |a − b| over the next-hops of either.
    static func distance(_ a: [String: Double], _ b: [String: Double]) -> Double {
        Set(a.keys).union(b.keys).map { abs((a[$0] ?? 0) - (b[$0] ?? 0)) }.max() ?? 0
    }
}

private func formatShare(_ v: Double) -> String {
    let pct = (v * 1000).rounded() / 10
    return "\(pct)%"
}
