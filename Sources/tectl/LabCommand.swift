import ArgumentParser
import Foundation
import TELab

struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Build or remove a demo topology in network namespaces (needs root).",
        subcommands: [LabUp.self, LabDown.self]
    )
}

struct LabOptions: ParsableArguments {
    @Option(name: .long, help: "Namespace name prefix (<prefix>-host, <prefix>-router).")
    var prefix = "tectl-lab"

    func requireRoot() throws {
        if getuid() != 0 {
            printError("tectl lab: needs root (creates network namespaces)")
            throw ExitCode(2)
        }
    }
}

struct LabUp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Create a host namespace with N uplinks to a router namespace, and a policy for it."
    )

    @OptionGroup var options: LabOptions

    @Option(name: .long, help: "Number of uplinks (1-\(LabTopology.maxUplinks)).")
    var uplinks = 2

    @Option(name: .long, help: ArgumentHelp("Where to write the lab's policy.", valueName: "FILE"))
    var policyOut = "tectl-lab.yaml"

    func validate() throws {
        guard (1...LabTopology.maxUplinks).contains(uplinks) else { throw ValidationError("--uplinks must be 1...\(LabTopology.maxUplinks)") }
    }

    func run() throws {
        try options.requireRoot()
        let lab = LabTopology(uplinks: uplinks, prefix: options.prefix)
        let existing = (try? LabTopology.existingNamespaces()) ?? []
        if existing.contains(lab.hostNamespace) || existing.contains(lab.routerNamespace) {
            printError("tectl lab: \(lab.hostNamespace) or \(lab.routerNamespace) exists; run `tectl lab down --prefix \(options.prefix)` first")
            throw ExitCode(1)
        }
        do {
            try lab.up()
            try lab.policyYAML().write(toFile: policyOut, atomically: true, encoding: .utf8)
        } catch {
            printError("tectl lab: \(error)")
            throw ExitCode(2)
        }
        let exe = CommandLine.arguments.first ?? "tectl"
        print("""
            lab up: \(lab.hostNamespace) with uplinks \((1...uplinks).map(lab.hostDevice).joined(separator: " ")) -> \(lab.routerNamespace) (destinations \(LabTopology.destinations), \(LabTopology.destinations6))
            policy: \(policyOut)

            run the controller in the host namespace:
              ip netns exec \(lab.hostNamespace) \(exe) run --policy \(policyOut)
            watch it:
              ip netns exec \(lab.hostNamespace) curl -s 127.0.0.1:9464/metrics | grep tectl_nexthop_weight
            pull uplink 1's cable, and plug it back:
              ip -n \(lab.routerNamespace) link set \(lab.routerDevice(1)) down
              ip -n \(lab.routerNamespace) link set \(lab.routerDevice(1)) up
            remove it all:
              \(exe) lab down\(options.prefix == "tectl-lab" ? "" : " --prefix \(options.prefix)")
            """)
    }
}

struct LabDown: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Remove the lab's namespaces.")

    @OptionGroup var options: LabOptions

    func run() throws {
        try options.requireRoot()
        let lab = LabTopology(uplinks: 1, prefix: options.prefix)
        lab.down()
        print("lab down: removed \(lab.hostNamespace) and \(lab.routerNamespace)")
    }
}
