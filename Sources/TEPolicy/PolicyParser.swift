import TECore
import Yams

/// Policy v1 schema: every key, its type, and the checks that span sections.
/// docs/policy.md documents the same keys; keep the two in step.
final class PolicyParser {
    let reader: YAMLReader
    var extensions = PolicyExtensions()

    /// Names of entries that exist but failed validation: references to them are not reported
    /// again as undefined (one mistake, one message).
    var invalidNexthops = Set<String>()
    var invalidClasses = Set<String>()
    var invalidFeeds = Set<String>()

    init(reader: YAMLReader) { self.reader = reader }

    static let topKeys = ["version", "control", "ownership", "nexthops", "classes", "routes", "feeds"] + switchKeys
    static let controlKeys = ["interval", "hysteresis", "min_change_interval", "max_step", "listen", "utilization_half_life"] + daemonControlKeys
    static let ownershipKeys = ["protocol", "nexthop_id_base", "rule_priority_base", "nexthop_compat_mode"]
    static let nexthopKeys = ["name", "via", "dev", "capacity", "gpu"]
    static let gpuKeys = ["feed", "host"]
    static let classKeys = ["name", "priority", "dscp", "table", "prefer", "demand"]
    static let routeKeys = ["prefix", "prefixes", "class", "nexthops", "group"]
    static let groupKeys = ["type", "buckets", "idle_timer", "unbalanced_timer"]
    static let feedKeys = ["name", "kind", "url", "path", "query", "host_label", "host", "metric", "stale_after", "timeout"]

    func parse(_ root: Node) -> Policy? {
        guard let top = reader.mapping(root, path: "", allowed: Self.topKeys) else { return nil }

        var version: Int?
        if let v = top["version"] {
            if case .scalar(let s) = v, let n = Int(s.string) {
                if PolicyLoader.supportedVersions.contains(n) {
                    version = n
                } else {
                    reader.error(v, "version: unknown policy version \(s.string); this tectl reads version 1")
                }
            } else {
                reader.error(v, "version: expected an integer (1), found \(reader.describe(v))")
            }
        } else {
            reader.error(root, "missing required key \"version\" (add \"version: 1\" at the top)")
        }

        let control = top["control"].map { parseControl($0, path: "control") } ?? ControlSettings()
        let ownership = top["ownership"].map { parseOwnership($0, path: "ownership") } ?? Ownership()
        let feeds = list(top["feeds"], path: "feeds") { parseFeed($0, path: $1) }
        let nexthops = list(top["nexthops"], path: "nexthops", required: true, root: root) { parseNextHop($0, path: $1) }
        let classes = list(top["classes"], path: "classes", required: true, root: root) { parseClass($0, path: $1) }
        let routes = list(top["routes"], path: "routes", required: true, root: root) { parseRoute($0, path: $1) }

        checkUniqueNames(feeds.map { ($0.value.name, $0.path) }, what: "feed")
        checkUniqueNames(nexthops.map { ($0.value.name, $0.path) }, what: "next-hop")
        checkUniqueNames(classes.map { ($0.value.name, $0.path) }, what: "class")
        checkClasses(classes)
        checkReferences(nexthops: nexthops, classes: classes, feeds: feeds)
        parseSwitchSections(top, nexthops: nexthops.map(\.value), classes: classes.map(\.value), routes: routes.map(\.value))

        guard let version else { return nil }
        return Policy(
            version: version, control: control, ownership: ownership,
            nexthops: nexthops.map(\.value), classes: classes.map(\.value),
            routes: routes.map(\.value), feeds: feeds.map(\.value)
        )
    }

    struct Located<T> {
        var value: T
        var path: String
        var node: Node
    }

    func list<T>(_ node: Node?, path: String, required: Bool = false, root: Node? = nil, _ parse: (Node, String) -> T?) -> [Located<T>] {
        guard let node else {
            if required { reader.error(root, "missing required key \"\(path)\"") }
            return []
        }
        guard let items = reader.sequence(node, path: path) else { return [] }
        if required && items.isEmpty { reader.error(node, "\(path): must list at least one entry") }
        return items.enumerated().compactMap { i, item in
            let p = "\(path)[\(i)]"
            return parse(item, p).map { Located(value: $0, path: p, node: item) }
        }
    }

