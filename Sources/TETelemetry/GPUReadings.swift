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

/// Turns per-GPU readings into per-host samples.
public enum GPUAggregation {
    /// Per host: the mean over its GPUs (readings of the same GPU are averaged first, so a GPU
    /// exported as several series — MIG instances, one series per pod — counts once).
    /// Any value that is not a number in 0...1 makes the whole feed `error`: a feed that reports
    /// garbage for one GPU is not trusted for the others.
    public static func samples(feed: String, readings: [GPUReading]) throws(FeedFailure) -> [GPUSample] {
        var perGPU: [String: [String: [Double]]] = [:]
        var hostOrder: [String] = []
        for r in readings {
            guard r.utilization.isFinite else {
                throw FeedFailure(.error, "host \(r.host) GPU \(r.gpu): utilization is \(r.utilization) (not a number)")
            }
            guard (0...1).contains(r.utilization) else {
                throw FeedFailure(.error, "host \(r.host) GPU \(r.gpu): utilization \(percentText(r.utilization)) is outside 0–100 %")
            }
            if perGPU[r.host] == nil { hostOrder.append(r.host) }
            perGPU[r.host, default: [:]][r.gpu, default: []].append(r.utilization)
        }
        return hostOrder.sorted().map { host in
            let gpus = perGPU[host] ?? [:]
            let means = gpus.values.map { $0.reduce(0, +) / Double($0.count) }
            return GPUSample(feed: feed, host: host, utilization: means.reduce(0, +) / Double(max(1, means.count)), gpus: means.count)
        }
    }

    static func percentText(_ fraction: Double) -> String {
        let p = fraction * 100
        return p == p.rounded() && abs(p) < 1e15 ? "\(Int(p)) %" : "\(p) %"
    }
}
