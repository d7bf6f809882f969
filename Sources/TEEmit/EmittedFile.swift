/// One configuration file for one device, as `tectl emit` writes it.
public struct EmittedFile: Sendable, Equatable {
    /// The device the file configures.
    public var device: String
    /// File name used by `--output DIR` (`<device>.conf`, `<device>.json`).
    public var fileName: String
    public var contents: String
    /// Which FRR daemon reads the file (`bgpd`, `pbrd`), for checks; nil for non-FRR files.
    public var daemon: String?

    public init(device: String, fileName: String, contents: String, daemon: String? = nil) {
        self.device = device
        self.fileName = fileName
        self.contents = contents
        self.daemon = daemon
    }
}

/// What an emitter produced: the files, and what it left out and why.
public struct EmitResult: Sendable, Equatable {
    public var files: [EmittedFile]
    /// Routes left out (kept routes, members beyond a limit) and similar notes, for stderr.
    public var warnings: [String]

    public init(files: [EmittedFile], warnings: [String] = []) {
        self.files = files
        self.warnings = warnings
    }
}
