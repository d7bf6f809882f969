import TECore

/// Deterministic random numbers (SplitMix64): the same seed gives the same instance everywhere
/// (also the tests' generator, through `RandomNumberGenerator`).
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Benchmark instances: Clos/fat-tree fabrics and WAN-like meshes, loose or tight.
public struct InstanceSpec: Sendable {
    public enum Topology: Sendable { case fatTree(k: Int), wan(nodes: Int) }
    public var name: String
    public var topology: Topology
    public var demands: Int
    public var paths: ClosedRange<Int>
    /// Capacities a few percent above a random single-path routing of the demands, so most links bind.
    public var tight: Bool
    public var priorities: Int = 3
    public var seed: UInt64 = 1

    public init(name: String, topology: Topology, demands: Int, paths: ClosedRange<Int>, tight: Bool, priorities: Int = 3, seed: UInt64 = 1) {
        self.name = name
        self.topology = topology
        self.demands = demands
        self.paths = paths
        self.tight = tight
        self.priorities = priorities
        self.seed = seed
    }
}

public enum InstanceGenerator {
    public static func make(_ spec: InstanceSpec) -> SolveProblem {
        var rng = SplitMix64(seed: spec.seed &* 0x2545_F491_4F6C_DD1D &+ 17)
        var linkNames: [String] = []
        var paths: [[[Int]]] = []
        switch spec.topology {
        case .fatTree(let k): fatTree(k: k, spec: spec, rng: &rng, linkNames: &linkNames, paths: &paths)
        case .wan(let n): wan(nodes: n, spec: spec, rng: &rng, linkNames: &linkNames, paths: &paths)
        }
        let E = linkNames.count
        var volume: [Double] = []
        var priority: [Int] = []
        for _ in paths.indices {
            // A few elephants among many mice.
            let u = rng.uniform()
            volume.append(u < 0.1 ? rng.uniform(20, 60) : rng.uniform(1, 10))
            let r = rng.uniform()
            let prio: Int
            switch spec.priorities {
            case ...1: prio = 0
            case 2: prio = r < 0.3 ? 0 : 1
            default: prio = r < 0.2 ? 0 : (r < 0.5 ? 1 : 2)
            }
            priority.append(prio)
        }
        var capacity = [Double](repeating: 0, count: E)
        var load = [Double](repeating: 0, count: E)
        if spec.tight {
            var f = [Double](repeating: 0, count: E)
            for (d, ps) in paths.enumerated() {
                for e in ps[rng.int(ps.count)] { f[e] += volume[d] }
            }
            let used = f.filter { $0 > 0 }
            let mean = used.isEmpty ? 100 : used.reduce(0, +) / Double(used.count)
            for e in 0..<E {
                if rng.uniform() < 0.3 { load[e] = rng.uniform(0, 0.2) * max(f[e], mean * 0.2) }
                capacity[e] = f[e] > 0 ? (f[e] + load[e]) * rng.uniform(1.01, 1.06) : mean + load[e]
            }
        } else {
            var f = [Double](repeating: 0, count: E)
            for (d, ps) in paths.enumerated() {
                for p in ps { for e in p { f[e] += volume[d] / Double(ps.count) } }
            }
            let peak = f.max() ?? 1
            let choices = [1.0, 2.5, 4.0]
            for e in 0..<E {
                capacity[e] = (peak * 1.5 * choices[rng.int(choices.count)]).rounded()
                if rng.uniform() < 0.3 { load[e] = rng.uniform(0, 0.3) * capacity[e] }
            }
        }
        var problem = SolveProblem()
        for e in 0..<E {
            problem.addLink(name: linkNames[e], capacity: (capacity[e] * 1000).rounded() / 1000, load: (load[e] * 1000).rounded() / 1000)
        }
        for d in paths.indices {
            problem.addDemand(name: "d\(d)", volume: (volume[d] * 1000).rounded() / 1000, priority: priority[d], paths: paths[d])
        }
        return problem
    }

