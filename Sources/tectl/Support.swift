import ArgumentParser
import Foundation
import TEPolicy

/// Output format shared by the commands that print for both people and scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Loads a policy or prints every diagnostic and exits 1.
func loadPolicyOrExit(_ path: String) throws -> LoadedPolicy {
    do {
        return try PolicyLoader.load(path: path)
    } catch {
        printError(error.description)
        throw ExitCode(1)
    }
}
