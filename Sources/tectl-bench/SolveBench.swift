import ArgumentParser
import Foundation
import TECore
import TEInstances

/// `tectl-bench solve`: tectl's solver against an exact LP (HiGHS via scipy) on generated instances.
struct SolveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "tectl solve vs an exact LP (scripts/lp_reference.py), cold vs warm start, 64-entry quantization.",
        discussion: """
            Needs `pip install scipy numpy` for the LP. Build both executables in release mode first: \
            swift build -c release. Both solvers are timed as whole commands (process start to exit, \
            including reading the problem file).
            """
    )

    @Option(help: "Directory for the generated problem files.")
    var out = "/tmp/tectl-bench-solve"

    @Option(help: "The tectl executable (default: next to tectl-bench).")
    var tectl: String?

    @Option(help: "The LP reference script.")
    var lpScript = "scripts/lp_reference.py"

    @Option(help: "Python interpreter for the LP.")
    var python = "python3"

    @Option(help: "Seed of the generated instances (use another seed for instances not tuned on).")
    var seed: UInt64 = 1

    @OptionGroup var selection: InstanceSelection

    @Flag(help: "Skip the LP (tectl figures only).")
    var skipLp = false

    @Option(help: "HiGHS method for the LP (highs-ipm, highs-ds, highs).")
    var lpMethod = "highs-ipm"

    @Option(help: "Seconds after which the LP is stopped; its time is then a lower bound.")
    var lpTimeout = 900.0

    @Option(help: "In-process cold and warm solves are timed as the fastest of this many runs.")
    var repeats = 5

    @Option(help: "Controller cycles after the first warm re-solve: each changes every demand of the previous cycle by ±5% and warm-starts from the previous cycle's warm answer (0: none).")
    var cycles = 8

    static func instances(seed: UInt64) -> [InstanceSpec] {
        [
            InstanceSpec(name: "fattree-k8-loose", topology: .fatTree(k: 8), demands: 2_000, paths: 4...8, tight: false, seed: seed),
            InstanceSpec(name: "fattree-k8-tight", topology: .fatTree(k: 8), demands: 2_000, paths: 4...8, tight: true, seed: seed),
            InstanceSpec(name: "fattree-k16-tight-8k", topology: .fatTree(k: 16), demands: 8_000, paths: 4...8, tight: true, seed: seed),
            InstanceSpec(name: "wan-300-loose", topology: .wan(nodes: 300), demands: 6_000, paths: 4...8, tight: false, seed: seed),
            InstanceSpec(name: "wan-300-tight", topology: .wan(nodes: 300), demands: 6_000, paths: 4...8, tight: true, seed: seed),
            InstanceSpec(name: "fattree-k32-loose", topology: .fatTree(k: 32), demands: 16_000, paths: 8...8, tight: false, seed: seed),
            // The largest tight instance the LP finishes (~2,000 links, 16,000 demands): the speed target's row.
            InstanceSpec(name: "fattree-k12-tight-16k", topology: .fatTree(k: 12), demands: 16_000, paths: 8...8, tight: true, seed: seed),
            // Larger still; the LP may not finish within --lp-timeout (then its time is a lower bound).
            InstanceSpec(name: "fattree-k16-tight-16k", topology: .fatTree(k: 16), demands: 16_000, paths: 8...8, tight: true, seed: seed),
        ]
    }

    struct Row {
        var name = ""
        var links = 0, demands = 0, paths = 0
        var fileMB = 0.0
        var tectlSeconds = 0.0
        var tectlMLU: [Double] = []
        var certifiedGap = 0.0
        var lpSeconds: Double?
        var lpMLU: [Double] = []
        var lpTimedOut = false
        var parseMs = 0.0, coldMs = 0.0, warmMs = 0.0
        /// Second change model: 5% of the demands change by up to ±50%, the rest stay.
        var cold2Ms = 0.0, warm2Ms = 0.0, warm2Gap = 0.0
        var warm2Sweeps = 0
        var coldSweeps = 0, warmSweeps = 0
        var warmGap = 0.0, coldGap = 0.0
        var fractionalMLU = 0.0, quantizedMLU = 0.0
        /// The later controller cycles (`--cycles`): cold/warm time ratio of each, the warm and
        /// cold sweeps over all of them, and the worst warm stage gap.
        var cycleRatios: [Double] = []
        var cycleWarmSweeps = 0, cycleColdSweeps = 0
        var cycleWarmGap = 0.0
        /// Whole commands after the ±5% change: `tectl solve` and `tectl solve --warm-start` (the
        /// first answer), fastest of 3 each, taking turns.
        var wholeColdSeconds = 0.0, wholeWarmSeconds = 0.0
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let tectlPath = tectl ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tectl").path
        var rows: [Row] = []
        let clock = ContinuousClock()
        for spec in Self.instances(seed: seed) where selection.selects(spec.name) {
            var row = Row()
            row.name = spec.name
            let problem = InstanceGenerator.make(spec)
            row.links = problem.linkCount
            row.demands = problem.demandCount
            row.paths = problem.pathCount
            let file = "\(out)/\(spec.name)-s\(seed).json"
            let text = InstanceGenerator.json(problem)
            row.fileMB = Double(text.utf8.count) / 1e6
            try text.write(toFile: file, atomically: true, encoding: .utf8)

            // Whole command: tectl.
            let (tectlOut, tectlTime) = try runCommand(tectlPath, ["solve", file, "--format", "json", "--gap", "\(selection.gap)"])
            row.tectlSeconds = tectlTime
            let answerFile = "\(out)/\(spec.name)-s\(seed).answer.json"
            try tectlOut.write(to: URL(fileURLWithPath: answerFile))
            if let obj = try JSONSerialization.jsonObject(with: tectlOut) as? [String: Any] {
                row.tectlMLU = (obj["priorities"] as? [[String: Any]] ?? []).compactMap { $0["mlu"] as? Double }
                row.certifiedGap = obj["gap"] as? Double ?? .nan
                for stage in obj["priorities"] as? [[String: Any]] ?? [] {
                    row.certifiedGap = max(row.certifiedGap, stage["gap"] as? Double ?? 0)
                }
            }
            // Whole command: the LP.
            if !skipLp {
                // Under timeout(1) with SIGKILL (HiGHS ignores SIGTERM): it stops the LP (exit 124) past --lp-timeout.
                let (lpOut, lpTime) = try runCommand("/usr/bin/timeout", ["-s", "KILL", String(Int(lpTimeout)), python, lpScript, file, "--method", lpMethod], timeout: lpTimeout)
                row.lpSeconds = lpTime
                if lpOut.isEmpty {
                    row.lpTimedOut = true
                } else if let obj = try JSONSerialization.jsonObject(with: lpOut) as? [String: Any] {
                    row.lpMLU = (obj["priorities"] as? [[String: Any]] ?? []).compactMap { $0["mlu"] as? Double }
                }
            }
            // In process: parse, cold solve, warm re-solve after a 5% demand change, quantization.
            let bytes = [UInt8](text.utf8)
            // The fastest of 5 parses (the machine is shared; the others measure interference).
            var t0 = clock.now
            var parsed = try SolveProblemParser.parse(bytes)
            row.parseMs = (clock.now - t0).milliseconds
            for _ in 0..<4 {
                t0 = clock.now
                parsed = try SolveProblemParser.parse(bytes)
                row.parseMs = min(row.parseMs, (clock.now - t0).milliseconds)
            }
            let options = SolveOptions(gap: selection.gap)
            let first = MLUSolver.solve(parsed, options: options)
            let changed = InstanceGenerator.perturbed(parsed, by: 0.05, seed: seed &+ 99)
            let some = InstanceGenerator.resampled(parsed, fraction: 0.05, seed: seed &+ 7)
            let start = WarmStart(first)
            // Whole commands on the changed problem, cold and from the first answer's file: what a
            // user of `tectl solve --warm-start` sees (parsing and printing included).
            let changedFile = "\(out)/\(spec.name)-s\(seed).changed.json"
            try InstanceGenerator.json(changed).write(toFile: changedFile, atomically: true, encoding: .utf8)
            row.wholeColdSeconds = .infinity
            row.wholeWarmSeconds = .infinity
            for _ in 0..<3 {
                row.wholeColdSeconds = min(row.wholeColdSeconds, try runCommand(tectlPath, ["solve", changedFile, "--format", "json", "--gap", "\(selection.gap)"]).1)
                row.wholeWarmSeconds = min(row.wholeWarmSeconds, try runCommand(tectlPath, ["solve", changedFile, "--format", "json", "--gap", "\(selection.gap)", "--warm-start", answerFile]).1)
            }
            // Solve only (the same parsed problem for cold and warm), fastest of `repeats` (the
            // machine is shared: the slower runs measure interference). The four solves take
            // turns, so a slow spell of the machine falls on cold and warm alike and their ratio
            // stays fair (timed one after the other, a spell during the warm runs alone had
            // moved a ratio by up to 1.6× with the same sweeps).
            let solves: [() -> SolveSolution] = [
                { MLUSolver.solve(changed, options: options) },
                { MLUSolver.solve(changed, options: options, warmStart: start) },
                { MLUSolver.solve(some, options: options) },
                { MLUSolver.solve(some, options: options, warmStart: start) },
            ]
            let (fastest, answers) = timedInTurns(solves, repeats: repeats)
            let cold = answers[0], warm = answers[1], warm2 = answers[3]
            row.coldMs = fastest[0]
            row.warmMs = fastest[1]
            row.coldSweeps = cold.sweeps
            row.warmSweeps = warm.sweeps
            row.coldGap = cold.worstStageGap
            row.warmGap = warm.worstStageGap
            row.cold2Ms = fastest[2]
            row.warm2Ms = fastest[3]
            row.warm2Sweeps = warm2.sweeps
            row.warm2Gap = warm2.worstStageGap
            // Later controller cycles: volumes drift ±5% a cycle from the previous cycle's, and each
            // warm start is the previous cycle's warm answer (the daemon's steady state), where
            // the column above starts from a cold answer. Cold and warm take turns, as above.
            var cycleProblem = changed
            var previous = warm
            for cycle in 0..<max(0, cycles) {
                cycleProblem = InstanceGenerator.perturbed(cycleProblem, by: 0.05, seed: seed &+ 99 &+ UInt64(cycle + 1) &* 7919)
                let cycleStart = WarmStart(previous)
                let problem = cycleProblem
                let (best, pair) = timedInTurns([
                    { MLUSolver.solve(problem, options: options) },
                    { MLUSolver.solve(problem, options: options, warmStart: cycleStart) },
                ], repeats: repeats)
                let coldAnswer = pair[0], warmAnswer = pair[1]
                row.cycleRatios.append(best[0] / max(best[1], 1e-6))
                row.cycleColdSweeps += coldAnswer.sweeps
                row.cycleWarmSweeps += warmAnswer.sweeps
                row.cycleWarmGap = max(row.cycleWarmGap, warmAnswer.worstStageGap)
                previous = warmAnswer
            }
            row.fractionalMLU = first.mlu
            row.quantizedMLU = QuantizedSolution(problem: parsed, solution: first, tableSize: 64).mlu
            rows.append(row)
            printRow(row)
        }
        print("")
        printSummary(rows)
    }

    func printRow(_ r: Row) {
        emit("\(r.name): \(r.links) links, \(r.demands) demands, \(r.paths) paths, \(String(format: "%.1f", r.fileMB)) MB; "
            + "tectl \(ms(r.tectlSeconds)) mlu \(list(r.tectlMLU)) certified gap \(pct(r.certifiedGap)); "
            + (r.lpSeconds.map { "LP \(r.lpTimedOut ? "stopped after " : "")\(ms($0)) mlu \(list(r.lpMLU)); " } ?? "")
            + "parse \(f1(r.parseMs)) ms (\(f1(r.parseMs / max(r.fileMB, 1e-9))) ms/MB), cold \(f1(r.coldMs)) ms (\(r.coldSweeps) sweeps, gap \(pct(r.coldGap))), "
            + "warm \(f1(r.warmMs)) ms (\(r.warmSweeps) sweeps, gap \(pct(r.warmGap))); "
            + "whole command after ±5%: cold \(ms(r.wholeColdSeconds)), --warm-start \(ms(r.wholeWarmSeconds)) (\(String(format: "%.1f×", r.wholeColdSeconds / max(r.wholeWarmSeconds, 1e-6)))); "
            + "5% of demands ±50%: cold \(f1(r.cold2Ms)) ms, warm \(f1(r.warm2Ms)) ms (\(r.warm2Sweeps) sweeps, gap \(pct(r.warm2Gap))); "
            + (r.cycleRatios.isEmpty ? "" : "\(r.cycleRatios.count) later cycles (±5% each, warm from the last warm answer): warm × \(r.cycleRatios.map { String(format: "%.1f", $0) }.joined(separator: " ")) (\(r.cycleWarmSweeps) sweeps vs \(r.cycleColdSweeps) cold, worst gap \(pct(r.cycleWarmGap))); ")
            + "q64 mlu \(f4(r.quantizedMLU)) vs \(f4(r.fractionalMLU))")
    }

    func printSummary(_ rows: [Row]) {
        print("| instance | links | demands | paths | tectl (whole cmd) | tectl MLU | LP (whole cmd) | LP MLU | worst stage gap vs LP | speed × | certified gap | all ±5%: cold | warm | warm × | 5% of demands ±50%: cold | warm | warm × | later cycles: warm × (lowest / median) | MLU q64 vs fractional |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows {
            var worst = 0.0
            for (a, b) in zip(r.tectlMLU, r.lpMLU) where b > 0 { worst = max(worst, (a - b) / b) }
            let over = r.lpTimedOut ? "> " : ""
            let lpTime = r.lpSeconds.map { over + ms($0) } ?? "–"
            let speed = r.lpSeconds.map { over + String(format: "%.0f×", $0 / r.tectlSeconds) } ?? "–"
            let gapVsLP = r.lpMLU.isEmpty ? "–" : pct(worst)
            let q = r.fractionalMLU > 0 ? (r.quantizedMLU - r.fractionalMLU) / r.fractionalMLU : 0
            print("| \(r.name) | \(r.links) | \(r.demands) | \(r.paths) | \(ms(r.tectlSeconds)) | \(f4(r.tectlMLU.last ?? 0)) | \(lpTime) | \(r.lpMLU.last.map(f4) ?? "–") | \(gapVsLP) | \(speed) | \(pct(r.certifiedGap)) | \(f1(r.coldMs)) ms | \(f1(r.warmMs)) ms | \(String(format: "%.1f×", r.coldMs / max(r.warmMs, 1e-3))) | \(f1(r.cold2Ms)) ms | \(f1(r.warm2Ms)) ms | \(String(format: "%.1f×", r.cold2Ms / max(r.warm2Ms, 1e-3))) | \(cycleCell(r.cycleRatios)) | \(String(format: "%+.2f%%", q * 100)) |")
        }
    }

    /// "lowest / median" of the later cycles' ratios (an even count: the mean of the middle two).
    func cycleCell(_ ratios: [Double]) -> String {
        guard !ratios.isEmpty else { return "–" }
        return String(format: "%.1f× / %.1f×", ratios.min() ?? 0, median(ratios))
    }

    func ms(_ s: Double) -> String { s >= 1 ? String(format: "%.2f s", s) : String(format: "%.0f ms", s * 1000) }
    func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    func f4(_ v: Double) -> String { String(format: "%.4f", v) }
    func list(_ v: [Double]) -> String { "[" + v.map(f4).joined(separator: ", ") + "]" }
}