    // MARK: sections

    func parseControl(_ node: Node, path: String) -> ControlSettings {
        var c = ControlSettings()
        guard let f = reader.mapping(node, path: path, allowed: Self.controlKeys) else { return c }
        if let n = f["interval"], let d = reader.duration(n, path: f.path("interval")) { c.interval = d }
        if let n = f["hysteresis"], let v = reader.double(n, path: f.path("hysteresis"), range: 0...1) { c.hysteresis = v }
        if let n = f["min_change_interval"], let d = reader.duration(n, path: f.path("min_change_interval"), positive: false) { c.minChangeInterval = d }
        if let n = f["max_step"] {
            if let v = reader.double(n, path: f.path("max_step"), range: 0...1) {
                if v == 0 { reader.error(n, "\(f.path("max_step")): must be greater than 0") } else { c.maxStep = v }
            }
        }
        if let n = f["listen"], let s = reader.string(n, path: f.path("listen")) {
            if HostPort(s) == nil {
                reader.error(n, "\(f.path("listen")): \"\(s)\" is not host:port (e.g. 127.0.0.1:9464, [::1]:9464)")
            } else {
                c.listen = s
            }
        }
        if let n = f["utilization_half_life"], let d = reader.duration(n, path: f.path("utilization_half_life")) { c.utilizationHalfLife = d }
        parseDaemonControl(f, into: &c)
        return c
    }

    func parseOwnership(_ node: Node, path: String) -> Ownership {
        var o = Ownership()
        guard let f = reader.mapping(node, path: path, allowed: Self.ownershipKeys) else { return o }
        if let n = f["protocol"], let v = reader.int(n, path: f.path("protocol"), range: 0...255) {
            if v <= 4 {
                reader.error(n, "\(f.path("protocol")): \(v) is reserved by the kernel (unspec, redirect, kernel, boot, static); use a number such as 250")
            } else {
                o.protocolNumber = UInt8(v)
            }
        }
        if let n = f["nexthop_id_base"], let v = reader.int(n, path: f.path("nexthop_id_base"), range: 1...Int(UInt32.max - 65536)) {
            o.nexthopIDBase = UInt32(v)
        }
        if let n = f["rule_priority_base"], let v = reader.int(n, path: f.path("rule_priority_base"), range: 1...32000) {
            o.rulePriorityBase = UInt32(v)
        }
        if let n = f["nexthop_compat_mode"], let v = reader.bool(n, path: f.path("nexthop_compat_mode")) { o.nexthopCompatMode = v }
        return o
    }

    func parseNextHop(_ node: Node, path: String) -> NextHop? {
        guard let f = reader.mapping(node, path: path, allowed: Self.nexthopKeys, required: ["name", "via", "dev"]) else { return nil }
        let name = f["name"].flatMap { reader.string($0, path: f.path("name")) }
        var via: IPAddress?
        if let n = f["via"], let s = reader.string(n, path: f.path("via")) {
            via = IPAddress(s)
            if via == nil { reader.error(n, "\(f.path("via")): \"\(s)\" is not an IPv4 or IPv6 address") }
        }
        var dev: String?
        if let n = f["dev"], let s = reader.string(n, path: f.path("dev")) {
            if s.utf8.count > 15 || s.contains("/") || s.contains(" ") {
                reader.error(n, "\(f.path("dev")): \"\(s)\" is not a valid interface name (at most 15 characters, no '/' or spaces)")
            } else {
                dev = s
            }
        }
        let capacity = f["capacity"].flatMap { reader.bandwidth($0, path: f.path("capacity")) }
        var gpu: GPUBinding?
        if let n = f["gpu"], let g = reader.mapping(n, path: f.path("gpu"), allowed: Self.gpuKeys, required: ["feed", "host"]) {
            if let feed = g["feed"].flatMap({ reader.string($0, path: g.path("feed")) }),
               let host = g["host"].flatMap({ reader.string($0, path: g.path("host")) }) {
                gpu = GPUBinding(feed: feed, host: host)
            }
        }
        guard let name, let via, let dev else {
            if let name { invalidNexthops.insert(name) }
            return nil
        }
        return NextHop(name: name, via: via, dev: dev, capacity: capacity, gpu: gpu)
    }

