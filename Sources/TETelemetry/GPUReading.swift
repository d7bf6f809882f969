import TECore

/// One GPU's utilization as a feed reported it, before averaging per host.
public struct GPUReading: Sendable, Equatable {
    public var host: String
    /// The GPU within the host (`gpu`, `gpu_id`, UUID, PCI bus id or row number).
    public var gpu: String
    /// 0...1.
    public var utilization: Double

    public init(host: String, gpu: String, utilization: Double) {
        self.host = host
        self.gpu = gpu
        self.utilization = utilization
    }
}
