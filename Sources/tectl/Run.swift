import ArgumentParser
import Foundation
import TECore
import TENetlink
import TEPolicy

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Program the plan into the kernel: nexthop objects, groups, routes and class rules.",
        discussion: """
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

    @Flag(name: .long, help: "Print the requests a reconcile would send; change nothing.")
    var dryRun = false

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        if !once { throw ValidationError("only one-shot reconciles are available here: add --once") }
    }

    func run() async throws {
        let loaded = try loadPolicyOrExit(policy)
        let inputs = try await sampleLiveInputsOrExit(policy: loaded)
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
        case .text: print(KernelReport.text(report), terminator: "")
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
