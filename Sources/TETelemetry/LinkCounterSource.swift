import TENetlink

/// Where link state and counters come from.
public protocol LinkCounterSource: Sendable {
    func read() async throws -> [LinkCounters]
}

/// The links of a network namespace, through one libnl dump per call on a dedicated thread.
public struct NetlinkCounterSource: LinkCounterSource {
    /// `ip netns` name or path; nil: the namespace tectl runs in.
    public var namespace: String?

    public init(namespace: String? = nil) { self.namespace = namespace }

    public func read() async throws -> [LinkCounters] {
        try await NamespaceThread.run(in: namespace) { try LinkDump.counters() }
    }
}
