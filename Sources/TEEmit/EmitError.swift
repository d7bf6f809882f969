/// Why a plan cannot be rendered for a switch stack.
public enum EmitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The policy has no `frr:` / `sonic:` section.
    case missingSection(String)
    /// The plan asks for something the target cannot express.
    case unsupported(String)

    public var description: String {
        switch self {
        case .missingSection(let s): return "the policy has no \"\(s):\" section (docs/policy.md, \"Switch configuration\")"
        case .unsupported(let s): return s
        }
    }
}