    func parseClass(_ node: Node, path: String) -> TrafficClass? {
        guard let f = reader.mapping(node, path: path, allowed: Self.classKeys, required: ["name", "priority", "table"]) else { return nil }
        let name = f["name"].flatMap { reader.string($0, path: f.path("name")) }
        let priority = f["priority"].flatMap { reader.int($0, path: f.path("priority"), range: 0...15) }
        var table: UInt32?
        if let n = f["table"], let t = reader.int(n, path: f.path("table"), range: 0...Int(UInt32.max)) {
            switch t {
            case 0: reader.error(n, "\(f.path("table")): table 0 is unspecified; pick a table such as 101")
            case 253...255: reader.error(n, "\(f.path("table")): table \(t) is reserved (253 default, 254 main, 255 local); pick another, such as 101")
            default: table = UInt32(t)
            }
        }
        var dscp: [UInt8] = []
        if let n = f["dscp"], let items = reader.scalarList(n, path: f.path("dscp")) {
            for (i, item) in items.enumerated() {
                if let v = reader.int(item, path: "\(f.path("dscp"))[\(i)]", range: 0...63) { dscp.append(UInt8(v)) }
            }
        }
        var prefer = Preference.capacity
        if let n = f["prefer"], let s = reader.string(n, path: f.path("prefer")) {
            if let p = Preference(rawValue: s) {
                prefer = p
            } else {
                var message = "\(f.path("prefer")): unknown preference \"\(s)\" (one of: \(Preference.allCases.map(\.rawValue).joined(separator: ", ")))"
                if let g = closest(to: s, in: Preference.allCases.map(\.rawValue)) { message += "; did you mean \"\(g)\"?" }
                reader.error(n, message)
            }
        }
        let demand = f["demand"].flatMap { reader.bandwidth($0, path: f.path("demand")) }
        guard let name, let priority, let table else {
            if let name { invalidClasses.insert(name) }
            return nil
        }
        return TrafficClass(name: name, priority: priority, dscp: dscp, table: table, prefer: prefer, demand: demand)
    }

    /// What each route entry references, recorded even when the entry has other errors, so that
    /// every bad reference is reported in the same run.
    struct RouteReferences {
        var path: String
        var className: String?
        var family: AddressFamily?
        var prefixes: [IPPrefix]
        var prefixLocations: [SourceLocation]
        /// `prefixes` packed for duplicate detection (table 0), made while each prefix is at hand.
        var prefixKeys: [RoutedPrefix]
        var nexthops: [(String, Node)]
    }
    var routeReferences: [RouteReferences] = []

    /// Long `prefixes` lists read by `PrefixListScanner` (emptied in the composed tree), and the
    /// key lines of those `parseRoute` took, each as often as it was taken (an alias of an
    /// entry takes it again).
    var scanned: PrefixListScanner?
    var takenLists: [Int: Int] = [:]

    /// Every scanned list was taken exactly once: otherwise the file must be read again the
    /// ordinary way.
    var tookEveryScannedListOnce: Bool {
        guard let scanned else { return true }
        return Set(takenLists.keys) == Set(scanned.lists.keys) && takenLists.values.allSatisfy { $0 == 1 }
    }
    /// Route entries seen so far (the index of the next one in `routes:`).
    var routeCount = 0
    /// Where each item of an entry's `prefixes` list was, by the entry's index.
    var prefixLocations: [Int: [SourceLocation]] = [:]

