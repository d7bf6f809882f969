import ArgumentParser
import TEPolicy

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check policy files; print FILE:LINE:COL: message for every problem.",
        discussion: """
            Checks each file on its own (no kernel, no root), so policies can be checked anywhere. \
            Exit status 0 when every file is valid, 1 otherwise. What only the host can tell (a `dev` \
            that does not exist) is checked by `plan` and `run`.
            """
    )

    @Argument(help: ArgumentHelp("Policy files to check.", valueName: "FILE"))
    var files: [String]

    @Flag(name: .shortAndLong, help: "Print nothing for valid files.")
    var quiet = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one policy file") }
    }

    func run() throws {
        var failed = false
        for file in files {
            do {
                let loaded = try PolicyLoader.load(path: file)
                if !quiet {
                    let p = loaded.policy
                    let prefixes = p.routes.reduce(0) { $0 + $1.prefixes.count }
                    print("\(file): ok (\(p.nexthops.count) next-hops, \(p.classes.count) classes, \(p.routes.count) route entries, \(prefixes) prefixes, \(p.feeds.count) feeds)")
                }
            } catch {
                failed = true
                printError(error.description)
            }
        }
        if failed { throw ExitCode(1) }
    }
}
