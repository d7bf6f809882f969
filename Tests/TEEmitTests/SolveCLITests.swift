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