    /// The scanned list for the `prefixes` key of `fields`, when the tree has that key in a
    /// block mapping (one that does not start with `{`; Yams does not keep the style) exactly
    /// where the scanner found it, with the blanked (empty) value.
    func scannedList(_ fields: Fields) -> PrefixListScanner.List? {
        guard let scanned, let start = fields.node.mark, scanned.byte(line: start.line, column: start.column) != UInt8(ascii: "{"),
              let key = fields.keyNode("prefixes"), let mark = key.mark,
              let list = scanned.lists[mark.line], list.keyColumn == mark.column,
              case .scalar(let value)? = fields["prefixes"], value.string.isEmpty, value.style == .plain else { return nil }
        takenLists[mark.line, default: 0] += 1
        return list
    }

    func parseRoute(_ node: Node, path: String) -> RouteEntry? {
        let index = routeCount
        routeCount += 1
        guard let f = reader.mapping(node, path: path, allowed: Self.routeKeys, required: ["class", "nexthops"]) else { return nil }
        // Paths are built only for diagnostics: a policy may list 100,000 prefixes in one entry.
        var prefixes: [IPPrefix] = []
        var locations: [SourceLocation] = []
        var keys: [RoutedPrefix] = []
        func check(_ parsed: IPPrefix?, _ text: () -> String, at loc: SourceLocation, _ itemPath: () -> String) {
            guard let prefix = parsed else {
                reader.error(at: loc, "\(itemPath()): \"\(text())\" is not a prefix (e.g. 203.0.113.0/24, 2001:db8::/32)")
                return
            }
            if prefix.hasHostBits {
                reader.error(at: loc, "\(itemPath()): \(text()) has host bits set; did you mean \(prefix.canonical)?")
                return
            }
            prefixes.append(prefix)
            locations.append(loc)
            keys.append(RoutedPrefix(table: 0, prefix: prefix))
        }
        let prefixesPath = f.path("prefixes")
        switch (f["prefix"], f["prefixes"]) {
        case (nil, nil):
            reader.error(node, "\(path): missing \"prefix\" or \"prefixes\"")
        case (let p?, let ps?):
            _ = p
            reader.error(f.keyNode("prefixes") ?? ps, "\(path): give either \"prefix\" or \"prefixes\", not both")
        case (let p?, nil):
            if let s = reader.string(p, path: f.path("prefix")) {
                check(IPPrefix(s), { s }, at: reader.location(of: p), { f.path("prefix") })
                if !prefixes.isEmpty { reader.record(f.path("prefix"), p) }
            }
        case (nil, let ps?):
            if let list = scannedList(f), let scanned {
                reader.record(prefixesPath, SourceLocation(line: list.valueLine, column: list.valueColumn))
                prefixes.reserveCapacity(list.items.count)
                locations.reserveCapacity(list.items.count)
                keys.reserveCapacity(list.items.count)
                scanned.bytes.withUnsafeBufferPointer { all in
                    for (i, item) in list.items.enumerated() {
                        let text = UnsafeBufferPointer(rebasing: all[Int(item.start)..<Int(item.start + item.count)])
                        check(PrefixListScanner.parsePrefix(text), { String(decoding: text, as: UTF8.self) },
                              at: SourceLocation(line: Int(item.line), column: Int(item.column)), { "\(prefixesPath)[\(i)]" })
                    }
                }
            } else if let items = reader.sequence(ps, path: prefixesPath) {
                if items.isEmpty { reader.error(ps, "\(prefixesPath): must list at least one prefix") }
                prefixes.reserveCapacity(items.count)
                locations.reserveCapacity(items.count)
                for (i, n) in items.enumerated() {
                    guard let s = reader.string(n, path: "\(prefixesPath)[\(i)]") else { continue }
                    check(IPPrefix(s), { s }, at: reader.location(of: n), { "\(prefixesPath)[\(i)]" })
                }
            }
            prefixLocations[index] = locations
        }
        if let fam = prefixes.first?.family, let other = zip(prefixes, locations).first(where: { $0.0.family != fam }) {
            reader.error(at: other.1, "\(path): mixes IPv4 and IPv6 prefixes; one route entry is one address family")
        }
        let className = f["class"].flatMap { reader.string($0, path: f.path("class")) }
        var nexthops: [String] = []
        var nexthopNodes: [(String, Node)] = []
        if let n = f["nexthops"], let items = reader.sequence(n, path: f.path("nexthops")) {
            if items.isEmpty { reader.error(n, "\(f.path("nexthops")): must list at least one next-hop (a group is never empty)") }
            var seen = Set<String>()
            for (i, item) in items.enumerated() {
                guard let s = reader.string(item, path: "\(f.path("nexthops"))[\(i)]") else { continue }
                if !seen.insert(s).inserted {
                    reader.error(item, "\(f.path("nexthops"))[\(i)]: next-hop \"\(s)\" is listed twice")
                    continue
                }
                nexthops.append(s)
                nexthopNodes.append((s, item))
            }
        }
        var group = GroupSpec()
        if let n = f["group"] { group = parseGroup(n, path: f.path("group"), nexthopCount: nexthops.count) }
        routeReferences.append(RouteReferences(path: path, className: className, family: prefixes.first?.family, prefixes: prefixes, prefixLocations: locations, prefixKeys: keys, nexthops: nexthopNodes))
        guard let className, !prefixes.isEmpty, !nexthops.isEmpty else { return nil }
        return RouteEntry(prefixes: prefixes, className: className, nexthops: nexthops, group: group)
    }

