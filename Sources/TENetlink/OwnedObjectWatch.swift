import Foundation
import Synchronization

/// What the owned-object watch reports.
public enum OwnedObjectChange: Sendable, Equatable {
    /// Someone else (a user, another daemon, the kernel) added, changed or deleted `count`
    /// routes, rules or nexthops of tectl's protocol.
    case changed(count: Int)
    /// Events were lost (ENOBUFS): what tectl knows may be stale; dump again.
    case lost
}

extension KernelEventMonitor {
    /// Watches, on a thread of its own, the notifications about objects of `protocolNumber` that
    /// tectl did not make (its requests are sent from the socket with port id `ownPort`).
    ///
    /// Changes made by another process are reported at once, except those about `probes` (the
    /// short-lived objects of feature detection, made by `tectl status` or `plan`), which are
    /// left out. Changes the kernel makes by itself (port id 0: it removes nexthops and shrinks
    /// groups when a device loses carrier) are reported `kernelSettle()` later (read when the
    /// first of them arrives; `control.event_settle`), coalesced: they come with a link event
    /// on another socket, and the controller should see that one first rather than re-plan
    /// with the old link state.
    /// Lost events are reported as `.lost` after the queue was emptied. The thread ends when the
    /// stream's consumer goes away (within about 200 ms).
    ///
    /// `pauseBeforeEachRead` makes the reader slow on purpose (tests only: it lets a burst
    /// overflow the socket).
    public func ownedObjectChanges(
        protocolNumber: UInt8, ownPort: UInt32, probes: ProbeObjects? = nil,
        kernelSettle: @escaping @Sendable () -> Duration = { .milliseconds(20) },
        pauseBeforeEachRead: Duration = .zero
    ) -> AsyncStream<OwnedObjectChange> {
        let (stream, continuation) = AsyncStream<OwnedObjectChange>.makeStream(bufferingPolicy: .unbounded)
        let stopped = StopFlag()
        continuation.onTermination = { _ in stopped.set() }
        let thread = Thread { [self] in
            defer { continuation.finish() }
            let clock = ContinuousClock()
            var kernelPending = 0
            var kernelDeadline: ContinuousClock.Instant?
            while !stopped.isSet {
                var wait: Int32 = 200
                if let d = kernelDeadline {
                    let left = d - clock.now
                    wait = left <= .zero ? 0 : Int32(clamping: max(1, Int((left / .milliseconds(1)).rounded(.up))))
                }
                if waitReadable(milliseconds: wait) {
                    if pauseBeforeEachRead > .zero { Thread.sleep(forTimeInterval: Double(pauseBeforeEachRead / .milliseconds(1)) / 1000) }
                    do {
                        switch try readOwned(protocolNumber: protocolNumber, ignoringPort: ownPort, probes: probes) {
                        case .overrun:
                            discardPending()
                            kernelPending = 0
                            kernelDeadline = nil
                            continuation.yield(.lost)
                        case .changed(let count, let byKernel):
                            if count > byKernel { continuation.yield(.changed(count: count - byKernel)) }
                            if byKernel > 0 {
                                kernelPending += byKernel
                                if kernelDeadline == nil { kernelDeadline = clock.now + kernelSettle() }
                            }
                        }
                    } catch {
                        // Unreadable socket: say so as lost events (a full re-dump), then stop.
                        continuation.yield(.lost)
                        return
                    }
                }
                if let d = kernelDeadline, clock.now >= d {
                    continuation.yield(.changed(count: kernelPending))
                    kernelPending = 0
                    kernelDeadline = nil
                }
            }
        }
        thread.name = "tectl-ownedmon"
        thread.start()
        return stream
    }
}

/// A flag set once from any thread.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
