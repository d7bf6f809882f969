import Foundation
import Testing
import TECore
@testable import TEEmit
import TEPolicy

/// Network namespaces running real FRR daemons (as user frr, state under a private temp dir),
/// torn down in `stop()` whatever happened.
final class FRRNamespaceLab {
    let dir: URL
    let tag = "tectl-e-\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
    private(set) var namespaces: [String] = []
    private var pidFiles: [URL] = []

    init() throws { dir = try makeFRRDirectory("lab") }

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    func ip(_ args: [String]) throws {
        let r = try runProcess("/usr/sbin/ip", args)
        if r.status != 0 { throw CommandFailed(description: "ip \(args.joined(separator: " ")): \(r.output)") }
    }

    func addNamespace(_ suffix: String) throws -> String {
        let name = "\(tag)-\(suffix)"
        try ip(["netns", "add", name])
        namespaces.append(name)
        try ip(["-n", name, "link", "set", "lo", "up"])
        return name
    }

    /// A veth pair from `a`/`aName` to `b`/`bName`, both up, with the given addresses.
    func link(_ a: String, _ aName: String, _ aAddress: String, _ b: String, _ bName: String, _ bAddress: String?) throws {
        try ip(["link", "add", aName, "netns", a, "type", "veth", "peer", "name", bName, "netns", b])
        try ip(["-n", a, "addr", "add", aAddress, "dev", aName])
        if let bAddress { try ip(["-n", b, "addr", "add", bAddress, "dev", bName]) }
        try ip(["-n", a, "link", "set", aName, "up"])
        try ip(["-n", b, "link", "set", bName, "up"])
    }

    /// Starts zebra and `daemon` in `namespace` with `config`; everything under dir/namespace.
    func startFRR(in namespace: String, daemon: String, config: String) throws {
        let d = dir.appendingPathComponent(namespace)
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try writeReadable("hostname zebra\n", to: d.appendingPathComponent("zebra.conf"))
        try writeReadable(config, to: d.appendingPathComponent("\(daemon).conf"))
        try runProcess("/bin/chown", ["-R", "frr:frr", d.path])
        for name in ["zebra", daemon] {
            let pid = d.appendingPathComponent("\(name).pid")
            pidFiles.append(pid)
            let r = try runProcess("/usr/sbin/ip", ["netns", "exec", namespace, "/usr/lib/frr/\(name)", "-d", "-u", "frr", "-g", "frr",
                                                   "-i", pid.path, "-z", d.appendingPathComponent("zserv.api").path,
                                                   "--vty_socket", d.path, "-f", d.appendingPathComponent("\(name).conf").path,
                                                   "--log", "file:\(d.appendingPathComponent("\(name).log").path)", "-P", "0"])
            if r.status != 0 { throw CommandFailed(description: "\(name) in \(namespace): exit \(r.status): \(r.output)") }
            // bgpd/pbrd connect to zebra's socket; give zebra a moment to create it.
            if name == "zebra" { try waitFor(seconds: 5) { FileManager.default.fileExists(atPath: d.appendingPathComponent("zserv.api").path) } }
        }
    }