    func parseGroup(_ node: Node, path: String, nexthopCount: Int) -> GroupSpec {
        var g = GroupSpec()
        guard let f = reader.mapping(node, path: path, allowed: Self.groupKeys) else { return g }
        if let n = f["type"], let s = reader.string(n, path: f.path("type")) {
            if let t = GroupType(rawValue: s) {
                g.type = t
            } else {
                var message = "\(f.path("type")): unknown group type \"\(s)\" (one of: resilient, hash-threshold, multipath)"
                if let guess = closest(to: s, in: GroupType.allCases.map(\.rawValue)) { message += "; did you mean \"\(guess)\"?" }
                reader.error(n, message)
            }
        }
        let resilientOnly = ["buckets", "idle_timer", "unbalanced_timer"]
        if g.type != .resilient {
            for key in resilientOnly where f[key] != nil {
                reader.error(f.keyNode(key), "\(f.path(key)): only resilient groups have \(key) (this group is \(g.type.rawValue))")
            }
        }
        if let n = f["buckets"], let v = reader.int(n, path: f.path("buckets"), range: 1...65535) {
            if v < nexthopCount {
                reader.error(n, "\(f.path("buckets")): \(v) buckets cannot hold \(nexthopCount) next-hops")
            } else {
                g.buckets = UInt16(v)
            }
        }
        if let n = f["idle_timer"], let d = reader.duration(n, path: f.path("idle_timer")) {
            if d > .seconds(65535) { reader.error(n, "\(f.path("idle_timer")): at most 65535s") } else { g.idleTimer = d }
        }
        if let n = f["unbalanced_timer"], let d = reader.duration(n, path: f.path("unbalanced_timer"), positive: false) {
            if d > .seconds(65535) { reader.error(n, "\(f.path("unbalanced_timer")): at most 65535s") } else { g.unbalancedTimer = d }
        }
        return g
    }

