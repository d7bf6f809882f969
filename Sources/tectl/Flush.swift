import ArgumentParser
import Foundation
import TECore
import TENetlink
import TEPolicy

struct Flush: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove everything tectl owns from the kernel (idempotent).",
        discussion: """
            Deletes the rules, routes, nexthop groups and nexthops that carry the protocol number \
            (--protocol, or ownership.protocol of --policy; default 250), in that order, and tectl's \
            nftables table when there is one. Nothing else is touched. Running it again removes nothing \
            and exits 0.
            """
    )

    @Option(name: .long, help: "Protocol number that marks tectl's objects (default: the policy's, or 250).")
    var `protocol`: UInt8?

    @Option(name: .long, help: ArgumentHelp("Take the protocol number from this policy.", valueName: "FILE"))
    var policy: String?

    func run() throws {
        var ownership = try policy.map { try loadPolicyOrExit($0).policy.ownership } ?? Ownership()
        if let p = `protocol` { ownership.protocolNumber = p }
        do {
            // Feature probes are not needed to delete.
            let session = try KernelSession(ownership: ownership, features: KernelFeatures(nexthopObjects: true, weights16: false, dscpRules: true))
            let result = try session.flush()
            for op in result.removed { print("- \(op)") }
            print("# removed \(result.removed.count - result.failures.count) object\(result.removed.count == 1 ? "" : "s") of protocol \(ownership.protocolNumber)")
            if !result.failures.isEmpty {
                for f in result.failures { printError("tectl: \(f)") }
                throw ExitCode(2)
            }
        } catch let error as NetlinkError {
            printError("tectl: \(error)")
            throw ExitCode(2)
        }
    }
}