    func waitFor(seconds: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            usleep(200_000)
        }
    }

    /// The multipath next-hops of `prefix` (or the default route of `table`) in `namespace`, as
    /// the kernel reports them: gateway → weight (`ip -j` leaves out weight 1).
    func kernelWeights(in namespace: String, _ selector: [String]) throws -> [String: Int] {
        let r = try runProcess("/usr/sbin/ip", ["-n", namespace, "-j", "route", "show"] + selector)
        guard r.status == 0, let routes = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] else { return [:] }
        for route in routes {
            guard let hops = route["nexthops"] as? [[String: Any]] else { continue }
            var out: [String: Int] = [:]
            for h in hops {
                guard let gw = h["gateway"] as? String else { continue }
                out[gw] = (h["weight"] as? Int) ?? 1
            }
            return out
        }
        return [:]
    }

    func log(_ namespace: String, _ name: String) -> String {
        (try? String(contentsOf: dir.appendingPathComponent(namespace).appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
    }

    /// Stops the daemons this lab started (by their pid files), deletes its namespaces and files.
    func stop() {
        let pids = pidFiles.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline && pids.contains(where: { kill($0, 0) == 0 }) { usleep(50_000) }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        for ns in namespaces { _ = try? runProcess("/usr/sbin/ip", ["netns", "del", ns]) }
        try? FileManager.default.removeItem(at: dir)
    }
}

/// The receiving kernel carries the planned ratio: tectl's emitted FRR configuration on both
/// ends of three parallel links (Policies/fabric-3link.yaml: 40G/10G/10G → 4:1:1).
@Suite(.serialized) struct FRRLabTests {
    static let enabled = isRoot && frrInstalled

    @Test(.enabled(if: isRoot, "needs root: creates network namespaces and runs FRR daemons"),
          .enabled(if: frrInstalled, "needs FRR (apt-get install frr)"),
          .timeLimit(.minutes(1)))
    func bgpLinkBandwidthReachesTheReceiversKernel() throws {
        let (loaded, plan) = try planExample("fabric-3link")
        let frr = try #require(loaded.extensions.frr)
        let route = try #require(plan.routes.first)
        #expect(route.members.map(\.weight) == [4, 1, 1])
        let result = try FRRConfigRenderer.render(plan, settings: frr, source: "fabric-3link.yaml")
        let receiverConfig = try #require(result.files.first { $0.device == "leaf-1" }?.contents)
        let senderConfig = try #require(result.files.first { $0.device == "spine-1" }?.contents)

        let lab = try FRRNamespaceLab()
        defer { lab.stop() }
        let leaf = try lab.addNamespace("leaf")
        let spine = try lab.addNamespace("spine")
        // Each link: the spine owns the next-hop address (via), the leaf the session address.
        for (i, nh) in route.members.enumerated() {
            let session = try #require(frr.neighbors.first { $0.nexthop == nh.name })
            try lab.link(leaf, nh.dev, "\(session.address)/30", spine, "sp\(i)", "\(nh.via)/30")
        }
        // The spine originates the prefix (`network`), which needs it in its RIB.
        try lab.ip(["-n", spine, "route", "add", "blackhole", route.prefixes[0].description])
        try lab.startFRR(in: spine, daemon: "bgpd", config: senderConfig)
        try lab.startFRR(in: leaf, daemon: "bgpd", config: receiverConfig)

        var weights: [String: Int] = [:]
        try lab.waitFor(seconds: 30) {
            weights = try lab.kernelWeights(in: leaf, [route.prefixes[0].description])
            return weights.count == route.members.count
        }
        #expect(weights.count == 3, "no multipath route after 30 s; bgpd log:\n\(lab.log(leaf, "bgpd").suffix(2000))")
        guard weights.count == 3 else { return }

        let expected = try #require(LinkBandwidthScaler.assign(route.members.map { Double($0.weight) }))
        let total = Double(weights.values.reduce(0, +))
        for (nh, receiverWeight) in zip(route.members, expected.receiverWeights) {
            let w = try #require(weights[nh.via.description])
            #expect(w == receiverWeight, "\(nh.name): kernel weight \(w), FRR's floor(bw·100/Σbw) predicts \(receiverWeight)")
            // The planned ratio (4:1:1) within the receiver's 1/100 resolution.
            #expect(abs((Double(w) / total) / nh.share - 1) <= 0.021, "\(nh.name): kernel share \(Double(w) / total), planned \(nh.share)")
        }
        print("FRR lab: leaf kernel weights \(route.members.map { "\($0.name) \(weights[$0.via.description] ?? 0)" }.joined(separator: ", ")) for planned \(route.members.map(\.weight))")
    }

    @Test(.enabled(if: isRoot, "needs root: creates network namespaces and runs FRR daemons"),
          .enabled(if: frrInstalled, "needs FRR (apt-get install frr)"),
          .timeLimit(.minutes(1)))
    func staticFormNexthopGroupReachesTheKernel() throws {
        let (loaded, basePlan) = try planExample("fabric-3link")
        var plan = basePlan
        var frr = try #require(loaded.extensions.frr)
        frr.form = .static
        frr.staticForm = FRRSettings.Static(device: "leaf-1", interfaces: ["ingress0"])
        plan.routes = Array(plan.routes.prefix(1))
        let route = try #require(plan.routes.first)
        let file = try #require(FRRConfigRenderer.render(plan, settings: frr, source: "fabric-3link.yaml").files.first)
        #expect(file.daemon == "pbrd")

        let lab = try FRRNamespaceLab()
        defer { lab.stop() }
        let leaf = try lab.addNamespace("leaf")
        let spine = try lab.addNamespace("spine")
        for (i, nh) in route.members.enumerated() {
            let session = try #require(frr.neighbors.first { $0.nexthop == nh.name })
            try lab.link(leaf, nh.dev, "\(session.address)/30", spine, "sp\(i)", "\(nh.via)/30")
        }
        try lab.link(leaf, "ingress0", "203.0.113.254/32", spine, "in0", nil)
        try lab.startFRR(in: leaf, daemon: "pbrd", config: file.contents)

        // pbrd installs the group as the default route of its own table (10000 and up) and an
        // `ip rule ... iif ingress0 lookup <table>`.
        var weights: [String: Int] = [:]
        try lab.waitFor(seconds: 30) {
            weights = try lab.kernelWeights(in: leaf, ["table", "all", "proto", "pbr"])
            return weights.count == route.members.count
        }
        #expect(weights.count == 3, "no pbr route after 30 s; pbrd log:\n\(lab.log(leaf, "pbrd").suffix(2000))")
        for nh in route.members {
            #expect(weights[nh.via.description] == nh.weight, "\(nh.name): kernel \(weights[nh.via.description] ?? 0), planned \(nh.weight)")
        }
        let rules = try runProcess("/usr/sbin/ip", ["-n", leaf, "rule", "show"])
        #expect(rules.stdout.contains("to \(route.prefixes[0]) iif ingress0 lookup"), "\(rules.stdout)")
    }
}
