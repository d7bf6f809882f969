import ArgumentParser
import Foundation
import TECore
import TEEmit

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a path-selection problem: min-max link utilization, lexicographic by priority.",
        discussion: """
            Reads the problem (JSON, docs/solve.md) from FILE or stdin (-). Answers per demand the split \
            over its paths (fractions summing to 1) and, with --table-size, integer WCMP weights; per \
            link the utilization; the MLU overall and per priority, with a certified lower bound and \
            the gap between them. Demands with no usable path, zero-capacity links and MLU above 1 are \
            answered and listed as notes. Exit status 1 on invalid input.
            """
    )

    @Argument(help: ArgumentHelp("Problem file, or - for stdin.", valueName: "FILE"))
    var file: String

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: ArgumentHelp("Quantize each split to integer weights for a group of at most N entries.", valueName: "N"))
    var tableSize: Int?

    @Option(name: .long, help: ArgumentHelp("With --table-size: after quantizing, entries move off the most utilized link while each group's worst oversubscription stays within S of its least (0: pure WCMP).", valueName: "S"))
    var repairSlack: Double = QuantizedSolution.defaultRepairSlack

    @Option(name: .long, help: ArgumentHelp("Stop each priority stage at this certified optimality gap (0.01 = 1%).", valueName: "G"))
    var gap: Double = 0.01

    @Option(name: .long, help: ArgumentHelp("Most sweeps per priority stage.", valueName: "N"))
    var maxSweeps: Int = 4000

    @Option(name: .long, help: ArgumentHelp("Solve a priority stage of a multi-priority problem exactly (interior point) when it has at most N link-rows (held rows and its own, times the links its paths cross); 0: sweeps only.", valueName: "N"))
    var exactLimit: Int = SolveOptions().exactStageLimit

    @Option(name: .long, help: ArgumentHelp("A stage whose sweeps crawl above the gap takes its certificate from an LP over the links at the top of its rows, of at most N link-rows (a stage about to stop above the gap grows it to at most 2N by the links its flows overfill); 0: never.", valueName: "N"))
    var restrictedLimit: Int = SolveOptions().restrictedLPLimit

    @Option(name: .long, help: ArgumentHelp("Start from a previous answer (this command's --format json output for the same links and paths).", valueName: "FILE"))
    var warmStart: String?

    func validate() throws {
        if let tableSize, tableSize < 1 || tableSize > 65535 { throw ValidationError("--table-size must be 1...65535") }
        if !(gap > 0 && gap < 1) { throw ValidationError("--gap must be in (0, 1)") }
        if !(repairSlack >= 0 && repairSlack <= 1) { throw ValidationError("--repair-slack must be in [0, 1]") }
        if maxSweeps < 1 { throw ValidationError("--max-sweeps must be ≥ 1") }
        if !(0...1_000).contains(exactLimit) { throw ValidationError("--exact-limit must be 0...1000 (a dense factorization of that size per iteration: seconds per stage at 1000)") }
        if !(0...2_000).contains(restrictedLimit) { throw ValidationError("--restricted-limit must be 0...2000 (a dense factorization of that size per iteration)") }
    }

    func run() throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                printError("\(file): cannot read the file")
                throw ExitCode(1)
            }
            data = d
        }
        let problem: SolveProblem
        do {
            problem = try SolveProblemParser.parse([UInt8](data))
        } catch {
            printError("\(file == "-" ? "stdin" : file): \(error)")
            throw ExitCode(1)
        }
        var warm: WarmStart?
        if let warmStart {
            do {
                warm = try Self.readWarmStart(warmStart, problem: problem)
            } catch {
                printError("\(warmStart): \(error)")
                throw ExitCode(1)
            }
        }
        let solution = MLUSolver.solve(problem, options: SolveOptions(gap: gap, maxSweepsPerStage: maxSweeps, exactStageLimit: exactLimit, restrictedLPLimit: restrictedLimit), warmStart: warm)
        let quantized = tableSize.map { QuantizedSolution(problem: problem, solution: solution, tableSize: $0, repairSlack: repairSlack) }
        let out: String
        switch format {
        case .text: out = SolveRenderer.text(problem: problem, solution: solution, quantized: quantized)
        case .json: out = SolveRenderer.json(problem: problem, solution: solution, quantized: quantized)
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// A previous answer (`demands[].split` in order, per priority the smoothing and the
    /// certificate), read by the byte-level `WarmStartParser`.
    static func readWarmStart(_ path: String, problem: SolveProblem) throws -> WarmStart {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read the file") }
        return try WarmStartParser.parse([UInt8](data), for: problem)
    }
}
