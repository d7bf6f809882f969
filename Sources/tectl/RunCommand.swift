import ArgumentParser
import Foundation
import Logging
import TEDaemon
import TENetlink
import TEPolicy

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the controller: adapt weights to link state and load, serve /metrics and /healthz.",
        discussion: """
            Link events re-plan at once; every control.interval the inputs are re-read and the plan \
            re-solved, through the damper (docs/daemon.md). SIGHUP reloads the policy (an invalid one \
            is rejected and the running one kept); SIGTERM/SIGINT stop and leave the routes in place \
            unless --flush-on-exit. /metrics and /healthz listen on control.listen.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Policy file (YAML, policy v1).", valueName: "FILE"))
    var policy: String

    @Flag(name: .long, help: "Run the loop and log the diffs instead of applying them.")
    var dryRun = false

    @Flag(name: .long, help: "On SIGTERM/SIGINT, remove everything tectl owns (default: leave routes in place).")
    var flushOnExit = false

    @Option(name: .long, help: "Log format: text (logfmt) or json (one object per line).")
    var logFormat: LogFormatOption = .text

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown log level \"\(logLevel)\"") }
        if dryRun && flushOnExit { throw ValidationError("--flush-on-exit changes the kernel; it cannot go with --dry-run") }
    }

    func run() async throws {
        let loaded = try loadPolicyOrExit(policy)
        let format = logFormat.format
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let logger = Logger(label: "tectl") { label in LineLogHandler(label: label, format: format, level: level) }

        let links: [String]
        do {
            links = try LinkDump.links().map(\.name)
        } catch {
            printError("tectl: \(error)")
            throw ExitCode(2)
        }
        let problems = loaded.checkHost(interfaces: Set(links))
        if !problems.isEmpty {
            printError(problems.map(\.description).joined(separator: "\n"))
            throw ExitCode(1)
        }
        guard dryRun else {
            printError("tectl run: this build has no kernel programmer yet; use --dry-run")
            throw ExitCode(2)
        }
        do {
            try await Daemon.run(
                policy: loaded, options: ControllerOptions(dryRun: dryRun, flushOnExit: flushOnExit),
                inputs: LinkDumpInputSource(), programmer: PlanDiffProgrammer(), logger: logger
            )
        } catch {
            logger.critical("tectl run failed", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
    }
}

enum LogFormatOption: String, ExpressibleByArgument, CaseIterable {
    case text, json
    var format: LogFormat { self == .json ? .json : .text }
}