extension Duration {
    var milliseconds: Double { seconds * 1000 }
}

/// The options `solve` and `solve-seeds` share: which of the instances, and the gap tectl stops at.
struct InstanceSelection: ParsableArguments {
    @Option(help: "Only instances whose name contains this.")
    var only: String?

    @Option(help: "Certified gap tectl stops at.")
    var gap = 0.01

    func selects(_ name: String) -> Bool { only.map(name.contains) ?? true }
}

/// One line to standard output, unbuffered, so progress shows while a long run goes on.
func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func pct(_ v: Double) -> String { String(format: "%.2f%%", v * 100) }

/// The middle value (an even count: the mean of the middle two); `values` not empty.
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

/// Runs `solves` in turns, `repeats` rounds: each one's fastest time (ms) and its answer of the
/// first round. Taking turns, a slow spell of the shared machine falls on all alike.
func timedInTurns(_ solves: [() -> SolveSolution], repeats: Int) -> (fastest: [Double], answers: [SolveSolution]) {
    let clock = ContinuousClock()
    var fastest = [Double](repeating: .infinity, count: solves.count)
    var answers: [SolveSolution] = []
    for round in 0..<max(1, repeats) {
        for (i, solve) in solves.enumerated() {
            let t = clock.now
            let answer = solve()
            fastest[i] = min(fastest[i], (clock.now - t).milliseconds)
            if round == 0 { answers.append(answer) }
        }
    }
    return (fastest, answers)
}

/// Runs a whole command and times it; with `timeout`, a command that exits 124 (timeout(1)
/// stopped it) answers no output.
func runCommand(_ path: String, _ args: [String], timeout: Double? = nil) throws -> (Data, Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path.contains("/") ? path : "/usr/bin/env")
    process.arguments = path.contains("/") ? args : [path] + args
    let pipe = Pipe()
    process.standardOutput = pipe
    let clock = ContinuousClock()
    let t0 = clock.now
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let seconds = (clock.now - t0).seconds
    // timeout(1) exits 124, or dies of the KILL it sent (status 9 as a signal, or 137).
    if timeout != nil, process.terminationStatus == 124 || process.terminationStatus == 137 || process.terminationReason == .uncaughtSignal {
        return (Data(), seconds)
    }
    guard process.terminationStatus == 0 else {
        throw ValidationError("\(path) \(args.joined(separator: " ")): exit \(process.terminationStatus)")
    }
    return (data, seconds)
}
