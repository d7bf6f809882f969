import ArgumentParser
import Foundation
import TECore
import TEInstances

/// `tectl-bench solve-seeds`: the instances of `solve` over many seeds, the way to look at
/// instances nobody tuned on. Per instance and seed: the cold solve's certified gap, and the
/// first warm re-solve after every demand changed by up to ±5% against a cold solve of the
/// same changed problem (in process, fastest of `--repeats`, in turns: the same figures as the
/// `warm ×` column of `solve --seed N`); and how far above its fractional MLU the cold answer's
/// weights quantized to 64-entry groups put the MLU. Then, per instance, how many seeds certify
/// within the gap asked, how many warm re-solves reach the target ratio, and the worst
/// quantization. No LP (see `solve`).
struct SeedsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve-seeds",
        abstract: "Certified gaps and warm/cold ratios of the solve instances over many seeds (no LP)."
    )

    @Option(help: "Seeds: numbers and ranges, e.g. 1-40,99,100.")
    var seeds = "1-24"

    @OptionGroup var selection: InstanceSelection

    @Option(help: "Cold and warm solves are timed as the fastest of this many runs, in turns.")
    var repeats = 11

    @Option(help: "The warm/cold ratio counted in the summary.")
    var target = 10.0

    /// "1-3,7" → [1, 2, 3, 7].
    static func parseSeeds(_ text: String) throws -> [UInt64] {
        var seeds: [UInt64] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = UInt64(bounds[0]), let high = UInt64(bounds[bounds.count - 1]), low <= high else {
                throw ValidationError("--seeds: \"\(part)\" is not a seed or a range such as 1-40")
            }
            seeds.append(contentsOf: low...high)
        }
        guard !seeds.isEmpty else { throw ValidationError("--seeds: no seed given") }
        return seeds
    }

    struct Result {
        var seed: UInt64 = 0
        var certifiedGap = 0.0
        var coldMs = 0.0, warmMs = 0.0
        var coldSweeps = 0, warmSweeps = 0
        var warmGap = 0.0
        /// The MLU of the cold answer's weights quantized to 64-entry groups, relative to its
        /// fractional MLU (+0.01: 1% above).
        var quantizedExcess = 0.0
        var ratio: Double { coldMs / max(warmMs, 1e-6) }
    }

    func run() throws {
        let list = try Self.parseSeeds(seeds)
        let names = SolveBench.instances(seed: 0).map(\.name).filter(selection.selects)
        guard !names.isEmpty else { throw ValidationError("--only: no instance name contains \"\(selection.only ?? "")\"") }
        let options = SolveOptions(gap: selection.gap)
        var results: [(name: String, runs: [Result])] = []
        for name in names {
            var runs: [Result] = []
            for seed in list {
                guard let spec = SolveBench.instances(seed: seed).first(where: { $0.name == name }) else { continue }
                // Through the JSON text, as `solve` does: the same instance, to the printed digit.
                let problem = try SolveProblemParser.parse([UInt8](InstanceGenerator.json(InstanceGenerator.make(spec)).utf8))
                let first = MLUSolver.solve(problem, options: options)
                let changed = InstanceGenerator.perturbed(problem, by: 0.05, seed: seed &+ 99)
                let start = WarmStart(first)
                let (fastest, answers) = timedInTurns([
                    { MLUSolver.solve(changed, options: options) },
                    { MLUSolver.solve(changed, options: options, warmStart: start) },
                ], repeats: repeats)
                var r = Result()
                r.seed = seed
                r.certifiedGap = first.worstStageGap
                r.coldMs = fastest[0]
                r.warmMs = fastest[1]
                r.coldSweeps = answers[0].sweeps
                r.warmSweeps = answers[1].sweeps
                r.warmGap = answers[1].worstStageGap
                r.quantizedExcess = QuantizedSolution(problem: problem, solution: first, tableSize: 64).mlu / max(first.mlu, 1e-12) - 1
                runs.append(r)
                emit("\(name) seed \(seed): certified \(pct(r.certifiedGap)); after ±5%: cold \(f2(r.coldMs)) ms (\(r.coldSweeps) sweeps), "
                    + "warm \(f2(r.warmMs)) ms (\(r.warmSweeps) sweeps, gap \(pct(r.warmGap))), \(String(format: "%.1f×", r.ratio)); q64 MLU \(String(format: "%+.2f%%", r.quantizedExcess * 100))")
            }
            results.append((name, runs))
        }
        print("")
        print("| instance | seeds | certified ≤ \(pct(selection.gap)) | worst certified gap | cold (median) | first warm re-solve ≥ \(String(format: "%g", target))× | warm × lowest / median | below \(String(format: "%g", target))× (seed: ratio) | q64 MLU vs fractional, worst |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (name, runs) in results where !runs.isEmpty {
            let within = runs.filter { $0.certifiedGap <= selection.gap + 1e-12 }.count
            let worst = runs.max { $0.certifiedGap < $1.certifiedGap }!
            let ratios = runs.map(\.ratio)
            let below = runs.filter { $0.ratio < target }
            let q64 = runs.map(\.quantizedExcess).max() ?? 0
            let belowText = below.isEmpty ? "–" : below.map { "\($0.seed): \(String(format: "%.1f", $0.ratio))" }.joined(separator: ", ")
            print("| \(name) | \(runs.count) | \(within) | \(pct(worst.certifiedGap)) (seed \(worst.seed)) | \(f2(median(runs.map(\.coldMs)))) ms | \(runs.count - below.count) | \(String(format: "%.1f× / %.1f×", ratios.min() ?? 0, median(ratios))) | \(belowText) | \(String(format: "%+.2f%%", q64 * 100)) |")
        }
    }

    func f2(_ v: Double) -> String { String(format: v < 10 ? "%.2f" : "%.1f", v) }
}
