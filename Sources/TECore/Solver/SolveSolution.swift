/// How hard the solver works.
public struct SolveOptions: Sendable, Equatable {
    /// Stop a priority stage once its certified gap (MLU − lower bound) / lower bound is at most this.
    public var gap: Double
    /// Upper limit of Gauss–Seidel sweeps per priority stage (deterministic; no clock is read).
    public var maxSweepsPerStage: Int
    /// How far (relative) a higher priority's MLU may rise while lower priorities join; nil:
    /// `gap / 5` after a stage solved by sweeps, `gap / 100` after one solved exactly
    /// (`SolverRun.heldSlack`).
    public var holdSlack: Double?
    /// Stages of a multi-priority problem with at most this many link-rows (held rows and the
    /// stage's own, times the links its paths cross) are solved exactly by an interior-point
    /// method instead of sweeps (MLUSolver+ExactStage.swift); 0: never.
    public var exactStageLimit: Int
    /// In a warm stage's first full sweeps, the demands whose share of the smoothed duality gap is
    /// below this fraction of the smoothing error μ·ln|E| (split evenly over the demands swept)
    /// are left as they are (`SolverRun.settled`); 0: every demand is swept.
    public var settledShare: Double = 0.5
    /// A stage whose sweeps crawl above its target tries a certificate from the LP over the
    /// links at the top of its rows, with at most this many link-rows (a dense factorization of
    /// that size per interior-point iteration; MLUSolver+RestrictedLP.swift); 0: never.
    public var restrictedLPLimit: Int
    /// A stage about to end above its target grows that LP up to this many times
    /// `restrictedLPLimit` link-rows, adding the link-rows the LP's own flows overfill (row
    /// generation, `SolverRun.growRows`); 1: never.
    public var restrictedLPGrowth: Int = 2
    /// Sweeps a stage prices its held rows (hold multipliers, from its first stall) before it
    /// ends above its target: such stages often creep on for thousands of sweeps. A cold stage
    /// that reaches this limit while its MLU still improves, and whose last restricted LP then
    /// leaves it within twice its target, sweeps on toward the MLU that LP's bound certifies
    /// (until its MLU stops improving, or `maxSweepsPerStage`).
    public var holdPricingSweeps: Int = 200
    /// Whether such a stage sweeps on past `holdPricingSweeps` (tests compare both).
    var sweepsPastPricing = true
    /// Whether a warm stage left above its target by its restricted rounds tries the LP over
    /// the previous certificate's support (`SolverRun.supportCertificate`; tests compare both).
    var warmSupportLP = true
    /// The certified gap a warm run's stages before the last stop at, as a share of `gap`
    /// (a cold run's: 0.75). Their holds are kept at most their bound × (1 + gap)
    /// (`SolverRun.holdCap`), so the later stages cannot push them past the asked gap
    /// (docs/solve.md, "Earlier warm stages stop at the gap"; tests compare both).
    var warmEarlierShare = 0.95
    /// Whether a warm stage whose previous certificate bounds below the stage before's bound
    /// runs its restricted rounds against that bound (`SolverRun.inheritedReach`; tests compare
    /// both).
    var warmInheritedRounds = true
    /// Whether the hold-aware search stops once its bound certifies the stage's target (each
    /// of its evaluations is a pass over every active path; tests compare both).
    var holdSearchStopsAtTarget = true
    /// Whether a warm stage whose full sweep left its MLU exactly where it was runs the
    /// hold-aware search at once (`SolverRun.holdPass`; tests compare both).
    var warmFrozenHoldSearch = true
    /// Whether a warm stage before the last tries the restricted LP before it drops its forward
    /// caps, where it is within 3 targets of its bound (tests compare both).
    var warmLPBeforeDroppingCaps = true
    /// Sweeps without progress after which a warm stage k > 0 starts pricing its held rows (a
    /// cold stage: 8). It starts next to the answer, so a flat MLU is the holds, not the
    /// distance (docs/solve.md, "A warm stage prices its holds after 3 flat sweeps"; tests
    /// compare 8).
    var warmHoldPricingWindow = 3
    /// Whether a warm last stage stops where the previous answer's certificate, restated at the
    /// held rows' MLUs as they are, certifies it (`SolverRun.warmCertifiesAtRows`; tests compare
    /// both).
    var warmRestatedAtRows = true
    /// Held stages up to this size (path-link entries times rows) that end above their target
    /// are re-solved by bisection over virtual links (`SolverRun.refineHeldStage`); larger
    /// ones are left to the sweeps (tests lower it to stand for a large problem).
    var heldRefineLimit = SolverRun.heldRefineLimit

