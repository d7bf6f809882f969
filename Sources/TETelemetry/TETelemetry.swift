import TECore

/// Telemetry: link counters, GPU feeds and latency, turned into snapshot inputs.
public enum Telemetry {}
