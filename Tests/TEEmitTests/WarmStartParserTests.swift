import Foundation
import TECore
import TEEmit
import Testing

/// `tectl solve --warm-start FILE` reads a previous answer (`--format json`) with the byte-level
/// `WarmStartParser`: what the answer carries comes back, and what does not fit is named.
@Suite struct WarmStartParserTests {
    /// Three priorities over four links; gold's and silver's holds bind under bronze, so the last
    /// stages' certificates carry hold multipliers (z) as well as link weights (y).
    static let problemText = """
        {"links": [{"name": "A", "capacity": 20}, {"name": "B", "capacity": 20},
                   {"name": "C", "capacity": 10, "load": 2}, {"name": "D \\"east\\"", "capacity": 40}],
         "demands": [{"name": "gold", "volume": 10, "priority": 0, "paths": [["A"], ["B"], ["C", "D \\"east\\""]]},
                     {"name": "silver", "volume": 8, "priority": 1, "paths": [["A", "D \\"east\\""], ["C"]]},
                     {"name": "bronze", "volume": 10, "priority": 2, "paths": [["A"]]},
                     {"name": "idle", "volume": 0, "priority": 2, "paths": []}]}
        """

    @Test func anAnswerReadsBackAsTheWarmStartItCameFrom() throws {
        let p = try SolveProblemParser.parse(Self.problemText)
        // (Sweeps: a problem this small is otherwise solved exactly, without a stored certificate.)
        let solution = MLUSolver.solve(p, options: SolveOptions(exactStageLimit: 0))
        let text = SolveRenderer.json(problem: p, solution: solution, quantized: QuantizedSolution(problem: p, solution: solution, tableSize: 16))
        let start = try WarmStartParser.parse(Array(text.utf8), for: p)
        // Splits and smoothing as printed (to 1e-9).
        #expect(start.splits.count == p.pathCount)
        for (read, solved) in zip(start.splits, solution.split) { #expect(abs(read - solved) <= 1e-9) }
        for stage in solution.stages {
            let mu = try #require(start.smoothing[stage.priority])
            #expect(abs(mu - stage.smoothing) <= 1e-9)
            // And the sweeps each stage took (a warm stage's budget for the LP over its support).
            #expect(start.stageSweeps[stage.priority] == stage.sweeps)
        }
        // Every priority reached the asked gap: none is carried as missed.
        #expect(solution.askedGap == 0.01 && start.missedGaps.isEmpty)
        // The certificates to the bit (printed in full; weights under 1e-15 of the largest left out).
        for (k, stage) in solution.stages.enumerated() where !solution.duals[k].isEmpty {
            let y = try #require(start.duals[stage.priority])
            let top = solution.duals[k].max() ?? 0
            #expect(y == solution.duals[k].map { $0 > top * 1e-15 ? $0 : 0 }, "priority \(stage.priority)")
            if !solution.holdDuals[k].isEmpty {
                #expect(start.holdDuals[stage.priority] == solution.holdDuals[k].map { $0 > 0 ? $0 : 0 }, "priority \(stage.priority)")
            }
        }
        #expect(!start.holdDuals.isEmpty, "no stage's holds bind: the test does not read z")
        // Started from it, the same problem is certified at once.
        let again = MLUSolver.solve(p, options: SolveOptions(exactStageLimit: 0), warmStart: start)
        #expect(again.sweeps == 0)
        #expect(again.gap <= 0.01)
    }

    /// Members in any order, unknown ones skipped, numbers in every JSON form.
    @Test func membersInAnyOrderAndUnknownOnesSkipped() throws {
        let p = try SolveProblemParser.parse(Self.problemText)
        let text = """
            {"demands": [{"split": [0.5, 5e-1, 0], "name": "gold", "extra": {"a": [1, null, true, "x\\u00e9"]}},
                         {"weights": [1, 0], "split": [1.0E0, -0.0]},
                         {"split": [1]},
                         {"split": []}],
             "note": "written by hand", "asked_gap": 0.01,
             "priorities": [{"certificate": {"y": {"B": 0.25, "D \\"east\\"": 75e-2}, "holds": [1]}, "smoothing": 0.001, "gap": 0.02, "priority": 1},
                            {"priority": 3, "gap": 0.005},
                            {"priority": 2, "gap": null},
                            {"smoothing": 0.5}]}
            """
        let start = try WarmStartParser.parse(Array(text.utf8), for: p)
        #expect(start.splits == [0.5, 0.5, 0, 1, 0, 1])
        #expect(start.smoothing == [1: 0.001])
        #expect(start.duals == [1: [0, 0.25, 0, 0.75]])
        #expect(start.holdDuals.isEmpty)
        // Priority 1 stopped above the asked gap: carried as missed. Priority 3 reached it; a gap
        // of null is an answer without a bound: nothing to carry.
        #expect(start.missedGaps == [1: 0.02])
    }

    @Test(arguments: [
        ("garbage", "line 1, column 1: expected a `tectl solve --format json` answer"),
        (#"{"priorities": []}"#, #"not a `tectl solve --format json` answer (no "demands")"#),
        (#"{"demands": [{"split": [1, 0, 0]}]}"#, "has 1 demands, the problem 4"),
        (#"{"demands": [{"split": [1, 0, 0]}, {"split": [1]}, {"split": [1]}, {"split": []}]}"#, "demands[1].split: expected 2 fractions (one per path)"),
        (#"{"demands": [{"split": [1, 0, 0]}, {"split": [1, 0]}, {"name": "bronze"}, {"split": []}]}"#, "demands[2].split: expected 1 fractions (one per path)"),
        (#"{"demands": [{"split": [1, "0", 0]}]}"#, "demands[0].split[1] (line 1, column 28): expected a number"),
        (#"{"demands": [], "priorities": [{"priority": 0.5}]}"#, "priorities[0].priority: expected an integer, got 0.5"),
        (#"{"demands": [{"split": [1, 0, 0]}, {"split": [1, 0]}, {"split": [1]}, {"split": []}], "priorities": [{"priority": 0, "certificate": {"y": {"Z": 1}}}]}"#, #"priorities[0].certificate.y: unknown link "Z""#),
        (#"{"demands": [{"split": [1, 0, 0]}, {"split": [1, 0]}, {"split": [1]}, {"split": []}], "priorities": [{"priority": 1, "certificate": {"y": {"A": 1}, "z": [{"A": -1}]}}]}"#, "priorities[0].certificate.z[0].A: expected a weight ≥ 0"),
        (#"{"demands": [{"split": [1, 0, 0]}, {"split": [1, 0]}, {"split": [1]}, {"split": []}]} x"#, "unexpected 'x' after the answer"),
        (#"{"asked_gap": -0.01, "demands": []}"#, "asked_gap: a gap must be ≥ 0, got -0.01"),
    ])
    func whatDoesNotFitIsNamed(_ text: String, _ expected: String) throws {
        let p = try SolveProblemParser.parse(Self.problemText)
        #expect(throws: SolveInputError.self) { try WarmStartParser.parse(Array(text.utf8), for: p) }
        do {
            _ = try WarmStartParser.parse(Array(text.utf8), for: p)
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    /// An answer to another problem is named by its demands before its certificate's links.
    @Test func anAnswerToAnotherProblemIsNamedByItsDemands() throws {
        let p = try SolveProblemParser.parse(Self.problemText)
        let other = try SolveProblemParser.parse(#"{"links": [{"name": "Q", "capacity": 1}], "demands": [{"name": "q", "volume": 1, "paths": [["Q"]]}]}"#)
        let text = SolveRenderer.json(problem: other, solution: MLUSolver.solve(other, options: SolveOptions(exactStageLimit: 0)), quantized: nil)
        do {
            _ = try WarmStartParser.parse(Array(text.utf8), for: p)
            Issue.record("an answer to another problem was read")
        } catch {
            #expect(error.description == "has 1 demands, the problem 4")
        }
    }
}
