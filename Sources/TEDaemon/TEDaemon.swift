import TECore

/// The controller daemon.
public enum Daemon {}
