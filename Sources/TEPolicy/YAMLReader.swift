import TECore
import Yams

/// Walks a composed YAML tree, collecting every problem instead of stopping at the first,
/// and recording where each field was written.
final class YAMLReader {
    let file: String
    private(set) var diagnostics: [PolicyDiagnostic] = []
    private(set) var locations: [String: SourceLocation] = [:]

    init(file: String) { self.file = file }

    func location(of node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(line: 1, column: 1) }
        return SourceLocation(line: mark.line, column: mark.column)
    }

    func error(_ node: Node?, _ message: String) {
        let loc = location(of: node)
        diagnostics.append(PolicyDiagnostic(file: file, line: loc.line, column: loc.column, message: message))
    }

    func error(at loc: SourceLocation, _ message: String) {
        diagnostics.append(PolicyDiagnostic(file: file, line: loc.line, column: loc.column, message: message))
    }

    func record(_ path: String, _ node: Node) { locations[path] = location(of: node) }
    func record(_ path: String, _ location: SourceLocation) { locations[path] = location }

    /// A mapping's entries by key, in file order. Unknown keys are reported with a suggestion;
    /// missing required keys are reported at the mapping.
    func mapping(_ node: Node, path: String, allowed: [String], required: [String] = []) -> Fields? {
        guard case .mapping(let m) = node else {
            error(node, "\(path.isEmpty ? "the policy" : path): expected a mapping (key: value), found \(describe(node))")
            return nil
        }
        record(path, node)
        var fields = Fields(node: node, path: path)
        for (keyNode, value) in m {
            guard let key = keyNode.scalar?.string else {
                error(keyNode, "\(path): keys must be plain strings")
                continue
            }
            let fieldPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                var message = "\(fieldPath): unknown key \"\(key)\""
                if let guess = closest(to: key, in: allowed) { message += "; did you mean \"\(guess)\"?" }
                error(keyNode, message)
                continue
            }
            record(fieldPath, value)
            fields.entries.append((key, value, keyNode))
        }
        for key in required where fields[key] == nil {
            error(node, "\(path.isEmpty ? "" : path + ": ")missing required key \"\(key)\"")
        }
        return fields
    }

    func sequence(_ node: Node, path: String) -> [Node]? {
        guard case .sequence(let s) = node else {
            error(node, "\(path): expected a list, found \(describe(node))")
            return nil
        }
        return Array(s)
    }

    func string(_ node: Node, path: @autoclosure () -> String) -> String? {
        guard case .scalar(let s) = node, !isNull(node) else {
            error(node, "\(path()): expected a string, found \(describe(node))")
            return nil
        }
        if s.string.isEmpty {
            error(node, "\(path()): must not be empty")
            return nil
        }
        return s.string
    }

    func int(_ node: Node, path: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let s) = node, let v = Int(s.string) else {
            error(node, "\(path): expected an integer, found \(describe(node))")
            return nil
        }
        guard range.contains(v) else {
            error(node, "\(path): \(v) is out of range \(range.lowerBound)–\(range.upperBound)")
            return nil
        }
        return v
    }

    func double(_ node: Node, path: String, range: ClosedRange<Double>) -> Double? {
        guard case .scalar(let s) = node, let v = Double(s.string), v.isFinite else {
            error(node, "\(path): expected a number, found \(describe(node))")
            return nil
        }
        guard range.contains(v) else {
            error(node, "\(path): \(s.string) is out of range \(formatCompact(range.lowerBound))–\(formatCompact(range.upperBound))")
            return nil
        }
        return v
    }

    func bool(_ node: Node, path: String) -> Bool? {
        guard case .scalar(let s) = node else {
            error(node, "\(path): expected true or false, found \(describe(node))")
            return nil
        }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "\(path): expected true or false, found \"\(s.string)\"")
            return nil
        }
    }

    func duration(_ node: Node, path: String, positive: Bool = true) -> Duration? {
        guard let text = string(node, path: path) else { return nil }
        guard let d = Duration(parsing: text) else {
            error(node, "\(path): \"\(text)\" is not a duration (e.g. 1s, 250ms, 2m)")
            return nil
        }
        if positive && d <= .zero {
            error(node, "\(path): must be greater than 0")
            return nil
        }
        return d
    }

    func bandwidth(_ node: Node, path: String) -> Bandwidth? {
        guard let text = string(node, path: path) else { return nil }
        guard let b = Bandwidth(parsing: text) else {
            error(node, "\(path): \"\(text)\" is not a bandwidth (e.g. 400G, 10Gbps, 100M, 1.5T)")
            return nil
        }
        guard b.bitsPerSecond > 0 else {
            error(node, "\(path): must be greater than 0, found \"\(text)\"")
            return nil
        }
        return b
    }

    /// A scalar or a list of scalars, as a list.
    func scalarList(_ node: Node, path: String) -> [Node]? {
        if case .scalar = node { return [node] }
        return sequence(node, path: path)
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s): return isNull(node) ? "nothing" : "\"\(s.string)\""
        }
    }
}

/// The accepted fields of one mapping, in file order.
struct Fields {
    let node: Node
    let path: String
    var entries: [(key: String, value: Node, keyNode: Node)] = []

    subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }
    func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// The allowed word nearest to `word` when it is a plausible typo.
func closest(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    // Ties go to the alphabetically first candidate, so the message is the same every run.
    guard let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }) else { return nil }
    let limit = max(1, min(3, best.0.count / 3))
    // Replacing every character is no typo ("b" is not a misspelt "a").
    return best.1 <= limit && best.1 < word.count ? best.0 : nil
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
