import TECore

/// A feed's answer that cannot be used, with the state it puts the feed in.
public struct FeedFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var state: FeedStatus.State
    public var message: String
    /// Age of the newest value, when one was seen.
    public var ageSeconds: Double?

    public init(_ state: FeedStatus.State, _ message: String, ageSeconds: Double? = nil) {
        self.state = state
        self.message = message
        self.ageSeconds = ageSeconds
    }

    public var description: String { message }
}
