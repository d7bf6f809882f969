/// The solver's read-only flat buffers derived from a problem's structure (capacities,
/// priorities, paths): inverse capacities, path and link offsets, link lists, priority levels,
/// usable-path marks and per-demand usable-path counts.
///
/// Built once by a cold solve (one pass over every path and path-link) and carried by the
/// answer's `SolveStructure`, so a warm re-solve of a problem with the same structure reuses
/// them instead of copying the paths again. Immutable after `init` (the pointers are written
/// only there and freed in `deinit`), hence safe to share across tasks.
final class SolveBuffers: @unchecked Sendable {
    let linkCount: Int
    let demandCount: Int
    let pathCount: Int
    /// Distinct priorities, highest (smallest) first.
    let levels: [Int]
    let liveLinkCount: Int
    let invCap: UnsafeMutablePointer<Double>
    let pathStart: UnsafeMutablePointer<Int>
    let linkStart: UnsafeMutablePointer<Int>
    let links: UnsafeMutablePointer<Int32>
    /// Per demand: index of its priority in `levels`.
    let level: UnsafeMutablePointer<Int>
    let pathLive: UnsafeMutablePointer<Bool>
    /// Per demand: how many of its paths are usable.
    let livePaths: UnsafeMutablePointer<Int>
    /// The paths across each link (links → paths, the transpose of `linkStart`/`links`):
    /// `linkPaths[linkPathStart[e]..<linkPathStart[e + 1]]`, by level, then in path order. A
    /// warm start finds the demands on its hottest links from these without a pass over every
    /// path.
    let linkPathStart: UnsafeMutablePointer<Int>
    let linkPaths: UnsafeMutablePointer<Int32>
    /// Per link and level k: where the link's paths of levels ≤ k end in `linkPaths`
    /// (`linkLevelEnd[e * levels.count + k]`). A stage k < the last walks only those: on
    /// fattree-k8-tight, stage 0's 375 of the 2,000 demands.
    let linkLevelEnd: UnsafeMutablePointer<Int>
    /// Per path: its demand.
    let pathDemand: UnsafeMutablePointer<Int32>

    init(_ problem: SolveProblem) {
        linkCount = problem.linkCount
        demandCount = problem.demandCount
        pathCount = problem.pathCount
        levels = Array(Set(problem.priority)).sorted()
        let levelIndex = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        func copy<T>(_ a: [T], fill: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
            p.initialize(repeating: fill, count: max(1, a.count))
            a.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { p.update(from: base, count: source.count) }
            }
            return p
        }
        invCap = copy(problem.capacity.map { $0 > 0 ? 1 / $0 : 0 }, fill: 0)
        pathStart = copy(problem.demandPathStart, fill: 0)
        linkStart = copy(problem.pathLinkStart, fill: 0)
        links = copy(problem.pathLinks, fill: 0)
        level = copy(problem.priority.map { levelIndex[$0] ?? 0 }, fill: 0)
        pathLive = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, problem.pathCount))
        pathLive.initialize(repeating: false, count: max(1, problem.pathCount))
        livePaths = UnsafeMutablePointer<Int>.allocate(capacity: max(1, problem.demandCount))
        livePaths.initialize(repeating: 0, count: max(1, problem.demandCount))
        liveLinkCount = problem.capacity.filter { $0 > 0 }.count
        for p in 0..<pathCount {
            var live = linkStart[p + 1] > linkStart[p]
            for i in linkStart[p]..<linkStart[p + 1] where invCap[Int(links[i])] == 0 { live = false }
            pathLive[p] = live
        }
        pathDemand = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, pathCount))
        pathDemand.initialize(repeating: 0, count: max(1, pathCount))
        for d in 0..<demandCount {
            var n = 0
            for p in pathStart[d]..<pathStart[d + 1] {
                if pathLive[p] { n += 1 }
                pathDemand[p] = Int32(d)
            }
            livePaths[d] = n
        }
        // Counting sort of the path-link entries by link and level (stable: path order within).
        let entries = pathCount > 0 ? linkStart[pathCount] : 0
        let L = max(1, levels.count)
        let buckets = linkCount * L
        linkLevelEnd = UnsafeMutablePointer<Int>.allocate(capacity: max(1, buckets))
        linkLevelEnd.initialize(repeating: 0, count: max(1, buckets))
        for p in 0..<pathCount {
            let lv = level[Int(pathDemand[p])]
            for i in linkStart[p]..<linkStart[p + 1] { linkLevelEnd[Int(links[i]) * L + lv] += 1 }
        }
        // Running sums: bucket b ends where buckets 0…b end.
        var total = 0
        for b in 0..<buckets {
            total += linkLevelEnd[b]
            linkLevelEnd[b] = total
        }
        linkPathStart = UnsafeMutablePointer<Int>.allocate(capacity: linkCount + 1)
        linkPathStart.initialize(repeating: 0, count: linkCount + 1)
        for e in 0..<linkCount { linkPathStart[e + 1] = linkLevelEnd[e * L + L - 1] }
        linkPaths = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, entries))
        linkPaths.initialize(repeating: 0, count: max(1, entries))
        // Each bucket's next free slot: where the bucket before it ends.
        let next = UnsafeMutablePointer<Int>.allocate(capacity: max(1, buckets))
        defer { next.deallocate() }
        for b in 0..<buckets { next[b] = b == 0 ? 0 : linkLevelEnd[b - 1] }
        for p in 0..<pathCount {
            let lv = level[Int(pathDemand[p])]
            for i in linkStart[p]..<linkStart[p + 1] {
                let b = Int(links[i]) * L + lv
                linkPaths[next[b]] = Int32(p)
                next[b] += 1
            }
        }
    }

    deinit {
        invCap.deallocate()
        pathStart.deallocate()
        linkStart.deallocate()
        links.deallocate()
        level.deallocate()
        pathLive.deallocate()
        livePaths.deallocate()
        linkPathStart.deallocate()
        linkPaths.deallocate()
        linkLevelEnd.deallocate()
        pathDemand.deallocate()
    }
}
