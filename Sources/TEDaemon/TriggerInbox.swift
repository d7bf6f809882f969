import Synchronization
import TECore

/// What the controller loop should do next: everything that arrived since it last looked,
/// coalesced (the latest state per link, one tick however many were missed).
struct TriggerBatch: Sendable {
    /// A fresh read of the inputs, and when that read started.
    var sample: (snapshot: Snapshot, startedAt: ContinuousClock.Instant)?
    var sampleError: String?
    var reload = false
    var resync = false
    var links: [String: TimedEvent] = [:]
    var owned: [String] = []
    var eventKinds: [String] = []
    /// When the oldest event of the batch was received.
    var firstEventAt: ContinuousClock.Instant?

    var isEmpty: Bool { sample == nil && sampleError == nil && !reload && !resync && links.isEmpty && owned.isEmpty }
    var hasEvents: Bool { firstEventAt != nil }

    mutating func add(_ e: TimedEvent) {
        switch e.event {
        case .link(let name, _, _), .linkRemoved(let name): links[name] = e
        case .ownedObjectChanged(let what): owned.append(what)
        case .resync: resync = true
        }
        eventKinds.append(e.event.kind)
        if firstEventAt.map({ e.receivedAt < $0 }) ?? true { firstEventAt = e.receivedAt }
    }
}

/// A single-consumer mailbox between the producers (ticker, event stream, reload signal) and the
/// loop. Posting never blocks and never grows without bound: triggers merge into one batch.
final class TriggerInbox: Sendable {
    private struct State {
        var pending = TriggerBatch()
        var waiter: CheckedContinuation<TriggerBatch?, Never>?
        var finished = false
    }
    private let state = Mutex(State())

    func post(_ change: (inout TriggerBatch) -> Void) {
        let resume: (CheckedContinuation<TriggerBatch?, Never>, TriggerBatch)? = state.withLock { s in
            guard !s.finished else { return nil }
            change(&s.pending)
            guard let w = s.waiter, !s.pending.isEmpty else { return nil }
            s.waiter = nil
            let batch = s.pending
            s.pending = TriggerBatch()
            return (w, batch)
        }
        if let (w, batch) = resume { w.resume(returning: batch) }
    }

    func post(_ event: TimedEvent) { post { $0.add(event) } }

    /// Ends the loop: the waiting (or next) `next()` returns nil.
    func finish() {
        let w: CheckedContinuation<TriggerBatch?, Never>? = state.withLock { s in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        w?.resume(returning: nil)
    }

    /// The next batch, or nil once finished or cancelled.
    func next() async -> TriggerBatch? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<TriggerBatch?, Never>) in
                let ready: TriggerBatch?? = state.withLock { s in
                    if s.finished { return .some(nil) }
                    if !s.pending.isEmpty {
                        let b = s.pending
                        s.pending = TriggerBatch()
                        return .some(b)
                    }
                    s.waiter = c
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }
}