    public init(gap: Double = 0.01, maxSweepsPerStage: Int = 4000, holdSlack: Double? = nil, exactStageLimit: Int = 320, restrictedLPLimit: Int = 600) {
        self.gap = gap
        self.maxSweepsPerStage = maxSweepsPerStage
        self.holdSlack = holdSlack
        self.exactStageLimit = exactStageLimit
        self.restrictedLPLimit = restrictedLPLimit
    }
}

/// A previous answer to start from: per-path splits (same path order as the problem) and the
/// smoothing each priority stage ended with. Demands whose split does not fit (wrong length,
/// negative, or on an unusable path) start cold.
public struct WarmStart: Sendable, Equatable {
    public var splits: [Double]
    public var smoothing: [Int: Double]
    /// Per priority: the link weights (one per link, ≥ 0) that certified the stage's lower bound.
    /// Re-evaluated on the new instance they bound its optimum at once (any weights do), so a
    /// warm stage may stop as soon as its splits come within the gap of that bound.
    public var duals: [Int: [Double]]
    /// Per priority: each demand's cheapest-path cost min_p Σ_{e∈p} y_e/c_e under that stage's
    /// `duals` (+∞ for a demand without a usable path). These depend on the links, capacities and
    /// paths only, not on volumes or loads, so a warm solve of a problem with the same structure
    /// (`structure`) re-evaluates the certificate in O(demands + links) instead of a pass over
    /// every path.
    public var pathCosts: [Int: [Double]]
    /// The structure of the problem the costs were computed on (nil: unknown, costs unused).
    public var structure: SolveStructure?
    /// The previous answer's per-path flows and, flat per stage (stage-major, one row per link),
    /// the flow its demands of that priority or higher put on each link. With an equal
    /// `structure` a warm solve starts its link loads from these and adds the flow changes of
    /// the demands whose volume (or split) changed, instead of re-applying every split.
    public var flows: [Double]
    public var stageLinkFlow: [Double]
    /// Per priority: the hold multipliers z of its certificate (flat, one row of links per
    /// higher priority, highest first; see `SolveSolution.holdDuals`); absent: none. `pathCosts`
    /// then hold each demand's cheapest cost under y plus the z rows of its priority and below.
    public var holdDuals: [Int: [Double]]
    /// Per priority whose stage stopped above the gap its solve asked for (the sweeps could not
    /// certify more): the gap it reached. A warm stage asked for less than that stops at it and is
    /// not solved again cold for missing the asked gap (docs/solve.md, "Warm start").
    public var missedGaps: [Int: Double]
    /// Per priority: the sweeps its stage took in the previous answer (what solving it again
    /// may cost; a warm stage spends at most a share of it on an LP over the previous
    /// certificate's support, `SolverRun.supportCertificate`); absent: unknown (no such LP).
    public var stageSweeps: [Int: Int]

    public init(
        splits: [Double], smoothing: [Int: Double] = [:], duals: [Int: [Double]] = [:], pathCosts: [Int: [Double]] = [:],
        structure: SolveStructure? = nil, flows: [Double] = [], stageLinkFlow: [Double] = [], holdDuals: [Int: [Double]] = [:],
        missedGaps: [Int: Double] = [:], stageSweeps: [Int: Int] = [:]
    ) {
        self.missedGaps = missedGaps
        self.stageSweeps = stageSweeps
        self.holdDuals = holdDuals
        self.splits = splits
        self.smoothing = smoothing
        self.duals = duals
        self.pathCosts = pathCosts
        self.structure = structure
        self.flows = flows
        self.stageLinkFlow = stageLinkFlow
    }

    /// The priorities of `gaps` (priority → certified gap) that stopped above `asked`, the gap
    /// their solve asked for; none when that is not known.
    static func missedGaps(_ gaps: [Int: Double], asked: Double?) -> [Int: Double] {
        asked.map { asked in gaps.filter { $0.value > asked + 1e-12 } } ?? [:]
    }

