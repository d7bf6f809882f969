import Foundation
import TECore
import Testing
@testable import TEPolicy

/// `control.event_settle` (PolicyParser+Daemon.swift).
@Suite struct DaemonControlTests {
    static func policy(_ control: String) -> String {
        """
        version: 1
        control: {\(control)}
        nexthops:
          - {name: up1, via: 198.51.100.1, dev: veth1, capacity: 10G}
        classes:
          - {name: bulk, priority: 0, dscp: [10], table: 101}
        routes:
          - {prefix: 203.0.113.0/24, class: bulk, nexthops: [up1]}

        """
    }

    @Test func defaultsTo20msAndTakesAnyDurationUpToOneSecond() throws {
        #expect(try PolicyLoader.load(yaml: Self.policy("interval: 1s"), file: "p.yaml").policy.control.eventSettle == .milliseconds(20))
        for (text, value) in [("0s", Duration.zero), ("5ms", .milliseconds(5)), ("1s", .seconds(1)), ("250us", .microseconds(250))] {
            let loaded = try PolicyLoader.load(yaml: Self.policy("event_settle: \(text)"), file: "p.yaml")
            #expect(loaded.policy.control.eventSettle == value, "\(text)")
        }
    }

    @Test(arguments: [
        ("event_settle: 2s", "p.yaml:2:25: control.event_settle: must be between 0s and 1s, found \"2s\""),
        ("event_settle: 20", "p.yaml:2:25: control.event_settle: \"20\" is not a duration (e.g. 1s, 250ms, 2m)"),
        ("event_setle: 20ms", "p.yaml:2:11: control.event_setle: unknown key \"event_setle\"; did you mean \"event_settle\"?"),
    ])
    func rejectsOutOfRangeAndMisspelledValuesWithTheirPlace(control: String, expected: String) {
        #expect(diagnostics(Self.policy(control)) == [expected])
    }
}
