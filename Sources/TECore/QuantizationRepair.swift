/// Lowers the MLU that per-demand WCMP weights give (`QuantizedSolution`).
///
/// Each demand's group is quantized on its own, to the least worst oversubscription of any of
/// its paths. That measure is relative to a path's share, so a group's worst is usually set by
/// its smallest shares (0.043 of 57 entries is 2.45: 2 or 3 entries, −18% or +22%), and a large
/// share can then be over-served by several percent at no cost to it: a path with 0.485 of a
/// demand gets 29 of 57 entries, +5.0%. Where one demand fills most of a link, that is the
/// link's error (`tectl-bench solve --seed 62`, fattree-k32-loose: the quantized MLU 4.47% above
/// the fractional one, on a host link that one demand's path fills).
///
/// So, afterwards, while the most utilized link is above the fractional MLU: among the demands
/// with flow on it, move one entry (from a path across it to another path of the same demand,
/// off such a path, or onto another path), the move that leaves the lowest maximum over the
/// links it raises, provided that
/// - no link it raises reaches the current top (so the top falls, and the sorted utilizations
///   fall lexicographically: the loop ends),
/// - the demand stays within `allowed` of worst oversubscription (its least plus the slack the
///   size preference already uses): the weights are still WCMP's within that slack,
/// - no path with a share loses its last entry and no path without a share gets one.
/// A group is first spread to the largest multiple of itself that fits the table (1:2 in 64
/// entries: 21:42), so a move is the smallest step the table allows; touched groups are reduced
/// by their common divisor at the end. Ends when the top link has no such move, or at the
/// fractional MLU.
struct QuantizationRepair {
    let problem: SolveProblem
    /// Per path: the solver's split (per demand, summing to 1).
    let ideal: [Double]
    /// Per path: the integer weights.
    private(set) var weights: [Int]
    /// Per demand: whether it carries flow (the solver left the others out), and the worst
    /// oversubscription a move may leave it at.
    let placed: [Bool]
    let allowed: [Double]
    let tableSize: Int
    /// Per link: load plus the flow the weights give.
    private var carried: [Double]
    private var total: [Int]
    /// The solver's flat buffers of the problem: its links → paths index and each path's demand.
    private let buffers: SolveBuffers
    /// Links above the fractional MLU (`run`'s floor), and whether a link is listed.
    private var hot: [Int] = []
    private var listed: [Bool]
    private(set) var moves = 0

    /// `buffers`: the solver's buffers of `problem` (an answer's `structure` carries them), or
    /// nil to build them.
    init(problem: SolveProblem, ideal: [Double], weights: [Int], placed: [Bool], allowed: [Double], tableSize: Int, buffers: SolveBuffers? = nil) {
        self.problem = problem
        self.buffers = buffers ?? SolveBuffers(problem)
        self.ideal = ideal
        self.weights = weights
        self.placed = placed
        self.allowed = allowed
        self.tableSize = tableSize
        let E = problem.linkCount
        carried = problem.load
        total = (0..<problem.demandCount).map { d in problem.paths(of: d).reduce(0) { $0 + weights[$1] } }
        for d in 0..<problem.demandCount {
            guard placed[d], total[d] > 0 else { continue }
            for p in problem.paths(of: d) where weights[p] > 0 {
                let f = problem.volume[d] * Double(weights[p]) / Double(total[d])
                for e in problem.links(of: p) { carried[Int(e)] += f }
            }
        }
        listed = [Bool](repeating: false, count: E)
    }

    func utilization(_ e: Int) -> Double {
        let c = problem.capacity[e]
        return c > 0 ? carried[e] / c : -.infinity
    }

    /// Moves entries until the top link is at or below `floor` (the fractional MLU), has no
    /// move left, or `limit` moves were made.
    mutating func run(until floor: Double, limit: Int? = nil) {
        let most = limit ?? 4 * problem.demandCount + 64
        for e in 0..<problem.linkCount where utilization(e) > floor { list(e) }
        var touched = Set<Int>()
        while moves < most {
            // The top among the listed links (dropping those that fell to the floor).
            var top = -Double.infinity, at = -1
            var i = 0
            while i < hot.count {
                let e = hot[i]
                let u = utilization(e)
                if u <= floor {
                    listed[e] = false
                    hot.swapAt(i, hot.count - 1)
                    hot.removeLast()
                    continue
                }
                if u > top || (u == top && e < at) { top = u; at = e }
                i += 1
            }
            guard at >= 0, let move = bestMove(at: at, top: top) else { break }
            apply(move)
            touched.insert(move.demand)
            moves += 1
            for p in problem.paths(of: move.demand) {
                for e in problem.links(of: p) where utilization(Int(e)) > floor { list(Int(e)) }
            }
        }
        for d in touched.sorted() {
            let range = problem.paths(of: d)
            let g = range.reduce(0) { WeightQuantizer.gcd($0, weights[$1]) }
            if g > 1 { for p in range { weights[p] /= g } }
        }
    }