    func parseFeed(_ node: Node, path: String) -> Feed? {
        guard let f = reader.mapping(node, path: path, allowed: Self.feedKeys, required: ["name", "kind"]) else { return nil }
        let name = f["name"].flatMap { reader.string($0, path: f.path("name")) }
        var kind: FeedKind?
        if let n = f["kind"], let s = reader.string(n, path: f.path("kind")) {
            kind = FeedKind(rawValue: s)
            if kind == nil {
                var message = "\(f.path("kind")): unknown feed kind \"\(s)\" (one of: \(FeedKind.allCases.map(\.rawValue).joined(separator: ", ")))"
                if let g = closest(to: s, in: FeedKind.allCases.map(\.rawValue)) { message += "; did you mean \"\(g)\"?" }
                reader.error(n, message)
            }
        }
        func str(_ key: String) -> String? { f[key].flatMap { reader.string($0, path: f.path(key)) } }
        var feed = Feed(name: name ?? "", kind: kind ?? .jsonFile, url: str("url"), path: str("path"), query: str("query"),
                        hostLabel: str("host_label"), host: str("host"), metric: str("metric"))
        if let n = f["stale_after"], let d = reader.duration(n, path: f.path("stale_after")) { feed.staleAfter = d }
        if let n = f["timeout"], let d = reader.duration(n, path: f.path("timeout")) { feed.timeout = d }
        if let url = feed.url, let n = f["url"], url.hasPrefix("https://") {
            reader.error(n, "\(f.path("url")): https:// is not supported yet; use http:// (put a local proxy in front of TLS endpoints)")
        } else if let url = feed.url, let n = f["url"], !url.hasPrefix("http://") {
            reader.error(n, "\(f.path("url")): \"\(url)\" is not an http:// URL")
        }
        if let kind {
            let needs: [String]
            let allowed: Set<String>
            switch kind {
            case .prometheusText: needs = ["url"]; allowed = ["url", "metric", "host_label", "host"]
            case .prometheusAPI: needs = ["url", "query"]; allowed = ["url", "query", "host_label"]
            case .nvidiaSmiCSV: needs = ["path"]; allowed = ["path", "host"]
            case .jsonFile: needs = ["path"]; allowed = ["path", "host"]
            }
            for key in needs where f[key] == nil {
                reader.error(node, "\(path): a \(kind.rawValue) feed needs \"\(key)\"")
            }
            for key in ["url", "path", "query", "host_label", "host", "metric"] where f[key] != nil && !allowed.contains(key) {
                reader.error(f.keyNode(key), "\(f.path(key)): a \(kind.rawValue) feed has no \"\(key)\"")
            }
        }
        guard name != nil, kind != nil else {
            if let name { invalidFeeds.insert(name) }
            return nil
        }
        return feed
    }

    // MARK: cross-section checks

    func checkUniqueNames(_ names: [(String, String)], what: String) {
        var first: [String: String] = [:]
        for (name, path) in names {
            if let earlier = first[name] {
                reader.error(at: reader.locations["\(path).name"] ?? SourceLocation(line: 1, column: 1),
                             "\(path).name: duplicate \(what) name \"\(name)\" (first defined at \(earlier))")
            } else {
                first[name] = path
            }
        }
    }

    func checkClasses(_ classes: [Located<TrafficClass>]) {
        var dscpOwner: [UInt8: String] = [:]
        for c in classes {
            for (i, d) in c.value.dscp.enumerated() {
                if let other = dscpOwner[d], other != c.value.name {
                    reader.error(at: reader.locations["\(c.path).dscp"] ?? SourceLocation(line: 1, column: 1),
                                 "\(c.path).dscp[\(i)]: DSCP \(d) already selects class \"\(other)\"")
                } else {
                    dscpOwner[d] = c.value.name
                }
            }
        }
    }

