/// One problem found in a policy file, located by line and column (1-based).
public struct PolicyDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COL: message`, the form editors and CI annotate.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Every problem of a policy file; thrown instead of a policy when there is at least one.
public struct PolicyValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [PolicyDiagnostic]

    public init(diagnostics: [PolicyDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Where a field of the policy was written: `nexthops[1].dev` → line 12, column 40.
public struct SourceLocation: Sendable, Equatable, Hashable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