    private mutating func list(_ e: Int) {
        if !listed[e] {
            listed[e] = true
            hot.append(e)
        }
    }

    struct Move {
        var demand: Int
        /// The demand's new weights, in the order of its paths.
        var weights: [Int]
        /// The highest utilization the move leaves on the links it raises.
        var raised: Double
    }

    /// The best move off link `link` (at utilization `top`), or nil. For each demand with flow
    /// on it (its group spread to the largest multiple that fits the table), three kinds, each
    /// a single entry: from a path across the link to another path of the demand; off that
    /// path (one entry less, the others' shares grow); onto another path (one more, where the
    /// table has room).
    func bestMove(at link: Int, top: Double) -> Move? {
        var best: Move?
        var seen = Set<Int>()
        for i in buffers.linkPathStart[link]..<buffers.linkPathStart[link + 1] {
            let d = Int(buffers.pathDemand[Int(buffers.linkPaths[i])])
            guard placed[d], total[d] > 0, problem.volume[d] > 0, seen.insert(d).inserted else { continue }
            let range = problem.paths(of: d)
            let scale = max(1, tableSize / total[d])
            let base = range.map { scale * weights[$0] }
            let crosses = range.map { problem.links(of: $0).contains(Int32(link)) }
            var candidates: [[Int]] = []
            // (A path with a share keeps an entry.)
            for a in base.indices where crosses[a] && base[a] > 1 {
                var off = base
                off[a] -= 1
                candidates.append(off)
                for (b, q) in range.enumerated() where b != a && !crosses[b] && ideal[q] > 0 {
                    var shift = base
                    shift[a] -= 1
                    shift[b] += 1
                    candidates.append(shift)
                }
            }
            if base.reduce(0, +) < tableSize {
                for (b, q) in range.enumerated() where !crosses[b] && ideal[q] > 0 {
                    var onto = base
                    onto[b] += 1
                    candidates.append(onto)
                }
            }
            for w in candidates {
                guard let raised = raisedMaximum(d, from: base, to: w, link: link, top: top) else { continue }
                if let b = best, raised >= b.raised { continue }
                guard oversubscription(d, w) <= allowed[d] + 1e-12 else { continue }
                best = Move(demand: d, weights: w, raised: raised)
            }
        }
        return best
    }

    /// The flow change per path of demand `d` from weights `old` to `new` (its paths' order).
    func change(_ d: Int, from old: [Int], to new: [Int]) -> [Double] {
        let v = problem.volume[d]
        let a = Double(old.reduce(0, +)), b = Double(new.reduce(0, +))
        return zip(old, new).map { v * (Double($0.1) / b - Double($0.0) / a) }
    }

    /// Where moving demand `d` from `old` to `new` lowers `link`: the highest utilization it
    /// leaves on the links it raises (−∞ where it raises none); nil where it does not lower
    /// `link` or raises some link to `top` or above.
    func raisedMaximum(_ d: Int, from old: [Int], to new: [Int], link: Int, top: Double) -> Double? {
        let delta = change(d, from: old, to: new)
        var perLink: [Int32: Double] = [:]
        for (a, p) in problem.paths(of: d).enumerated() where delta[a] != 0 {
            for e in problem.links(of: p) { perLink[e, default: 0] += delta[a] }
        }
        guard let atLink = perLink[Int32(link)], atLink < -1e-12 * max(1, problem.volume[d]) else { return nil }
        var raised = -Double.infinity
        for (e, x) in perLink where x > 1e-12 * max(1, problem.volume[d]) {
            let c = problem.capacity[Int(e)]
            let u = c > 0 ? (carried[Int(e)] + x) / c : .infinity
            if u >= top { return nil }
            raised = max(raised, u)
        }
        return raised
    }

    /// Demand `d`'s worst oversubscription under weights `w` (its paths' order).
    func oversubscription(_ d: Int, _ w: [Int]) -> Double {
        WeightQuantizer.oversubscription(w, shares: problem.paths(of: d).map { ideal[$0] })
    }

    private mutating func apply(_ m: Move) {
        let d = m.demand
        let range = problem.paths(of: d)
        let old = range.map { weights[$0] }
        let delta = change(d, from: old, to: m.weights)
        for (a, p) in range.enumerated() {
            weights[p] = m.weights[a]
            for e in problem.links(of: p) { carried[Int(e)] += delta[a] }
        }
        total[d] = m.weights.reduce(0, +)
    }
}
