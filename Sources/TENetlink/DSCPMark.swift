import Foundation
import TECore

/// The fallback for kernels without FRA_DSCP: nftables marks packets by DSCP (table `inet tectl`,
/// chains `prerouting` and `output`) and the class rules match the mark. The mark of DSCP d is
/// 0x7EC70000 + d (mask 0xffffffff).
public struct DSCPMark: Sendable, Hashable, Comparable {
    public var family: AddressFamily
    public var dscp: UInt8

    public init(family: AddressFamily, dscp: UInt8) {
        self.family = family
        self.dscp = dscp
    }

    public static func mark(for dscp: UInt8) -> UInt32 { 0x7EC7_0000 | UInt32(dscp) }

    public static func < (a: DSCPMark, b: DSCPMark) -> Bool { (a.family.kernelValue, a.dscp) < (b.family.kernelValue, b.dscp) }

    /// The comment that identifies the nftables rule of this mark.
    var comment: String { "tectl \(family == .ipv4 ? "ip" : "ip6") dscp \(dscp)" }

    /// The nftables statement body.
    var statement: String {
        "\(family == .ipv4 ? "ip" : "ip6") dscp \(dscp) meta mark set 0x\(String(DSCPMark.mark(for: dscp), radix: 16)) comment \"\(comment)\""
    }
}

/// Reads and writes tectl's nftables table with the `nft` command.
public enum DSCPMarking {
    public static let table = "inet tectl"

    /// The ruleset that replaces the table atomically (empty marks: delete it).
    public static func ruleset(_ marks: Set<DSCPMark>) -> String {
        var s = "table \(table)\ndelete table \(table)\n"
        guard !marks.isEmpty else { return s }
        let body = marks.sorted().map { "\t\t\($0.statement)\n" }.joined()
        s += "table \(table) {\n"
        s += "\tchain prerouting {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n\(body)\t}\n"
        s += "\tchain output {\n\t\ttype route hook output priority mangle; policy accept;\n\(body)\t}\n"
        s += "}\n"
        return s
    }

    /// The marks the installed table carries (by rule comment), in both chains; empty when the
    /// table does not exist.
    public static func installed() -> Set<DSCPMark> {
        guard let text = try? runNft(["list", "table", "inet", "tectl"], input: nil) else { return [] }
        var prerouting = Set<String>(), output = Set<String>()
        var chain = ""
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("chain ") { chain = String(t.dropFirst(6).prefix { $0 != " " }) }
            guard let r = t.range(of: "comment \"tectl ") else { continue }
            let c = "tectl " + t[r.upperBound...].prefix { $0 != "\"" }
            if chain == "prerouting" { prerouting.insert(c) } else if chain == "output" { output.insert(c) }
        }
        var marks = Set<DSCPMark>()
        for c in prerouting.intersection(output) {
            let parts = c.split(separator: " ")
            guard parts.count == 4, let d = UInt8(parts[3]) else { continue }
            marks.insert(DSCPMark(family: parts[1] == "ip" ? .ipv4 : .ipv6, dscp: d))
        }
        return marks
    }

    /// Replaces the table with one that marks exactly `marks` (or deletes it).
    public static func apply(_ marks: Set<DSCPMark>) throws(NetlinkError) {
        _ = try runNft(["-f", "-"], input: ruleset(marks))
    }

    static func runNft(_ args: [String], input: String?) throws(NetlinkError) -> String {
        let path = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/nft"
        let r = try Subprocess.run([path] + args, input: input)
        guard r.status == 0 else {
            throw NetlinkError(operation: "nft \(args.joined(separator: " "))", message: r.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return r.standardOutput
    }
}
