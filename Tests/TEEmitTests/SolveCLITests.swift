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
        // The repair's slack: 0 is allowed (no move past the least worst oversubscription); outside [0, 1] is refused.
        let strict = try runTectl(["solve", file.path, "--format", "json", "--table-size", "64", "--gap", "0.001", "--repair-slack", "0"])
        #expect(strict.status == 0)
        for bad in ["-0.1", "1.5", "nan"] {
            let wrong = try runTectl(["solve", file.path, "--table-size", "64", "--repair-slack=\(bad)"])
            #expect(wrong.status != 0)
            #expect(wrong.stderr.contains("--repair-slack must be in [0, 1]"), "\(bad): \(wrong.stderr)")
        }
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

    /// Gold (10, A or B) and bronze (10, only A) on two links of 20: gold alone 25%, bronze's
    /// optimum under gold's hold H is 1 − H.
    static let goldAndBronze = """
            {"links": [{"name": "A", "capacity": 20}, {"name": "B", "capacity": 20}],
             "demands": [{"name": "gold", "volume": 10, "priority": 0, "paths": [["A"], ["B"]]},
                         {"name": "bronze", "volume": 10, "priority": 1, "paths": [["A"]]}]}
        """

    /// Two priorities on two links: each stage is solved exactly (no sweep), priority 1 at its
    /// optimum under priority 0's hold, 1 − 25% = 75%; `--exact-limit 0` leaves them to sweeps.
    @Test func smallMultiPriorityStagesAreSolvedExactly() throws {
        let file = try write(Self.goldAndBronze, "exact")
        defer { try? FileManager.default.removeItem(at: file) }
        let exact = try runTectl(["solve", file.path, "--format", "json"])
        #expect(exact.status == 0)
        let e = try #require(try JSONSerialization.jsonObject(with: Data(exact.stdout.utf8)) as? [String: Any])
        let stages = try #require(e["priorities"] as? [[String: Any]])
        #expect(stages.count == 2)
        #expect(abs((stages[0]["mlu"] as? Double ?? 0) - 0.25) <= 1e-6)
        #expect(abs((stages[1]["mlu"] as? Double ?? 0) - 0.75) <= 1e-6)
        for stage in stages {
            #expect(stage["sweeps"] as? Int == 0)
            #expect((stage["gap"] as? Double ?? 1) <= 1e-6)
        }
        let swept = try runTectl(["solve", file.path, "--format", "json", "--exact-limit", "0"])
        let w = try #require(try JSONSerialization.jsonObject(with: Data(swept.stdout.utf8)) as? [String: Any])
        #expect((w["sweeps"] as? Int ?? 0) > 0)
        let refused = try runTectl(["solve", file.path, "--exact-limit", "-1"])
        #expect(refused.status != 0)
        for bad in ["-1", "2001"] {
            let wrong = try runTectl(["solve", file.path, "--restricted-limit=\(bad)"])
            #expect(wrong.status != 0)
            #expect(wrong.stderr.contains("--restricted-limit must be 0...2000"))
        }
    }

    /// The answer carries each priority's certificate (y, and the hold multipliers z where the
    /// holds bind); `--warm-start` reads it back, so the warm solve starts certified.
    @Test func warmStartFromTheAnswersCertificateNeedsNoSweep() throws {
        // Gold (10, A or B) is held at its 25% while bronze (10, only A) joins: bronze's optimum
        // under the hold H is 1 − H (docs/solve.md, "Hold-aware lower bound").
        let file = try write(Self.goldAndBronze, "cert")
        defer { try? FileManager.default.removeItem(at: file) }
        // (Sweeps: this small a problem is otherwise solved exactly, and exact stages do not
        // start from a stored certificate.)
        let first = try runTectl(["solve", file.path, "--format", "json", "--exact-limit", "0"])
        #expect(first.status == 0)
        let answer = try write(first.stdout, "cert-answer")
        defer { try? FileManager.default.removeItem(at: answer) }
        let warm = try runTectl(["solve", file.path, "--format", "json", "--exact-limit", "0", "--warm-start", answer.path])
        #expect(warm.status == 0)
        let a = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let w = try #require(try JSONSerialization.jsonObject(with: Data(warm.stdout.utf8)) as? [String: Any])
        let stagesA = try #require(a["priorities"] as? [[String: Any]])
        let stagesW = try #require(w["priorities"] as? [[String: Any]])
        #expect(stagesA.count == 2 && stagesW.count == 2)
        let certificate = try #require(stagesA[1]["certificate"] as? [String: Any])
        #expect((certificate["y"] as? [String: Any])?["A"] != nil)
        #expect((certificate["z"] as? [[String: Any]])?.first?["B"] != nil, "the hold on B is priced")
        // Both stages were certified: the warm solve re-evaluates their certificates and sweeps 0 times.
        #expect(w["sweeps"] as? Int == 0)
        for stage in stagesW { #expect(stage["sweeps"] as? Int == 0) }
        // Stage 0 has no hold: the same bound. Stage 1's certificate is re-evaluated under this
        // run's hold H (printed with it): the bound that y and z give there,
        // Σ_e z_e·(0 − H) + gold·min over A, B of (y + z)/20 + bronze·y_A/20, which never
        // exceeds bronze's optimum under the hold, 1 − H.
        #expect(stagesW[0]["lower_bound"] as? Double == stagesA[0]["lower_bound"] as? Double)
        let warmCertificate = try #require(stagesW[1]["certificate"] as? [String: Any])
        let h = try #require((warmCertificate["holds"] as? [Double])?.first)
        #expect(h >= (stagesW[0]["mlu"] as? Double ?? .infinity) * (1 - 1e-9))
        let y = try #require(certificate["y"] as? [String: Double])
        let z = try #require((certificate["z"] as? [[String: Double]])?.first)
        let yA = y["A"] ?? 0, yB = y["B"] ?? 0, zA = z["A"] ?? 0, zB = z["B"] ?? 0
        let priced = -(zA + zB) * h + 10 * min(yA + zA, yB + zB) / 20 + 10 * yA / 20
        let bound = try #require(stagesW[1]["lower_bound"] as? Double)
        #expect(abs(bound - priced) <= 1e-8)
        #expect(bound <= 1 - h + 1e-12)
        #expect(try #require(stagesW[1]["gap"] as? Double) <= 0.01)

        // A certificate naming a link the problem lacks is refused with its path.
        let text = first.stdout.replacingOccurrences(of: "\"B\": ", with: "\"Q\": ")
        let bad = try write(text, "cert-bad")
        defer { try? FileManager.default.removeItem(at: bad) }
        let refused = try runTectl(["solve", file.path, "--warm-start", bad.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("priorities[0].certificate.y: unknown link \"Q\""))
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

    /// Capacities in bit/s and volumes in Gbit/s (a unit slip, or a fabric nearly idle): every
    /// utilization is around 10⁻¹¹. The answer keeps them: `mlu`, `lower_bound`, the links'
    /// utilizations and the smoothing are written in full (they once were rounded to 10⁻⁹, so the
    /// answer read MLU 0 and lower bound 0 with a gap of 0.58%, and a warm start lost the
    /// smoothing), and the text shows them as small, not as 0.0%.
    @Test func tinyUtilizationsAreWrittenInFull() throws {
        let file = try write("""
            {"links": [{"name": "a", "capacity": 400e9}, {"name": "b", "capacity": 100e9, "load": 3}],
             "demands": [{"name": "d", "volume": 7, "paths": [["a"], ["b"]]}]}
            """, "tiny")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runTectl(["solve", file.path, "--format", "json"])
        #expect(r.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let mlu = try #require(obj["mlu"] as? Double)
        let bound = try #require(obj["lower_bound"] as? Double)
        let gap = try #require(obj["gap"] as? Double)
        // b's own load alone: 3 / 100e9; the demand fits on a below that.
        #expect(abs(mlu - 3e-11) <= 3e-11 * 0.01, "mlu \(mlu)")
        #expect(bound > 0 && bound <= mlu, "lower bound \(bound)")
        #expect(abs((mlu - bound) / bound - gap) <= 1e-9, "gap \(gap) against mlu \(mlu) and bound \(bound)")
        let links = try #require(obj["links"] as? [[String: Any]])
        let b = try #require(links.first { $0["name"] as? String == "b" }?["utilization"] as? Double)
        #expect(abs(b - 3e-11) <= 3e-11 * 0.01, "link b \(b)")
        let stage = try #require((obj["priorities"] as? [[String: Any]])?.first)
        #expect((stage["smoothing"] as? Double ?? 0) > 0, "smoothing \(stage["smoothing"] ?? "missing")")
        let text = try runTectl(["solve", file.path])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("mlu 3e-09% lower-bound "), "\(text.stdout)")
        #expect(text.stdout.contains("link b 3e-09%"), "\(text.stdout)")
    }

    /// A split is written in full: the load a user recomputes from it is the utilization the
    /// answer writes for the link. Rounded to 10⁻⁹ (as splits once were), a third of a volume
    /// 3·10⁶ times a link's capacity came back about 1e-9 off, and small shares of large volumes
    /// (random problems) up to 3e-6.
    @Test func linkLoadsRecomputedFromTheSplitsMatchTheUtilizations() throws {
        let file = try write("""
            {"links": [{"name": "a", "capacity": 1}, {"name": "b", "capacity": 2}],
             "demands": [{"name": "d", "volume": 3e6, "paths": [["a"], ["b"]]}]}
            """, "splits")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runTectl(["solve", file.path, "--format", "json"])
        #expect(r.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let split = try #require((obj["demands"] as? [[String: Any]])?.first?["split"] as? [Double])
        let links = try #require(obj["links"] as? [[String: Any]])
        let written = links.compactMap { $0["utilization"] as? Double }
        #expect(split.count == 2 && written.count == 2)
        guard split.count == 2, written.count == 2 else { return }
        #expect(split.allSatisfy { $0 > 0.3 }, "both links carry a share: \(split)")
        for (e, capacity) in [1.0, 2.0].enumerated() {
            let recomputed = 3e6 * split[e] / capacity
            #expect(abs(recomputed - written[e]) <= 1e-12 * written[e], "link \(e): \(recomputed) from the split, \(written[e]) written")
        }
    }
}
