import Synchronization

/// Readiness as /healthz reports it: not ready until the first successful reconcile.
public final class HealthState: Sendable {
    private struct State {
        var reconciled = false
        var lastError: String?
    }
    private let state = Mutex(State())

    public init() {}

    public var isReady: Bool { state.withLock { $0.reconciled } }

    public func markReconciled() { state.withLock { $0.reconciled = true; $0.lastError = nil } }

    public func markFailed(_ message: String) { state.withLock { $0.lastError = message } }

    /// HTTP status and body for /healthz.
    public func report() -> (status: Int, body: String) {
        state.withLock { s in
            if s.reconciled {
                return (200, s.lastError.map { "ok (last reconcile failed: \($0))\n" } ?? "ok\n")
            }
            return (503, "not ready: no successful reconcile yet" + (s.lastError.map { " (\($0))" } ?? "") + "\n")
        }
    }
}
