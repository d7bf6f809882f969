import Testing
@testable import TECore

@Suite struct SolveProblemParserTests {
    static let example = """
        { "links":   [ {"name": "l1-s1", "capacity": 400.0, "load": 0.0},
                       {"name": "s1-l9", "capacity": 400, "load": 12.5},
                       {"name": "l1-s2", "capacity": 4e2},
                       {"name": "s2-l9", "capacity": 400} ],
          "demands": [ {"name": "h1->h9", "volume": 120.0, "priority": 0,
                        "paths": [ ["l1-s1", "s1-l9"], ["l1-s2", "s2-l9"] ]},
                       {"name": "h1->h9 bulk", "volume": 0.25, "priority": 2, "paths": [ ["l1-s2", "s2-l9"] ]} ] }
        """

    @Test func parsesTheDocumentedFormat() throws {
        let p = try SolveProblemParser.parse(Self.example)
        #expect(p.linkNames == ["l1-s1", "s1-l9", "l1-s2", "s2-l9"])
        #expect(p.capacity == [400, 400, 400, 400])
        #expect(p.load == [0, 12.5, 0, 0])
        #expect(p.demandNames == ["h1->h9", "h1->h9 bulk"])
        #expect(p.volume == [120, 0.25])
        #expect(p.priority == [0, 2])
        #expect(p.paths(of: 0).map { Array(p.links(of: $0)) } == [[0, 1], [2, 3]])
        #expect(p.paths(of: 1).map { Array(p.links(of: $0)) } == [[2, 3]])
    }

    @Test func demandsMayComeBeforeLinksAndNamesMayBeEscaped() throws {
        let p = try SolveProblemParser.parse(#"{"demands": [{"volume": 1, "paths": [["a\"b"], ["\u00e9"]]}], "links": [{"name": "a\"b", "capacity": 1}, {"name": "é", "capacity": 2}]}"#)
        #expect(p.linkNames == ["a\"b", "é"])
        #expect(p.demandNames == ["demands[0]"])
        #expect(p.paths(of: 0).map { Array(p.links(of: $0)) } == [[0], [1]])
    }

    @Test(arguments: [
        ("0.1", 0.1), ("-0", 0), ("1e3", 1000), ("123456789.125", 123456789.125), ("2.5E-3", 0.0025),
        ("12345678901234567890", 12345678901234567168), ("1.7976931348623157e308", 1.7976931348623157e308), ("5e-324", Double.leastNonzeroMagnitude),
    ])
    func parsesNumbersExactly(text: String, value: Double) throws {
        let p = try SolveProblemParser.parse(#"{"links": [{"name": "a", "capacity": 1, "load": \#(text)}], "demands": []}"#)
        #expect(p.load[0] == value)
    }

    @Test(arguments: [
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a"], ["s9-l4"]]}]}"#,
         #"demands[0].paths[1][0]: unknown link "s9-l4""#),
        (#"{"links": [{"name": "a", "capacity": 1}, {"name": "b", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a", "b", "a"]]}]}"#,
         #"demands[0].paths[0][2]: link "a" appears twice in this path"#),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1, "paths": [["a"], []]}]}"#,
         #"demands[0].paths[1]: a path lists at least one link (for a demand with no path: "paths": [])"#),
        (#"{"links": [{"name": "a", "capacity": NaN}], "demands": []}"#,
         "links[0].capacity: must be a finite number (NaN and Infinity are not allowed)"),
        (#"{"links": [{"name": "a", "capacity": -3}], "demands": []}"#,
         "links[0].capacity: capacity must be ≥ 0, got -3"),
        (#"{"links": [{"name": "a", "capacity": 1, "load": -0.5}], "demands": []}"#,
         "links[0].load: load must be ≥ 0, got -0.5"),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": 1}, {"volume": -5, "paths": []}]}"#,
         #"demands[0]: missing "paths" (use [] for a demand with no path)"#),
        (#"{"links": [{"name": "a", "capacity": 1}], "demands": [{"volume": -5, "paths": []}]}"#,
         "demands[0].volume: volume must be ≥ 0, got -5"),
        (#"{"links": [{"name": "a", "capacity": 1e999}], "demands": []}"#,
         "links[0].capacity: must be a finite number, got inf"),
        (#"{"links": [{"name": "a"}], "demands": []}"#, #"links[0]: missing "capacity""#),
        (#"{"links": [{"name": "a", "capacity": 1}, {"name": "a", "capacity": 2}], "demands": []}"#,
         #"links[1].name: duplicate link "a" (also links[0])"#),
        (#"{"links": [{"name": "a", "capacity": 1, "speed": 3}], "demands": []}"#,
         "links[0].speed: unknown key (expected name, capacity, load)"),
        (#"{"links": [], "demands": [{"volume": 1, "priority": 1.5, "paths": []}]}"#,
         "demands[0].priority: priority must be an integer ≥ 0, got 1.5"),
        (#"{"links": [], "demand": []}"#, #"unknown key "demand" (expected "links" and "demands")"#),
        (#"{"links": []}"#, #"missing "demands""#),
        ("{\"links\": [,]}", "links[0] (line 1, column 12): expected a link object, found ','"),
        ("{\"links\": [{\"name\": \"a\", \"capacity\": 1}],\n \"demands\": [{\"volume\": 1, \"paths\": [[\"a\"]}]}",
         "demands[0].paths (line 2, column 43): expected ',' or ']', found '}'"),
        ("{\"links\": [], \"demands\": []} x", "line 1, column 30: unexpected 'x' after the problem"),
    ])
    func rejectsWithThePath(text: String, message: String) {
        expectRejected(text, message)
    }
}

/// Expects the parser to refuse `text` with exactly `message` (the JSON path and what is wrong).
func expectRejected(_ text: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: SolveInputError.self, sourceLocation: sourceLocation) { try SolveProblemParser.parse(text) }
    do {
        _ = try SolveProblemParser.parse(text)
    } catch {
        #expect(error.description == message, sourceLocation: sourceLocation)
    }
}
