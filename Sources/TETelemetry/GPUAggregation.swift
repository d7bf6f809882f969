import TECore

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
