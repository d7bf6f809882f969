import TECore

/// `control:` keys that only the daemon (`tectl run`) reads. docs/policy.md and docs/daemon.md
/// document them; keep the three in step.
extension PolicyParser {
    static let daemonControlKeys = ["event_settle"]

    /// Longest `control.event_settle`: beyond it a repair of what the kernel removed waits longer
    /// than a periodic cycle usually would.
    static let maxEventSettle: Duration = .seconds(1)

    func parseDaemonControl(_ f: Fields, into c: inout ControlSettings) {
        let key = "event_settle"
        guard let n = f[key], let d = reader.duration(n, path: f.path(key), positive: false) else { return }
        guard d >= .zero, d <= Self.maxEventSettle else {
            reader.error(n, "\(f.path(key)): must be between 0s and 1s, found \"\(reader.string(n, path: f.path(key)) ?? "")\"")
            return
        }
        c.eventSettle = d
    }
}
