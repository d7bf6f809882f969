import Foundation
import Synchronization
import Testing
import TECore
import TELab
import TENetlink
@testable import TEDaemon

/// More of `EndToEndTests` (the same serialized suite: its tests block a thread each while they
/// wait, and two such suites side by side would starve the test run's concurrency pool on two
/// cores). Here the daemon is kept busy from outside — scraped by hundreds of clients at once
/// while an uplink flaps, and probed by `tectl status` in another process.
extension EndToEndTests {
    /// One answer of the daemon's HTTP endpoint.
    typealias Scrape = (path: String, status: Int, headers: [String: String], body: String)

    /// `count` connections opened at once in the host namespace, every sixth asking /healthz,
    /// the others /metrics; all requests are sent before any answer is read.
    static func scrapeAtOnce(_ lab: DaemonLab, count: Int) throws -> [Scrape] {
        try lab.host.perform {
            var open: [(Int32, String)] = []
            for i in 0..<count { open.append((try RawHTTP.connect(port: DaemonLab.port), i % 6 == 5 ? "/healthz" : "/metrics")) }
            for (fd, path) in open { RawHTTP.send(fd, path: path) }
            return open.map { fd, path in
                let r = RawHTTP.receive(fd)
                return (path, r.status, r.headers, r.body)
            }
        }
    }

