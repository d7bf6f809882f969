import Foundation
import Testing

/// `tectl solve` end to end: the documented format in, the answer out, errors with their JSON path.
@Suite struct SolveCLITests {
    func write(_ text: String, _ tag: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-solve-\(getpid())-\(tag).json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func answersSplitsWeightsAndUtilizationAsJSON() throws {
        let file = try write("""
            {"links": [{"name": "a", "capacity": 100}, {"name": "b", "capacity": 50}],
             "demands": [{"name": "d", "volume": 90, "paths": [["a"], ["b"]]}]}
            """, "ok")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runTectl(["solve", file.path, "--format", "json", "--table-size", "64", "--gap", "0.001"])
        #expect(r.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let mlu = try #require(obj["mlu"] as? Double)
        #expect(abs(mlu - 0.6) < 0.001)
        let demand = try #require((obj["demands"] as? [[String: Any]])?.first)
        #expect(demand["weights"] as? [Int] == [2, 1])
        let split = try #require(demand["split"] as? [Double])
        #expect(abs(split.reduce(0, +) - 1) < 1e-9)
        #expect((obj["links"] as? [[String: Any]])?.count == 2)
        #expect((obj["quantized"] as? [String: Any])?["table_size"] as? Int == 64)
    }

    func problem(_ v1: Double, _ v2: Double) -> String {
        """
        {"links": [{"name": "a", "capacity": 100}, {"name": "b", "capacity": 50, "load": 10}, {"name": "c", "capacity": 80}],
         "demands": [{"name": "x", "volume": \(v1), "paths": [["a"], ["b"], ["c", "b"]]},
                     {"name": "y", "volume": \(v2), "paths": [["c"], ["a", "b"]]}]}
        """
    }

    @Test func warmStartFromAPreviousAnswerGivesTheSameQualityAnswer() throws {
        let first = try write(problem(120, 60), "warm1")
        let changed = try write(problem(126, 57), "warm2")
        defer { for f in [first, changed] { try? FileManager.default.removeItem(at: f) } }
        let previous = try runTectl(["solve", first.path, "--format", "json"])
        #expect(previous.status == 0)
        let answer = try write(previous.stdout, "warm-answer")
        defer { try? FileManager.default.removeItem(at: answer) }
        let cold = try runTectl(["solve", changed.path, "--format", "json"])
        let warm = try runTectl(["solve", changed.path, "--format", "json", "--warm-start", answer.path])
        #expect(cold.status == 0 && warm.status == 0)
        let c = try #require(try JSONSerialization.jsonObject(with: Data(cold.stdout.utf8)) as? [String: Any])
        let w = try #require(try JSONSerialization.jsonObject(with: Data(warm.stdout.utf8)) as? [String: Any])
        let coldMLU = try #require(c["mlu"] as? Double), warmMLU = try #require(w["mlu"] as? Double)
        // Both certified within 1% of the optimum, so within ~2% of each other.
        #expect(try #require(w["gap"] as? Double) <= 0.01 + 1e-9)
        #expect(abs(warmMLU - coldMLU) <= 0.02 * coldMLU)
        // x = 126 can only use a and b (its path over c crosses b too): 100U + 50U − 10 = 126,
        // U = 136/150; y fits on c below it, so that is the optimum.
        #expect(abs(warmMLU - 136.0 / 150.0) <= 0.01 * 136.0 / 150.0 + 1e-9)

        // An answer to another problem is refused.
        let other = try write(#"{"links": [{"name": "a", "capacity": 1}], "demands": []}"#, "warm-other")
        defer { try? FileManager.default.removeItem(at: other) }
        let refused = try runTectl(["solve", other.path, "--warm-start", answer.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("has 2 demands, the problem 0"))
    }

    @Test func badInputNamesTheJSONPathAndExits1() throws {
        let file = try write(#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a"], ["s9-l4"]]}]}"#, "bad")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runTectl(["solve", file.path])
        #expect(r.status == 1)
        #expect(r.stderr == "\(file.path): demands[0].paths[1][0]: unknown link \"s9-l4\"\n")
    }

    @Test func infeasibleAndPathlessDemandsAreAnsweredWithNotes() throws {
        let file = try write(#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"name": "x", "volume": 3, "paths": [["a"]]}, {"name": "y", "volume": 1, "paths": []}]}"#, "notes")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runTectl(["solve", file.path])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("mlu 300.0% lower-bound 300.0% gap 0.0%"))
        #expect(r.stdout.contains("note: demand \"y\" has no path: its volume is left out"))
        #expect(r.stdout.contains("note: MLU 300.0% is above 100%"))
    }
}
