import TECore

/// `frr:`: what `tectl emit frr` needs to turn the plan into FRR configuration.
///
/// The plan describes what the *receiver* should carry: a route whose next-hops are the
/// addresses of the sending routers on parallel links. Each sending router (`devices`) gets an
/// outbound route-map per BGP session (`neighbors`) that sets the link-bandwidth extended
/// community in proportion to the planned weight of the next-hop the session serves.
public struct FRRSettings: Sendable, Equatable {
    /// How the weights reach the forwarding plane.
    public enum Form: String, Sendable, Equatable, CaseIterable {
        /// BGP link-bandwidth extended community on outbound route-maps.
        case bgp
        /// No BGP: a weighted `nexthop-group` applied by a `pbr-map` (pbrd).
        case `static`
    }

    /// The device that receives the routes (owner of the plan's next-hops).
    public struct Receiver: Sendable, Equatable {
        public var name: String
        public var asn: UInt32
        public var routerID: IPAddress?
        /// `bgp bestpath bandwidth` mode, or nil for FRR's default (plain ECMP when a path has no bandwidth).
        public var missingBandwidth: MissingBandwidth?

        public init(name: String, asn: UInt32, routerID: IPAddress? = nil, missingBandwidth: MissingBandwidth? = nil) {
            self.name = name
            self.asn = asn
            self.routerID = routerID
            self.missingBandwidth = missingBandwidth
        }
    }

    /// `bgp bestpath bandwidth <mode>` on the receiver.
    public enum MissingBandwidth: String, Sendable, Equatable, CaseIterable {
        case ignore
        case skipMissing = "skip-missing"
        case defaultWeightForMissing = "default-weight-for-missing"
    }

    /// A sending router.
    public struct Device: Sendable, Equatable {
        public var name: String
        public var asn: UInt32
        public var routerID: IPAddress?

        public init(name: String, asn: UInt32, routerID: IPAddress? = nil) {
            self.name = name
            self.asn = asn
            self.routerID = routerID
        }
    }

    /// One BGP session of a sending device; it serves one planned next-hop.
    public struct Neighbor: Sendable, Equatable {
        /// The policy next-hop whose weight this session carries.
        public var nexthop: String
        /// The sending device (`devices[].name`).
        public var device: String
        /// The receiver's address on this session.
        public var address: IPAddress
        public var remoteAS: UInt32
        /// Outbound route-map name.
        public var routeMap: String

        public init(nexthop: String, device: String, address: IPAddress, remoteAS: UInt32, routeMap: String) {
            self.nexthop = nexthop
            self.device = device
            self.address = address
            self.remoteAS = remoteAS
            self.routeMap = routeMap
        }
    }

    /// Static form: where the `nexthop-group` and `pbr-map` go.
    public struct Static: Sendable, Equatable {
        /// Device that carries the static form (default: the receiver's name, or "tectl").
        public var device: String
        /// Ingress interfaces the `pbr-policy` is applied to.
        public var interfaces: [String]

        public init(device: String, interfaces: [String]) {
            self.device = device
            self.interfaces = interfaces
        }
    }

    public var form: Form
    /// Prefix of generated prefix-list, route-map, nexthop-group and pbr-map names.
    public var namePrefix: String
    /// `maximum-paths` on every device.
    public var maximumPaths: Int
    /// Emit `network` statements for the planned prefixes on the sending devices.
    public var originate: Bool
    public var receiver: Receiver?
    public var devices: [Device]
    public var neighbors: [Neighbor]
    public var staticForm: Static?

    public init(
        form: Form = .bgp, namePrefix: String = "TECTL", maximumPaths: Int = 64, originate: Bool = true,
        receiver: Receiver? = nil, devices: [Device] = [], neighbors: [Neighbor] = [], staticForm: Static? = nil
    ) {
        self.form = form
        self.namePrefix = namePrefix
        self.maximumPaths = maximumPaths
        self.originate = originate
        self.receiver = receiver
        self.devices = devices
        self.neighbors = neighbors
        self.staticForm = staticForm
    }
}
