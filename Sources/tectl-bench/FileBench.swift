import ArgumentParser
import Foundation
import TECore
import TEInstances

/// `tectl-bench solve-file FILE...`: the warm-start figures of `solve-seeds` for problems a user
/// brings (any file `tectl solve` reads). Per file: the cold solve's certified gap; then every
/// demand's volume changed by up to ±`--change` (seeded), and a cold solve of the changed problem
/// against a warm re-solve from the first answer, in process, fastest of `--repeats` in turns;
/// and, with `--cycles N`, N more such changes, each warm-started from the previous warm answer.
struct FileBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve-file",
        abstract: "Cold vs warm re-solve on your own problem files (no LP).",
        discussion: "Each file is read as `tectl solve` reads it. The volumes change by up to ±--change per cycle (the seed picks the changes), and the warm re-solve starts from the previous answer, as the daemon's cycles do."
    )

    @Argument(help: "Problem files (docs/solve.md).")
    var files: [String]

    @Option(help: "Largest relative change of each demand's volume per cycle.")
    var change = 0.05

    @Option(help: "Seed of the volume changes.")
    var seed: UInt64 = 1

    @Option(help: "Cycles after the first re-solve, each warm-started from the previous one.")
    var cycles = 0

    @Option(help: "Cold and warm solves are timed as the fastest of this many runs, in turns.")
    var repeats = 11

    @Option(help: "Certified gap each solve stops at.")
    var gap = 0.01

    @Flag(help: "Also print each answer's priorities: MLU, certified gap, sweeps (0: solved exactly).")
    var stages = false

    func validate() throws {
        guard change > 0, change < 1 else { throw ValidationError("--change must be in (0, 1), got \(change)") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard cycles >= 0 else { throw ValidationError("--cycles must be at least 0") }
        guard gap > 0, gap < 1 else { throw ValidationError("--gap must be in (0, 1), got \(gap)") }
    }

    func run() throws {
        let options = SolveOptions(gap: gap)
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ValidationError("\(file): cannot read (\(error.localizedDescription))")
            }
            let problem: SolveProblem
            do {
                problem = try SolveProblemParser.parse(bytes)
            } catch {
                throw ValidationError("\(file): \(error)")
            }
            let first = MLUSolver.solve(problem, options: options)
            let size = "\(problem.linkCount) links, \(problem.demandCount) demands, \(problem.pathCount) paths"
            print("\(file): \(size); cold: MLU \(pct(first.mlu)), certified \(pct(first.worstStageGap)), \(first.sweeps) sweeps")
            var previous = first
            var changed = problem
            var ratios: [Double] = []
            for cycle in 0...cycles {
                changed = InstanceGenerator.perturbed(changed, by: change, seed: seed &+ UInt64(cycle))
                let start = WarmStart(previous)
                let next = changed
                let (fastest, answers) = timedInTurns([
                    { MLUSolver.solve(next, options: options) },
                    { MLUSolver.solve(next, options: options, warmStart: start) },
                ], repeats: repeats)
                let ratio = fastest[0] / max(fastest[1], 1e-6)
                ratios.append(ratio)
                let label = cycle == 0 ? "after" : "cycle \(cycle), after"
                let cold = String(format: "%.2f ms", fastest[0]) + " (\(answers[0].sweeps) sweeps, certified \(pct(answers[0].worstStageGap)))"
                let warm = String(format: "%.2f ms", fastest[1]) + " (\(answers[1].sweeps) sweeps, certified \(pct(answers[1].worstStageGap)))"
                print("  \(label) ±\(pct(change)): cold \(cold), warm \(warm), " + String(format: "%.1f×", ratio))
                if stages {
                    for (name, answer) in [("cold", answers[0]), ("warm", answers[1])] {
                        let text = answer.stages.map { "\($0.priority): \(pct($0.mlu)) \(pct($0.gap)) \($0.sweeps)" }.joined(separator: ", ")
                        print("    \(name) per priority (MLU, certified gap, sweeps): \(text)")
                    }
                }
                previous = answers[1]
            }
            if cycles > 0, let low = ratios.min() {
                print("  warm × lowest \(String(format: "%.1f", low)), median \(String(format: "%.1f", median(ratios)))")
            }
        }
    }
}