    static func fatTree(k: Int, spec: InstanceSpec, rng: inout SplitMix64, linkNames: inout [String], paths: inout [[[Int]]]) {
        let h = k / 2
        // Directed links: edge↔agg inside each pod, agg↔core.
        func up(_ pod: Int, _ edge: Int, _ agg: Int) -> Int { ((pod * h + edge) * h + agg) * 2 }
        func down(_ pod: Int, _ edge: Int, _ agg: Int) -> Int { up(pod, edge, agg) + 1 }
        let coreBase = k * h * h * 2
        func toCore(_ pod: Int, _ agg: Int, _ c: Int) -> Int { coreBase + ((pod * h + agg) * h + c) * 2 }
        func fromCore(_ pod: Int, _ agg: Int, _ c: Int) -> Int { toCore(pod, agg, c) + 1 }
        linkNames = [String](repeating: "", count: coreBase * 2)
        for pod in 0..<k {
            for e in 0..<h {
                for a in 0..<h {
                    linkNames[up(pod, e, a)] = "e\(pod).\(e)-a\(pod).\(a)"
                    linkNames[down(pod, e, a)] = "a\(pod).\(a)-e\(pod).\(e)"
                }
            }
            for a in 0..<h {
                for c in 0..<h {
                    linkNames[toCore(pod, a, c)] = "a\(pod).\(a)-c\(a).\(c)"
                    linkNames[fromCore(pod, a, c)] = "c\(a).\(c)-a\(pod).\(a)"
                }
            }
        }
        for _ in 0..<spec.demands {
            let p1 = rng.int(k)
            var p2 = rng.int(k - 1)
            if p2 >= p1 { p2 += 1 }
            let e1 = rng.int(h), e2 = rng.int(h)
            let want = min(h * h, spec.paths.lowerBound + rng.int(spec.paths.count))
            var chosen = Set<Int>()
            var ps: [[Int]] = []
            while ps.count < want {
                let j = rng.int(h * h)
                guard chosen.insert(j).inserted else { continue }
                let a = j / h, c = j % h
                ps.append([up(p1, e1, a), toCore(p1, a, c), fromCore(p2, a, c), down(p2, e2, a)])
            }
            paths.append(ps)
        }
    }

