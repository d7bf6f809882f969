import TECore

/// A policy that passed validation, with where each of its fields came from, so that checks
/// made later against the host (a `dev` that does not exist) report `FILE:LINE:COL` too.
public struct LoadedPolicy: Sendable {
    public var policy: Policy
    public var file: String
    /// Field path (`nexthops[2].dev`, `routes[0].prefixes`) → location of its value. The items
    /// of `prefixes` lists are in `prefixLocations` (100,000 path strings would cost more than
    /// the rest of the parse).
    public var locations: [String: SourceLocation]
    /// Route entry index → location of each item of its `prefixes` list.
    public var prefixLocations: [Int: [SourceLocation]]
    /// How many `prefixes` lists were read by `PrefixListScanner` rather than as YAML nodes.
    var scannedLists = 0
    /// Extension sections (`frr:`, `sonic:`...) kept as parsed YAML-free values for their owners.
    public var extensions: PolicyExtensions

    public init(policy: Policy, file: String, locations: [String: SourceLocation], prefixLocations: [Int: [SourceLocation]] = [:], extensions: PolicyExtensions = PolicyExtensions()) {
        self.policy = policy
        self.file = file
        self.locations = locations
        self.prefixLocations = prefixLocations
        self.extensions = extensions
    }

    /// Where the value at `path` was written: `routes[j].prefixes[i]` or a recorded field path.
    public func location(of path: String) -> SourceLocation? {
        if let loc = locations[path] { return loc }
        guard path.hasPrefix("routes["), let close = path.firstIndex(of: "]"),
              let entry = Int(path[path.index(path.startIndex, offsetBy: 7)..<close]) else { return nil }
        let rest = path[path.index(after: close)...]
        guard rest.hasPrefix(".prefixes["), rest.hasSuffix("]"),
              let item = Int(rest.dropFirst(".prefixes[".count).dropLast()),
              let list = prefixLocations[entry], list.indices.contains(item) else { return nil }
        return list[item]
    }

    /// A diagnostic at the location of `path` (or at its closest recorded parent, or 1:1).
    public func diagnostic(at path: String, _ message: String) -> PolicyDiagnostic {
        var key = path
        while true {
            if let loc = location(of: key) {
                return PolicyDiagnostic(file: file, line: loc.line, column: loc.column, message: message)
            }
            guard let cut = key.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            key = String(key[..<cut])
        }
        return PolicyDiagnostic(file: file, line: 1, column: 1, message: message)
    }

    /// Checks what only the host can tell: every next-hop's `dev` exists among `interfaces`.
    /// Same `FILE:LINE:COL` form as validation.
    public func checkHost(interfaces: Set<String>) -> [PolicyDiagnostic] {
        var out: [PolicyDiagnostic] = []
        for (i, nh) in policy.nexthops.enumerated() where !interfaces.contains(nh.dev) {
            out.append(diagnostic(at: "nexthops[\(i)].dev", "nexthops[\(i)].dev: device \"\(nh.dev)\" does not exist on this host (next-hop \(nh.name))"))
        }
        return out
    }
}

/// Optional policy sections owned by other modules (the emitters), validated here.
public struct PolicyExtensions: Sendable, Equatable {
    /// `frr:` (docs/policy.md, "Switch configuration"); nil when the policy has none.
    public var frr: FRRSettings?
    /// `sonic:`; nil when the policy has none.
    public var sonic: SONiCSettings?

    public init(frr: FRRSettings? = nil, sonic: SONiCSettings? = nil) {
        self.frr = frr
        self.sonic = sonic
    }
}
