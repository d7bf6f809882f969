import CNetlinkShim
import TECore

/// Owns a `tectl_batch`: requests built with libnl's message API, sent many per sendmsg.
final class KernelBatch {
    let raw: OpaquePointer
    init() throws(NetlinkError) {
        guard let b = tectl_batch_new() else { throw NetlinkError(operation: "allocate a request batch", message: "out of memory") }
        raw = b
    }

    deinit { tectl_batch_free(raw) }

    var count: UInt32 { tectl_batch_count(raw) }

    /// Room for `requests` more requests (a hint: route requests are about 80 bytes).
    func reserve(requests: Int) {
        _ = tectl_batch_reserve(raw, UInt32(clamping: requests), requests * 96)
    }

    private func check(_ rc: Int32, _ request: @autoclosure () -> String) throws(NetlinkError) {
        guard rc >= 0 else { throw NetlinkError(operation: request(), errno: -rc, message: "cannot build the request: \(errnoText(-rc))") }
    }

    func add(_ op: KernelOperation) throws(NetlinkError) {
        let request = { op.request }
        switch op {
        case .createNexthop(let nh), .replaceNexthop(let nh):
            let replace: Int32 = if case .replaceNexthop = op { 1 } else { 0 }
            let rc = withGateway(nh.gateway) { gw in
                tectl_batch_nexthop(raw, replace, nh.id, nh.family.kernelValue, nh.protocolNumber, nh.ifindex, gw, nh.blackhole ? 1 : 0)
            }
            try check(rc, request())
        case .createGroup(let g), .replaceGroup(let g):
            let replace: Int32 = if case .replaceGroup = op { 1 } else { 0 }
            let ids = g.members.map(\.id)
            let weights = g.members.map { UInt32(clamping: $0.weight) }
            let type = g.type == .resilient ? UInt16(TECTL_NH_GRP_TYPE_RES) : UInt16(TECTL_NH_GRP_TYPE_MPATH)
            let rc = tectl_batch_group(raw, replace, g.id, g.protocolNumber, ids, weights, UInt32(ids.count), type, g.buckets, g.idleTimer, g.unbalancedTimer)
            try check(rc, request())
        case .deleteGroup(let g):
            try check(tectl_batch_delete_nexthop(raw, g.id), request())
        case .deleteNexthop(let nh):
            try check(tectl_batch_delete_nexthop(raw, nh.id), request())
        case .createRoute(let r), .replaceRoute(let r):
            let replace: Int32 = if case .replaceRoute = op { 1 } else { 0 }
            try check(route(r, remove: 0, replace: replace), request())
        case .deleteRoute(let r):
            try check(route(r, remove: 1, replace: 0), request())
        case .addRule(let rule), .deleteRule(let rule):
            let remove: Int32 = if case .deleteRule = op { 1 } else { 0 }
            let rc = tectl_batch_rule(
                raw, remove, rule.family.kernelValue, rule.priority, rule.table, rule.protocolNumber,
                rule.dscp.map { Int32($0) } ?? -1, rule.fwmark == nil ? 0 : 1, rule.fwmark ?? 0, rule.fwmask
            )
            try check(rc, request())
        }
    }

    private func route(_ r: RouteObject, remove: Int32, replace: Int32) -> Int32 {
        let family = r.key.familyValue
        let len = r.key.prefixLength
        switch r.target {
        case .nexthop(let id):
            return r.key.withDestination { dst in tectl_batch_route(raw, remove, replace, family, dst, len, r.key.table, r.protocolNumber, r.key.metric, id, nil, 0) }
        case .paths(let paths):
            let c = paths.map { p -> tectl_path in
                var cp = tectl_path()
                cp.oif = p.ifindex
                cp.weight = UInt16(clamping: p.weight)
                withUnsafeMutableBytes(of: &cp.gateway) { raw in
                    for (i, b) in p.gateway.bytes.enumerated() where i < raw.count { raw[i] = b }
                }
                return cp
            }
            return r.key.withDestination { dst in tectl_batch_route(raw, remove, replace, family, dst, len, r.key.table, r.protocolNumber, r.key.metric, 0, c, UInt32(c.count)) }
        case .other:
            return r.key.withDestination { dst in tectl_batch_route(raw, remove, replace, family, dst, len, r.key.table, r.protocolNumber, r.key.metric, 0, nil, 0) }
        }
    }

    private func withGateway<R>(_ gw: IPAddress?, _ body: (UnsafePointer<UInt8>?) -> R) -> R {
        guard let gw else { return body(nil) }
        return gw.bytes.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