    static func wan(nodes n: Int, spec: InstanceSpec, rng: inout SplitMix64, linkNames: inout [String], paths: inout [[[Int]]]) {
        var x: [Double] = [], y: [Double] = []
        for _ in 0..<n { x.append(rng.uniform()); y.append(rng.uniform()) }
        func dist(_ a: Int, _ b: Int) -> Double { ((x[a] - x[b]) * (x[a] - x[b]) + (y[a] - y[b]) * (y[a] - y[b])).squareRoot() }
        var adjacent = Set<Int>()  // a*n+b, a<b
        for a in 0..<n {
            let near = (0..<n).filter { $0 != a }.sorted { dist(a, $0) < dist(a, $1) }.prefix(3)
            for b in near { adjacent.insert(min(a, b) * n + max(a, b)) }
        }
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.int(i + 1)) }
        for i in 0..<n {
            let a = order[i], b = order[(i + 1) % n]
            adjacent.insert(min(a, b) * n + max(a, b))
        }
        var out = [[(to: Int, link: Int)]](repeating: [], count: n)
        for key in adjacent.sorted() {
            let a = key / n, b = key % n
            out[a].append((b, linkNames.count)); linkNames.append("n\(a)-n\(b)")
            out[b].append((a, linkNames.count)); linkNames.append("n\(b)-n\(a)")
        }
        var tail = [Int](repeating: 0, count: linkNames.count)
        for a in 0..<n { for (_, l) in out[a] { tail[l] = a } }
        // Per source, shortest-path trees under perturbed lengths; a demand's paths come from them.
        let trees = 16
        var parentLink = [[Int]](repeating: [], count: n * trees)
        var hasTrees = [Bool](repeating: false, count: n)
        func build(_ s: Int, _ rng: inout SplitMix64) {
            for t in 0..<trees {
                var length = [Double](repeating: .infinity, count: n)
                var via = [Int](repeating: -1, count: n)
                var done = [Bool](repeating: false, count: n)
                length[s] = 0
                for _ in 0..<n {
                    var u = -1
                    for v in 0..<n where !done[v] && length[v] < .infinity && (u < 0 || length[v] < length[u]) { u = v }
                    if u < 0 { break }
                    done[u] = true
                    for (v, l) in out[u] {
                        let w = dist(u, v) * (t == 0 ? 1 : rng.uniform(0.7, 2.5)) + 0.01
                        if length[u] + w < length[v] { length[v] = length[u] + w; via[v] = l }
                    }
                }
                parentLink[s * trees + t] = via
            }
            hasTrees[s] = true
        }
        for _ in 0..<spec.demands {
            let s = rng.int(n)
            var t = rng.int(n - 1)
            if t >= s { t += 1 }
            if !hasTrees[s] { build(s, &rng) }
            let want = spec.paths.lowerBound + rng.int(spec.paths.count)
            var ps: [[Int]] = []
            for tr in 0..<trees where ps.count < want {
                let via = parentLink[s * trees + tr]
                var p: [Int] = []
                var v = t
                while v != s, via[v] >= 0, p.count <= n { p.append(via[v]); v = tail[via[v]] }
                p.reverse()
                if !ps.contains(p) { ps.append(p) }
            }
            paths.append(ps)
        }
    }

    /// The problem in tectl's JSON format (docs/solve.md).
    public static func json(_ p: SolveProblem) -> String {
        var out = "{\"links\": [\n"
        for e in 0..<p.linkCount {
            out += "  {\"name\": \"\(p.linkNames[e])\", \"capacity\": \(p.capacity[e]), \"load\": \(p.load[e])}"
            out += e + 1 < p.linkCount ? ",\n" : "\n"
        }
        out += "],\n\"demands\": [\n"
        for d in 0..<p.demandCount {
            out += "  {\"name\": \"\(p.demandNames[d])\", \"volume\": \(p.volume[d]), \"priority\": \(p.priority[d]), \"paths\": ["
            for (k, path) in p.paths(of: d).enumerated() {
                out += k > 0 ? ", [" : "["
                out += p.links(of: path).map { "\"\(p.linkNames[Int($0)])\"" }.joined(separator: ", ")
                out += "]"
            }
            out += "]}" + (d + 1 < p.demandCount ? ",\n" : "\n")
        }
        return out + "]}\n"
    }

    /// A random instance: 20–400 links, 10–800 demands with 1–8 paths of 1–5 distinct links,
    /// 1–4 priorities; in 60% of them capacities sit 0–15% above a random single-path routing
    /// (tight), and 20% of the links carry unsteered load (`tectl-bench solve-random`).
    public static func random(seed: UInt64) -> SolveProblem {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 5)
        let linkCount = [20, 60, 150, 400][rng.int(4)]
        let demandCount = [10, 50, 200, 800][rng.int(4)]
        let priorities = 1 + rng.int(4)
        var capacity = (0..<linkCount).map { _ in [10.0, 25, 40, 100, 400][rng.int(5)] }
        var volume: [Double] = []
        var priority: [Int] = []
        var paths: [[[Int]]] = []
        for _ in 0..<demandCount {
            let elephant = rng.uniform() < 0.1
            volume.append(rng.uniform(0.1, 10) * (elephant ? 20 : 1))
            priority.append(rng.int(priorities))
            paths.append((0..<(1 + rng.int(8))).map { _ in
                var chosen: [Int] = []
                let length = 1 + rng.int(5)
                while chosen.count < length {
                    let e = rng.int(linkCount)
                    if !chosen.contains(e) { chosen.append(e) }
                }
                return chosen
            })
        }
        if rng.uniform() < 0.6 {
            var used = [Double](repeating: 0, count: linkCount)
            for (d, ps) in paths.enumerated() { for e in ps[rng.int(ps.count)] { used[e] += volume[d] } }
            let factor = rng.uniform(1.0, 1.15)
            for e in 0..<linkCount { capacity[e] = max(1, used[e] * factor) }
        }
        var problem = SolveProblem()
        for e in 0..<linkCount {
            let load = rng.uniform() < 0.2 ? capacity[e] * rng.uniform(0, 0.5) : 0
            problem.addLink(name: "l\(e)", capacity: (capacity[e] * 1000).rounded() / 1000, load: (load * 1000).rounded() / 1000)
        }
        for d in 0..<demandCount {
            problem.addDemand(name: "d\(d)", volume: (volume[d] * 1000).rounded() / 1000, priority: priority[d], paths: paths[d])
        }
        return problem
    }

    /// The same problem with every volume scaled by a factor in [1 − r, 1 + r] (a controller's next cycle).
    public static func perturbed(_ p: SolveProblem, by r: Double, seed: UInt64) -> SolveProblem {
        var rng = SplitMix64(seed: seed)
        var q = p
        for d in 0..<q.demandCount { q.volume[d] *= rng.uniform(1 - r, 1 + r) }
        return q
    }

    /// The same problem with a fraction `f` of the demands (picked at random) scaled by 0.5…1.5.
    public static func resampled(_ p: SolveProblem, fraction f: Double, seed: UInt64) -> SolveProblem {
        var rng = SplitMix64(seed: seed)
        var q = p
        for d in 0..<q.demandCount where rng.uniform() < f { q.volume[d] *= rng.uniform(0.5, 1.5) }
        return q
    }
}