    public init(_ solution: SolveSolution) {
        splits = solution.split
        smoothing = Dictionary(solution.stages.map { ($0.priority, $0.smoothing) }, uniquingKeysWith: { a, _ in a })
        var duals: [Int: [Double]] = [:]
        for (stage, dual) in zip(solution.stages, solution.duals) where !dual.isEmpty { duals[stage.priority] = dual }
        self.duals = duals
        var costs: [Int: [Double]] = [:]
        for (stage, cost) in zip(solution.stages, solution.dualPathCosts) where !cost.isEmpty { costs[stage.priority] = cost }
        pathCosts = costs
        var holds: [Int: [Double]] = [:]
        for (stage, z) in zip(solution.stages, solution.holdDuals) where !z.isEmpty { holds[stage.priority] = z }
        holdDuals = holds
        let gaps = Dictionary(solution.stages.map { ($0.priority, $0.gap) }, uniquingKeysWith: { a, _ in a })
        missedGaps = Self.missedGaps(gaps, asked: solution.askedGap)
        stageSweeps = Dictionary(solution.stages.map { ($0.priority, $0.sweeps) }, uniquingKeysWith: { a, _ in a })
        structure = solution.structure
        flows = solution.flow
        stageLinkFlow = solution.stageLinkFlow
    }
}

/// One priority stage of a lexicographic solve: the MLU of all demands of this priority or
/// higher (under the final splits), and the certified lower bound on its optimum.
public struct SolveStage: Sendable, Equatable, Codable {
    public var priority: Int
    public var mlu: Double
    public var lowerBound: Double
    /// (mlu − lowerBound) / lowerBound; 0 when both are 0.
    public var gap: Double
    public var sweeps: Int
    /// The smoothing parameter μ the stage ended with (a warm start resumes from it).
    public var smoothing: Double

    public init(priority: Int, mlu: Double, lowerBound: Double, gap: Double, sweeps: Int, smoothing: Double) {
        self.priority = priority
        self.mlu = mlu
        self.lowerBound = lowerBound
        self.gap = gap
        self.sweeps = sweeps
        self.smoothing = smoothing
    }
}

/// Something about the input or the answer that the user should know; the solve still answers.
public struct SolveNote: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, Codable {
        /// A demand lists no path: its volume is left out.
        case noPath = "no-path"
        /// Every path of a demand crosses a zero-capacity link: its volume is left out.
        case noUsablePath = "no-usable-path"
        /// A link has zero capacity: paths across it carry nothing; it is left out of the MLU.
        case zeroCapacity = "zero-capacity"
        /// The best MLU is above 1: the demands do not fit.
        case infeasible
        /// The stage stopped at the sweep limit above the requested gap.
        case gapNotReached = "gap-not-reached"
        /// A warm start stopped above the requested gap and a cold solve certified a lower one:
        /// the answer is the cold solve's.
        case warmStartDiscarded = "warm-start-discarded"
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The answer of `MLUSolver.solve`.
public struct SolveSolution: Sendable, Equatable {
    /// Per path (problem order): flow in volume units.
    public var flow: [Double]
    /// Per path: fraction of its demand's volume; each demand's fractions sum to 1 (a demand with
    /// no usable path splits evenly over its paths, and carries nothing).
    public var split: [Double]
    /// Per link: utilization with every demand placed (+∞ on a zero-capacity link that carries load).
    public var utilization: [Double]
    /// Largest utilization over links with a positive capacity.
    public var mlu: Double
    /// Certified lower bound on the optimal MLU of the last stage (all priorities).
    public var lowerBound: Double
    public var gap: Double
    /// One per distinct priority, highest first.
    public var stages: [SolveStage]
    /// The largest certified gap of any priority stage (0 without stages).
    public var worstStageGap: Double { stages.map(\.gap).max() ?? 0 }
    public var notes: [SolveNote]
    /// Total sweeps over all stages (work done; a warm start needs fewer).
    public var sweeps: Int
    /// Per stage (as `stages`): the normalized link weights y (Σ y = 1) whose bound
    /// Σ y_e·load_e/c_e + Σ_d v_d·min_p Σ_{e∈p} y_e/c_e is the stage's `lowerBound`; empty when none.
    public var duals: [[Double]]
    /// Per stage (as `duals`): each demand's cheapest-path cost under that stage's dual, normalized
    /// like it (+∞ without a usable path), or 0 — a lower estimate, so the bound they give stays
    /// valid — for a demand a warm stage left out because none of its flow was near the top (its
    /// paths weigh < e⁻²⁰ of the top link's); empty when not known.
    public var dualPathCosts: [[Double]]
    /// The problem's structure (capacities, priorities, paths; not volumes or loads):
    /// `dualPathCosts` stay valid for any problem with the same structure.
    public var structure: SolveStructure?
    /// Flat per stage (stage-major, one row per link): the flow of the demands of that stage's
    /// priority or higher on each link (no background load); empty when not known.
    public var stageLinkFlow: [Double]
    /// Per stage k (as `duals`): the hold multipliers z ≥ 0 of its certificate, flat, k rows of
    /// one weight per link (row j: the hold on the MLU of priorities ≤ stage j's); empty when the
    /// certificate is the plain bound. The stage's `lowerBound` is then
    /// Σ_e y_e·load_e/c_e + Σ_{j<k} Σ_e z_j,e·(load_e/c_e − H_j) + Σ_d v_d·min_p Σ_{e∈p} (y_e + Σ_{j≥level(d)} z_j,e)/c_e
    /// with the holds H_j of `holdCaps` (docs/solve.md, "Hold-aware lower bound").
    public var holdDuals: [[Double]]
    /// Per stage k: the holds H_j (j < k) its certificate is stated under: those it ran under (the
    /// MLU stage j reached, times 1 + hold slack), or, where that bounds higher, the MLUs this
    /// answer reports for the earlier priorities (docs/solve.md, "Restated under the reported
    /// MLUs"). At least those MLUs, to about 1e-8 after an exact stage.
    public var holdCaps: [[Double]]
    /// The certified gap the solve was asked for (`SolveOptions.gap`); nil when not known.
    public var askedGap: Double?

