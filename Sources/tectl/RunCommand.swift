import ArgumentParser
import Foundation
import Logging
import TECore
import TEDaemon
import TENetlink
import TEPolicy

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the controller (or, with --once, one reconcile): program the plan into the kernel.",
        discussion: """
            Without --once: the controller (docs/daemon.md). Link events re-plan at once; every \
            control.interval the inputs are re-read and the plan re-solved, through the damper. SIGHUP \
            reloads the policy (an invalid one is rejected and the running one kept); SIGTERM/SIGINT stop \
            and leave the routes in place unless --flush-on-exit. /metrics and /healthz listen on \
            control.listen. --dry-run logs the diffs instead of applying them.

            With --once: one reconcile. Dumps what the kernel has, diffs it against the plan and sends the \
            smallest set of requests, make-before-break (new nexthops first, groups replaced in place, stale \
            objects last). Touches only objects that carry ownership.protocol. Exit status 0 when the kernel \
            matches the plan afterwards; 1 when it does not (each refused request is printed with the object \
            it was about) or the policy is invalid; 2 on a runtime failure. --dry-run prints the requests \
            and changes nothing. Details: docs/kernel.md.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Policy file (YAML, policy v1).", valueName: "FILE"))
    var policy: String

    @Flag(name: .long, help: "Run one reconcile cycle and exit.")
    var once = false

    @Flag(name: .long, help: "Do not change the kernel: print (--once) or log (controller) the requests a reconcile would send.")
    var dryRun = false

    @Flag(name: .long, help: "Controller: on SIGTERM/SIGINT, remove everything tectl owns (default: leave routes in place).")
    var flushOnExit = false

    @Flag(name: .long, help: "--once text output: list every route request (by default more than \(Run.routeLines) are summed up per kind).")
    var verbose = false

    /// Route requests listed one per line before the text output sums them up.
    static let routeLines = 100

    @Option(name: .long, help: "--once output format: text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Controller log format: text (logfmt) or json (one object per line).")
    var logFormat: LogFormatOption = .text

    @Option(name: .long, help: "Controller log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown log level \"\(logLevel)\"") }
        if dryRun && flushOnExit { throw ValidationError("--flush-on-exit changes the kernel; it cannot go with --dry-run") }
        if once && flushOnExit { throw ValidationError("--flush-on-exit is for the controller, not --once") }
    }

    func run() async throws {
        if once { try await runOnce() } else { try await runController() }
    }

    private func runController() async throws {
        let loaded = try loadPolicyOrExit(policy)
        let format = logFormat.format
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let logger = Logger(label: "tectl") { label in LineLogHandler(label: label, format: format, level: level) }
        let programmer: KernelProgrammer
        do {
            let links = try LinkDump.links().map(\.name)
            let problems = loaded.checkHost(interfaces: Set(links))
            if !problems.isEmpty {
                printError(problems.map(\.description).joined(separator: "\n"))
                throw ExitCode(1)
            }
            programmer = try KernelProgrammer(ownership: loaded.policy.ownership, logger: logger)
        } catch let error as NetlinkError {
            printError("tectl: \(error)")
            throw ExitCode(2)
        }
        let inputs: TelemetryInputSource
        do {
            inputs = try await TelemetryInputSource(logger: logger)
        } catch {
            printError("tectl: link monitor: \(error)")
            throw ExitCode(2)
        }
        defer { inputs.stop() }
        do {
            try await Daemon.run(
                policy: loaded,
                options: ControllerOptions(dryRun: dryRun, flushOnExit: flushOnExit, maxGroupWeight: programmer.maxGroupWeight),
                inputs: inputs, programmer: programmer,
                engine: HeadroomPlanEngine(maxGroupWeight: programmer.maxGroupWeight), logger: logger
            )
        } catch {
            logger.critical("tectl run failed", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
    }

    private func runOnce() async throws {
        let loaded = try loadPolicyOrExit(policy)
        // Latency only matters to classes that prefer it; otherwise no probe waits on a gateway
        // that drops SYNs. Without feeds either, one sample is the links alone (utilization 0,
        // as in a first sample): read directly, without the collector's threads.
        let probeLatency = loaded.policy.classes.contains { $0.prefer == .latency }
        let inputs: LiveInputs
        if loaded.policy.feeds.isEmpty && !probeLatency {
            do {
                inputs = try LiveInputs.read()
            } catch {
                printError("tectl: \(error)")
                throw ExitCode(2)
            }
            let problems = loaded.checkHost(interfaces: Set(inputs.interfaces.keys))
            if !problems.isEmpty {
                printError(problems.map(\.description).joined(separator: "\n"))
                throw ExitCode(1)
            }
        } else {
            inputs = LiveInputs(snapshot: try await readLiveSnapshotOrExit(policy: loaded, measured: false, probeLatency: probeLatency))
        }
        let report: ReconcileReport
        do {
            let session = try KernelSession(ownership: loaded.policy.ownership)
            let plan = Planner(policy: loaded.policy, maxGroupWeight: session.features.maxGroupWeight).plan(snapshot: inputs.snapshot)
            report = try session.reconcile(plan: plan, policy: loaded.policy, interfaces: inputs.interfaces, dryRun: dryRun)
        } catch {
            printError("tectl: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .text: print(KernelReport.text(report, routeLines: verbose ? .max : Self.routeLines), terminator: "")
        case .json: print(try KernelReport.json(report), terminator: "")
        }
        for f in report.failures { printError("tectl: \(f)") }
        for c in report.conflicts { printError("tectl: \(c)") }
        if !dryRun && !report.matches {
            if report.failures.isEmpty && report.conflicts.isEmpty { printError("tectl: the kernel does not match the plan after the reconcile") }
            throw ExitCode(1)
        }
    }
}

enum LogFormatOption: String, ExpressibleByArgument, CaseIterable {
    case text, json
    var format: LogFormat { self == .json ? .json : .text }
}
