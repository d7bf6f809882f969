/// The path-selection problem: links with a capacity and a load that tectl does not steer,
/// demands with a volume, a priority (0 is the highest) and candidate paths (lists of links).
///
/// Stored flat for speed: paths are in compressed-sparse-row form. Demand `d` owns the paths
/// `demandPathStart[d] ..< demandPathStart[d + 1]`; path `p` crosses the links
/// `pathLinks[pathLinkStart[p] ..< pathLinkStart[p + 1]]`. Volumes, capacities and loads share
/// one unit (any unit: bit/s, Gbit/s, "flows").
public struct SolveProblem: Sendable, Equatable {
    public var linkNames: [String]
    public var capacity: [Double]
    public var load: [Double]

    public var demandNames: [String]
    public var volume: [Double]
    public var priority: [Int]
    public var demandPathStart: [Int]
    public var pathLinkStart: [Int]
    public var pathLinks: [Int32]

    public init() {
        linkNames = []
        capacity = []
        load = []
        demandNames = []
        volume = []
        priority = []
        demandPathStart = [0]
        pathLinkStart = [0]
        pathLinks = []
    }

    public var linkCount: Int { capacity.count }
    public var demandCount: Int { volume.count }
    public var pathCount: Int { pathLinkStart.count - 1 }

    /// Adds a link; returns its index. Capacity and load must be finite and ≥ 0 (the parser checks).
    @discardableResult
    public mutating func addLink(name: String, capacity: Double, load: Double = 0) -> Int {
        linkNames.append(name)
        self.capacity.append(capacity)
        self.load.append(load)
        return linkNames.count - 1
    }

    /// Adds a demand over `paths` (lists of link indices); returns its index.
    @discardableResult
    public mutating func addDemand(name: String, volume: Double, priority: Int = 0, paths: [[Int]]) -> Int {
        demandNames.append(name)
        self.volume.append(volume)
        self.priority.append(priority)
        for path in paths {
            for link in path { pathLinks.append(Int32(link)) }
            pathLinkStart.append(pathLinks.count)
        }
        demandPathStart.append(pathLinkStart.count - 1)
        return self.volume.count - 1
    }

    /// Records a demand's name, volume and priority; the scanner appends its paths with
    /// `appendLink(_:)`/`endPath()` (before or after this call) and closes it with `endDemand()`.
    mutating func beginDemand(name: String, volume: Double, priority: Int) {
        demandNames.append(name)
        self.volume.append(volume)
        self.priority.append(priority)
    }

    mutating func appendLink(_ link: Int32) { pathLinks.append(link) }
    mutating func endPath() { pathLinkStart.append(pathLinks.count) }
    mutating func endDemand() { demandPathStart.append(pathLinkStart.count - 1) }

    /// Paths of demand `d`, as a range of path indices.
    public func paths(of d: Int) -> Range<Int> { demandPathStart[d]..<demandPathStart[d + 1] }

    /// Links of path `p`.
    public func links(of p: Int) -> ArraySlice<Int32> { pathLinks[pathLinkStart[p]..<pathLinkStart[p + 1]] }

    /// Link utilization for per-path flows (volume units), counting only demands whose priority
    /// is ≤ `upToPriority` when given. Zero-capacity links: 0 when nothing crosses them, else +∞.
    public func utilization(flows: [Double], upToPriority: Int? = nil) -> [Double] {
        var total = load
        for d in 0..<demandCount where upToPriority.map({ priority[d] <= $0 }) ?? true {
            for p in paths(of: d) where flows[p] != 0 {
                for e in links(of: p) { total[Int(e)] += flows[p] }
            }
        }
        return zip(total, capacity).map { t, c in c > 0 ? t / c : (t > 0 ? .infinity : 0) }
    }

    /// Largest utilization over the links (0 when there are none).
    public func maxUtilization(flows: [Double], upToPriority: Int? = nil) -> Double {
        utilization(flows: flows, upToPriority: upToPriority).max() ?? 0
    }

    /// Per-path flows from per-path splits (fractions of each demand's volume).
    public func flows(splits: [Double]) -> [Double] {
        var f = [Double](repeating: 0, count: pathCount)
        for d in 0..<demandCount {
            for p in paths(of: d) { f[p] = splits[p] * volume[d] }
        }
        return f
    }
}
