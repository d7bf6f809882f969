import Foundation
import TECore
import Yams

/// Reads and validates policy files. The only way to get a `Policy` from a file: a file with
/// any problem yields every problem (`PolicyValidationError`) and no policy.
public enum PolicyLoader {
    public static let supportedVersions = [1]

    /// Reads `path` and validates it.
    public static func load(path: String) throws(PolicyValidationError) -> LoadedPolicy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyValidationError(diagnostics: [PolicyDiagnostic(file: path, line: 1, column: 1, message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyValidationError(diagnostics: [PolicyDiagnostic(file: path, line: 1, column: 1, message: "the file is not UTF-8 text")])
        }
        return try load(yaml: text, file: path)
    }

    /// Validates policy text; `file` names it in diagnostics.
    public static func load(yaml: String, file: String) throws(PolicyValidationError) -> LoadedPolicy {
        try load(yaml: yaml, file: file, scanLists: 256)
    }

    /// `scanLists`: `prefixes` lists of at least this many simple items are read by
    /// `PrefixListScanner` instead of as YAML nodes (nil: never). The result is the same either
    /// way; when the tree does not confirm a scanned list, the file is read again without.
    static func load(yaml: String, file: String, scanLists: Int?) throws(PolicyValidationError) -> LoadedPolicy {
        let scanned = scanLists.flatMap { PrefixListScanner(yaml, minimumItems: $0) }
        let root: Node
        do {
            // `.basic`: no implicit tag resolution (regexes per scalar); YAMLReader reads every
            // scalar itself.
            guard let node = try Yams.compose(yaml: scanned?.yaml ?? yaml, .basic) else {
                throw PolicyValidationError(diagnostics: [PolicyDiagnostic(file: file, line: 1, column: 1, message: "the file is empty; a policy starts with \"version: 1\"")])
            }
            root = node
        } catch let error as PolicyValidationError {
            throw error
        } catch let error as YamlError {
            if scanned != nil { return try load(yaml: yaml, file: file, scanLists: nil) }
            throw PolicyValidationError(diagnostics: [diagnostic(for: error, file: file)])
        } catch {
            if scanned != nil { return try load(yaml: yaml, file: file, scanLists: nil) }
            throw PolicyValidationError(diagnostics: [PolicyDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")])
        }
        let parser = PolicyParser(reader: YAMLReader(file: file))
        parser.scanned = scanned
        let policy = parser.parse(root)
        if scanned != nil, !parser.tookEveryScannedListOnce {
            // A list the tree does not confirm (inside a block scalar, a flow mapping, a
            // section other than a route entry): read the file the ordinary way.
            return try load(yaml: yaml, file: file, scanLists: nil)
        }
        let diagnostics = parser.reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        guard diagnostics.isEmpty, let policy else {
            throw PolicyValidationError(diagnostics: diagnostics)
        }
        var loaded = LoadedPolicy(policy: policy, file: file, locations: parser.reader.locations, prefixLocations: parser.prefixLocations, extensions: parser.extensions)
        loaded.scannedLists = parser.takenLists.count
        return loaded
    }

    static func diagnostic(for error: YamlError, file: String) -> PolicyDiagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let ctx = context.map { "\($0.text) (line \($0.mark.line)): " } ?? ""
            return PolicyDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(ctx)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return PolicyDiagnostic(file: file, line: max(1, context.mark.line), column: max(1, context.mark.column), message: "duplicate key \(keys) in one mapping")
        default:
            return PolicyDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }
}
