import Foundation
import Logging
import Synchronization
import TECore

/// Text of a fixture under Tests/TETelemetryTests/Fixtures.
func fixture(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
        throw FixtureMissing(name: name)
    }
    return try String(contentsOf: url, encoding: .utf8)
}

struct FixtureMissing: Error { var name: String }

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tectl-tel-\(getpid())-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Records log messages so tests can count warnings.
final class LogRecorder: Sendable {
    private let entries = Mutex<[(Logger.Level, String)]>([])

    var messages: [(Logger.Level, String)] { entries.withLock { $0 } }
    var warnings: [String] { messages.filter { $0.0 == .warning }.map(\.1) }

    func logger() -> Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    fileprivate func append(_ level: Logger.Level, _ text: String) { entries.withLock { $0.append((level, text)) } }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let feed = event.metadata?["feed"].map { " [\($0)]" } ?? ""
            recorder.append(event.level, "\(event.message)\(feed)")
        }
    }
}

let isRoot = getuid() == 0

/// Swallows logs of tests that do not look at them.
let quietLogger = LogRecorder().logger()