    func checkReferences(nexthops: [Located<NextHop>], classes: [Located<TrafficClass>], feeds: [Located<Feed>]) {
        let nexthopByName = Dictionary(nexthops.map { ($0.value.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let classByName = Dictionary(classes.map { ($0.value.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let feedNames = Set(feeds.map(\.value.name))

        for nh in nexthops {
            guard let gpu = nh.value.gpu else { continue }
            if !feedNames.contains(gpu.feed) && !invalidFeeds.contains(gpu.feed) {
                var message = "\(nh.path).gpu.feed: undefined feed \"\(gpu.feed)\""
                if let g = closest(to: gpu.feed, in: Array(feedNames)) { message += "; did you mean \"\(g)\"?" }
                reader.error(at: reader.locations["\(nh.path).gpu.feed"] ?? SourceLocation(line: 1, column: 1), message)
            }
        }

        var tables: [UInt32?] = []
        for r in routeReferences {
            var table: UInt32?
            if let className = r.className {
                table = classByName[className]?.table
                if table == nil && !invalidClasses.contains(className) {
                    var message = "\(r.path).class: undefined class \"\(className)\""
                    if let g = closest(to: className, in: Array(classByName.keys)) { message += "; did you mean \"\(g)\"?" }
                    reader.error(at: reader.locations["\(r.path).class"] ?? SourceLocation(line: 1, column: 1), message)
                }
            }
            tables.append(table)
            for (i, (name, node)) in r.nexthops.enumerated() {
                guard let nh = nexthopByName[name] else {
                    if invalidNexthops.contains(name) { continue }
                    var message = "\(r.path).nexthops[\(i)]: undefined next-hop \"\(name)\""
                    if let g = closest(to: name, in: Array(nexthopByName.keys)) { message += "; did you mean \"\(g)\"?" }
                    reader.error(node, message)
                    continue
                }
                if let family = r.family, nh.via.family != family {
                    reader.error(node, "\(r.path).nexthops[\(i)]: next-hop \"\(name)\" is \(nh.via.family == .ipv4 ? "IPv4" : "IPv6") (via \(nh.via)) but the route's prefixes are \(family == .ipv4 ? "IPv4" : "IPv6")")
                }
            }
        }
        checkDuplicatePrefixes(tables: tables)
    }

    /// Reports every (table, prefix) routed twice, at the later occurrence. Packed keys only: the
    /// prefixes themselves (a heap object each) are touched for messages alone. Lists written in
    /// ascending order (what generators produce) need no hash table.
    func checkDuplicatePrefixes(tables: [UInt32?]) {
        var ascending = true
        var last: RoutedPrefix?
        scan: for (r, table) in zip(routeReferences, tables) {
            guard let table else { continue }
            for packed in r.prefixKeys {
                var key = packed
                key.tableFamilyLength |= UInt64(table) << 32
                if let last, !(last < key) {
                    ascending = false
                    break scan
                }
                last = key
            }
        }
        if ascending { return }
        // (table, prefix) → the entry (index in routeReferences) that routed it first.
        var routed: [RoutedPrefix: Int] = [:]
        routed.reserveCapacity(routeReferences.reduce(0) { $0 + $1.prefixKeys.count })
        for (index, (r, table)) in zip(routeReferences, tables).enumerated() {
            guard let table else { continue }
            for (i, packed) in r.prefixKeys.enumerated() {
                var key = packed
                key.tableFamilyLength |= UInt64(table) << 32
                // One hash lookup per prefix; a duplicate puts the first entry back.
                if let earlier = routed.updateValue(index, forKey: key) {
                    routed[key] = earlier
                    reader.error(at: r.prefixLocations[i], "\(r.path): prefix \(r.prefixes[i]) is already routed in table \(table) by \(routeReferences[earlier].path)")
                }
            }
        }
    }
}

/// A (table, prefix) pair, the key of duplicate-route detection, packed into three words
/// (hashing 100,000 of them stays cheap). Prefixes here have no host bits set.
struct RoutedPrefix: Hashable, Comparable {
    var high: UInt64 = 0
    var low: UInt64 = 0
    var tableFamilyLength: UInt64

    init(table: UInt32, prefix: IPPrefix) {
        tableFamilyLength = UInt64(table) << 32 | UInt64(prefix.family.kernelValue) << 16 | UInt64(prefix.length)
        prefix.address.bytes.withUnsafeBufferPointer { b in
            for i in 0..<b.count {
                if i < 8 { high = high << 8 | UInt64(b[i]) } else { low = low << 8 | UInt64(b[i]) }
            }
        }
    }

    static func < (a: RoutedPrefix, b: RoutedPrefix) -> Bool {
        (a.high, a.low, a.tableFamilyLength) < (b.high, b.low, b.tableFamilyLength)
    }
}

/// `host:port` with an IPv4 address, a bracketed IPv6 address or a name.
public struct HostPort: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else { return nil }
        host = String(hostPart)
        self.port = port
    }
}