    public init(
        flow: [Double], split: [Double], utilization: [Double], mlu: Double, lowerBound: Double, gap: Double,
        stages: [SolveStage], notes: [SolveNote], sweeps: Int, duals: [[Double]] = [],
        dualPathCosts: [[Double]] = [], structure: SolveStructure? = nil, stageLinkFlow: [Double] = [],
        holdDuals: [[Double]] = [], holdCaps: [[Double]] = [], askedGap: Double? = nil
    ) {
        self.askedGap = askedGap
        self.holdDuals = holdDuals
        self.holdCaps = holdCaps
        self.stageLinkFlow = stageLinkFlow
        self.duals = duals
        self.dualPathCosts = dualPathCosts
        self.structure = structure
        self.flow = flow
        self.split = split
        self.utilization = utilization
        self.mlu = mlu
        self.lowerBound = lowerBound
        self.gap = gap
        self.stages = stages
        self.notes = notes
        self.sweeps = sweeps
    }
}

/// Relative gap of a value above a lower bound; 0 when both are (near) 0.
func relativeGap(_ value: Double, lowerBound: Double) -> Double {
    if lowerBound > 1e-300 { return max(0, (value - lowerBound) / lowerBound) }
    return value <= 1e-300 ? 0 : .infinity
}

/// What a dual's per-demand path costs depend on: capacities, priorities and paths (not volumes or
/// loads). Holds the problem's own arrays (copy-on-write: no copy), so comparing the structure of
/// a re-solved problem built from the previous one is O(1) (same buffers), else one element-wise
/// compare.
///
/// A structure taken from a solve's answer also carries the solver's flat buffers built from it
/// (a cache: not part of equality), which a warm solve of an equal structure reuses.
public struct SolveStructure: Sendable, Equatable {
    public var capacity: [Double]
    public var priority: [Int]
    public var demandPathStart: [Int]
    public var pathLinkStart: [Int]
    public var pathLinks: [Int32]
    /// The solver's buffers for exactly these arrays (nil: none cached).
    var buffers: SolveBuffers?

    public init(_ problem: SolveProblem) {
        capacity = problem.capacity
        priority = problem.priority
        demandPathStart = problem.demandPathStart
        pathLinkStart = problem.pathLinkStart
        pathLinks = problem.pathLinks
        buffers = nil
    }

    public static func == (a: SolveStructure, b: SolveStructure) -> Bool {
        a.capacity == b.capacity && a.priority == b.priority && a.demandPathStart == b.demandPathStart
            && a.pathLinkStart == b.pathLinkStart && a.pathLinks == b.pathLinks
    }

    /// The same structure without its cached buffers (a warm solve then rebuilds them).
    public func withoutCache() -> SolveStructure {
        var s = self
        s.buffers = nil
        return s
    }
}
