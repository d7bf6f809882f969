import ArgumentParser
import Foundation
import TECore
import TEInstances

/// `tectl-bench solve-random`: many small random instances (random paths over random links,
/// 1–4 priorities, often tight), each solved by tectl and by the exact LP; prints how far each
/// priority stage of tectl's answer is above the LP's, and the worst.
///
/// Unlike the fabric instances of `solve`, these have no structure to lean on: flat optima,
/// single-path demands, and holds of earlier priorities that bind on many links at once.
struct RandomBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve-random",
        abstract: "tectl solve vs the exact LP on many small random multi-priority instances.",
        discussion: "Needs `pip install scipy numpy` for the LP (scripts/lp_reference.py)."
    )

    @Option(help: "How many instances.")
    var count = 100

    @Option(help: "Seed of the first instance (instance i uses seed + i).")
    var seed: UInt64 = 1

    @Option(help: "Directory for the generated problem files.")
    var out = "/tmp/tectl-bench-random"

    @Option(help: "The LP reference script.")
    var lpScript = "scripts/lp_reference.py"

    @Option(help: "Python interpreter for the LP.")
    var python = "python3"

    @Option(help: "Certified gap tectl stops at.")
    var gap = 0.01

    @Flag(help: "Print every instance, not only those with a stage more than the gap above the LP.")
    var verbose = false

    @Flag(help: ArgumentHelp(
        "Also compare each stage with the LP's optimum given tectl's holds (a second LP run).",
        discussion: "A lexicographic optimum can move far when an earlier stage ends elsewhere within its gap; the conditional optimum holds each earlier priority at the MLU its row has in tectl's answer, so it measures each stage alone."
    ))
    var conditional = false

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var above = 0, uncertified = 0, compared = 0, lpFailed = 0
        var conditionalAbove = 0, conditionalStages = 0, conditionalReported = 0, conditionalFailed = 0
        var conditionalWorst = (gap: 0.0, seed: seed)
        var worst = (gap: 0.0, seed: seed)
        var stageGaps: [Double] = []
        for i in 0..<UInt64(count) {
            let s = seed &+ i
            let problem = InstanceGenerator.random(seed: s)
            let file = "\(out)/random-\(s).json"
            try InstanceGenerator.json(problem).write(toFile: file, atomically: true, encoding: .utf8)
            // The same bytes tectl solve would read.
            let parsed = try SolveProblemParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
            let solution = MLUSolver.solve(parsed, options: SolveOptions(gap: gap))
            let lp: [Double]
            do {
                lp = try lpStages(file)
            } catch {
                // One LP that fails is that instance's line, not the end of the run.
                lpFailed += 1
                print("seed \(s): the LP failed: \(error)")
                continue
            }
            guard lp.count == solution.stages.count else {
                print("seed \(s): the LP answered \(lp.count) stages, tectl \(solution.stages.count)")
                continue
            }
            compared += 1
            var instanceWorst = -Double.infinity
            for (stage, optimum) in zip(solution.stages, lp) {
                let g = optimum > 0 ? (stage.mlu - optimum) / optimum : 0
                stageGaps.append(g)
                instanceWorst = max(instanceWorst, g)
            }
            let certified = solution.worstStageGap
            var conditionalLine = ""
            var instanceAbove = false
            if conditional, solution.stages.count > 1 {
                // Each earlier priority held at the MLU its row has in tectl's answer: that answer
                // is feasible for the LP, so the LP's optimum is at most tectl's for every stage,
                // and the difference is what tectl left on the table given the room it used (the
                // hold slack is not handed to the LP: a 0.2% looser hold can lower a later
                // optimum by several percent).
                let holds = solution.stages.map(\.mlu)
                let given: [Double]
                do {
                    given = try lpStages(file, holds: holds)
                } catch {
                    conditionalFailed += 1
                    print("seed \(s): the conditional LP failed: \(error)")
                    given = []
                }
                for (stage, optimum) in zip(solution.stages, given).dropFirst() where optimum > 0 {
                    let g = (stage.mlu - optimum) / optimum
                    if g > gap + 1e-9 {
                        conditionalStages += 1
                        instanceAbove = true
                        if stage.gap > gap + 1e-9 { conditionalReported += 1 }
                    }
                    if g > conditionalWorst.gap { conditionalWorst = (g, s) }
                }
                if instanceAbove { conditionalAbove += 1 }
                conditionalLine = given.isEmpty ? "; the conditional LP failed"
                    : "; given tectl's holds " + zip(solution.stages, given).map { String(format: "%.4f/%.4f", $0.mlu, $1) }.joined(separator: " ")
            }
            if instanceWorst > gap + 1e-9 { above += 1 }
            if certified > gap + 1e-9 { uncertified += 1 }
            if instanceWorst > worst.gap { worst = (instanceWorst, s) }
            if verbose || instanceWorst > gap + 1e-9 || instanceAbove {
                let stages = zip(solution.stages, lp).map { String(format: "%.4f/%.4f", $0.mlu, $1) }.joined(separator: " ")
                print("seed \(s): \(parsed.linkCount) links, \(parsed.demandCount) demands, \(solution.stages.count) priorities; "
                    + String(format: "worst stage %+.2f%% vs LP; certified %.2f%%; ", instanceWorst * 100, certified * 100)
                    + "tectl/LP per stage \(stages)\(conditionalLine)")
            }
        }
        let sorted = stageGaps.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        print(String(format: "%d instances, %d stages: %d with a stage more than %.1f%% above the LP (worst %+.2f%%, seed %llu); "
            + "median stage %+.3f%%; %d stopped above the asked certified gap",
            compared, stageGaps.count, above, gap * 100, worst.gap * 100, worst.seed, median * 100, uncertified)
            + (lpFailed == 0 ? "" : "; the LP failed on \(lpFailed) instances (left out)"))
        if conditional {
            print(String(format: "given tectl's holds: %d instances with a stage more than %.1f%% above the LP's conditional optimum (%d stages, %d of them reported by tectl as above the asked gap; worst %+.2f%%, seed %llu)",
                conditionalAbove, gap * 100, conditionalStages, conditionalReported, conditionalWorst.gap * 100, conditionalWorst.seed)
                + (conditionalFailed == 0 ? "" : "; the conditional LP failed on \(conditionalFailed) instances"))
        }
    }

    /// Per-priority optima from the LP script (whole priorities in order); with `holds`, each
    /// earlier priority j is held at holds[j] instead of the LP's own optimum.
    func lpStages(_ file: String, holds: [Double] = []) throws -> [Double] {
        let extra = holds.isEmpty ? [] : ["--holds", holds.map { String($0) }.joined(separator: ",")]
        let (data, _) = try runCommand(python, [lpScript, file] + extra)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("\(lpScript) \(file): no JSON answer")
        }
        return (object["priorities"] as? [[String: Any]] ?? []).compactMap { $0["mlu"] as? Double }
    }
}