    @Test func hundredsOfConcurrentScrapesAreAnsweredWhileAnUplinkFlapsAndTheGroupReconverges() throws {
        let (lab, policy, daemon) = try DaemonLab.running(
            capacities: ["100M", "100M"],
            control: "interval: 250ms, hysteresis: 0.05, min_change_interval: 0s, max_step: 0.5",
            name: "scrape"
        )
        defer { daemon.kill() }
        #expect(lab.waitForStatusMatch(policy: policy))
        let planned = try #require(try lab.weights())
        #expect(planned.count == 2)
        let eventsBefore = lab.http("/metrics").flatMap { DaemonLab.metric($0.body, "tectl_events_total", ["kind": "link"]) } ?? 0

        // The flapper: uplink 1's peer down and up, one `ip` process each, until told to stop.
        let stop = Atomic<Bool>(false)
        let flaps = Atomic<Int>(0)
        let flapperDone = DispatchSemaphore(value: 0)
        let router = lab.router
        Thread {
            while !stop.load(ordering: .relaxed) {
                _ = try? router.ip("link", "set", "rt1", "down")
                Thread.sleep(forTimeInterval: 0.01)
                _ = try? router.ip("link", "set", "rt1", "up")
                flaps.add(1, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.01)
            }
            flapperDone.signal()
        }.start()

        // Rounds of 240 concurrent requests (200 of /metrics) while it flaps.
        var scrapes: [Scrape] = []
        var rounds = 0
        let started = ContinuousClock.now
        while rounds < 3 || ContinuousClock.now - started < .seconds(2) {
            scrapes += try Self.scrapeAtOnce(lab, count: 240)
            rounds += 1
        }
        let flapsDuringScrapes = flaps.load(ordering: .relaxed)
        stop.store(true, ordering: .relaxed)
        flapperDone.wait()
        #expect(flapsDuringScrapes >= 10, "only \(flapsDuringScrapes) flaps happened while scraping")

        let metrics = scrapes.filter { $0.path == "/metrics" }
        #expect(metrics.count >= 200 * rounds)
        let failed = scrapes.filter { $0.status != 200 }
        #expect(failed.isEmpty, "\(failed.count) of \(scrapes.count) requests not answered 200: \(failed.prefix(3).map { "\($0.path) \($0.status)" })")
        #expect(scrapes.filter { $0.path == "/healthz" }.allSatisfy { $0.body == "ok\n" })
        let wrongType = metrics.filter { $0.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") != true }
        #expect(wrongType.isEmpty, "content types: \(Set(wrongType.map { $0.headers["content-type"] ?? "none" }))")
        var malformed: [String] = []
        for m in metrics where m.status == 200 {
            let problems = Exposition.problems(m.body)
            if !problems.isEmpty { malformed.append(problems.prefix(3).joined(separator: "; ")) }
            if !m.body.contains("tectl_nexthop_weight{") { malformed.append("no tectl_nexthop_weight sample") }
        }
        #expect(malformed.isEmpty, "\(malformed.count) malformed expositions, e.g. \(malformed.first ?? "")")
        // promtool on a scrape from each round (every one would take minutes).
        if let promtool = which("promtool") {
            for (i, m) in metrics.enumerated() where i % 200 == 0 {
                let file = lab.dir + "/scrape-\(i).prom"
                try m.body.write(toFile: file, atomically: true, encoding: .utf8)
                let r = try runTool(["/bin/sh", "-c", "\(promtool) check metrics < \(file)"])
                #expect(r.status == 0, "promtool: \(r.output)")
            }
        } else {
            print("promtool not installed (Debian package prometheus): checked the exposition format only")
        }

        // Uplink 1 ended up: the daemon saw the flaps and reconverges to the planned group.
        #expect(lab.waitForStatusMatch(policy: policy), "after the flaps the kernel does not match the plan; log tail:\n\(daemon.log.suffix(3000))")
        let after = try lab.waitForWeights { $0 == planned }
        #expect(after != nil, "weights \(String(describing: try? lab.weights())), planned \(planned)")
        let body = lab.http("/metrics")?.body ?? ""
        let eventsAfter = DaemonLab.metric(body, "tectl_events_total", ["kind": "link"]) ?? 0
        // Link events that arrive while a reconcile runs are answered together, once.
        #expect(eventsAfter > eventsBefore, "link events \(eventsBefore) → \(eventsAfter) over \(flapsDuringScrapes) flaps")
        #expect(DaemonLab.metric(body, "tectl_reconcile_errors_total") == 0, "log tail:\n\(daemon.log.suffix(3000))")
        #expect(daemon.isRunning)
    }

    /// `tectl status` (like `plan`, which reads counters over one control interval first)
    /// probes the kernel's features with short-lived objects of tectl's protocol; the running
    /// daemon must not take them for someone changing its objects.
    @Test func statusInAnotherProcessTriggersNoReconcile() throws {
        // interval 1h: after the first cycle only events can cause a reconcile.
        let (lab, policy, daemon) = try DaemonLab.running(
            capacities: ["100M", "100M"],
            control: "interval: 1h, hysteresis: 0.05, min_change_interval: 0s, max_step: 0.5",
            name: "probe"
        )
        defer { daemon.kill() }
        #expect(try lab.waitForWeights { $0.count == 2 } != nil)
        Thread.sleep(forTimeInterval: 0.3)
        func counts() -> (reconciles: Double, owned: Double) {
            let body = lab.http("/metrics")?.body ?? ""
            return (DaemonLab.metric(body, "tectl_reconciles_total") ?? -1, DaemonLab.metric(body, "tectl_events_total", ["kind": "owned_object"]) ?? 0)
        }
        let before = counts()
        #expect(before.reconciles >= 1)

        for _ in 0..<3 {
            let status = lab.tectl("status", "--policy", policy)
            #expect(status.status == 0, "\(status.standardOutput)\(status.standardError)")
        }
        Thread.sleep(forTimeInterval: 0.3)
        let after = counts()
        #expect(after.reconciles == before.reconciles, "tectl status caused reconciles; log:\n\(daemon.log.suffix(2000))")
        #expect(after.owned == before.owned)
        #expect(!daemon.log.contains("owned objects changed by someone else"))

        // The same counters do move for a real change by someone else: a member nexthop deleted.
        let member = try #require(try lab.kernel().owned(by: 250).nexthops.keys.min())
        try lab.host.ip("nexthop", "del", "id", "\(member)")
        let repaired = poll(timeout: .seconds(10), every: .milliseconds(20)) { () -> Bool? in
            let c = counts()
            return c.owned > before.owned && c.reconciles > before.reconciles ? true : nil
        }
        #expect(repaired == true, "log:\n\(daemon.log.suffix(2000))")
        #expect(daemon.log.contains("owned objects changed by someone else"))
    }
}

/// A check of the Prometheus text format (version 0.0.4) as promtool reads it: every sample
/// belongs to a family declared with `# TYPE` before it, names and labels are well formed, and
/// every value is a number.
enum Exposition {
    static func problems(_ text: String) -> [String] {
        var problems: [String] = []
        var types: [String: String] = [:]
        if !text.hasSuffix("\n") { problems.append("does not end with a newline") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count >= 4, parts[1] == "TYPE" {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[3])) else {
                        problems.append("bad type: \(line)")
                        continue
                    }
                    if types[String(parts[2])] != nil { problems.append("family typed twice: \(line)") }
                    types[String(parts[2])] = String(parts[3])
                }
                continue
            }
            guard let sample = sample(line) else {
                problems.append("unparsable sample: \(line)")
                continue
            }
            let family = types[sample.name] != nil ? sample.name
                : ["_bucket", "_sum", "_count"].compactMap { suffix in
                    sample.name.hasSuffix(suffix) ? String(sample.name.dropLast(suffix.count)) : nil
                }.first { types[$0] == "histogram" || types[$0] == "summary" }
            if family == nil { problems.append("sample of an undeclared family: \(line)") }
        }
        return problems
    }

    /// `name{label="value",...} number`: the name, or nil when the line is malformed.
    static func sample(_ line: Substring) -> (name: String, value: Double)? {
        let chars = Array(line)
        var i = 0
        func isNameChar(_ c: Character, first: Bool) -> Bool {
            c == "_" || c == ":" || (c.isASCII && c.isLetter) || (!first && c.isASCII && c.isNumber)
        }
        while i < chars.count, isNameChar(chars[i], first: i == 0) { i += 1 }
        guard i > 0 else { return nil }
        let name = String(chars[0..<i])
        if i < chars.count, chars[i] == "{" {
            i += 1
            while i < chars.count, chars[i] != "}" {
                let start = i
                while i < chars.count, isNameChar(chars[i], first: i == start) { i += 1 }
                guard i > start, i + 1 < chars.count, chars[i] == "=", chars[i + 1] == "\"" else { return nil }
                i += 2
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\" {
                        guard i + 1 < chars.count, ["\\", "\"", "n"].contains(chars[i + 1]) else { return nil }
                        i += 1
                    }
                    i += 1
                }
                guard i < chars.count else { return nil }
                i += 1
                if i < chars.count, chars[i] == "," { i += 1 }
            }
            guard i < chars.count else { return nil }
            i += 1
        }
        guard i < chars.count, chars[i] == " " else { return nil }
        let fields = String(chars[(i + 1)...]).split(separator: " ")
        guard (1...2).contains(fields.count) else { return nil }
        let text = String(fields[0])
        let value: Double? = switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
        guard let value, fields.count == 1 || Int64(fields[1]) != nil else { return nil }
        return (name, value)
    }
}

@Suite struct ExpositionCheckTests {
    @Test func acceptsTheDaemonsOwnExpositionAndRejectsBrokenLines() throws {
        let recorder = DaemonMetrics()
        recorder.record(plan: try samplePlan())
        recorder.recordSolve(.microseconds(300))
        recorder.countEvent(kind: "link")
        let metrics = String(decoding: recorder.exposition(), as: UTF8.self)
        #expect(Exposition.problems(metrics) == [])
        let broken = metrics + "tectl_unknown_family 1\n" + "tectl_reconciles_total{a=\"b} 1\n" + "tectl_reconciles_total one\n"
        #expect(Exposition.problems(broken).count == 3, "\(Exposition.problems(broken))")
        #expect(Exposition.problems(String(metrics.dropLast())).contains("does not end with a newline"))
    }
}
