/// `sonic:`: what `tectl emit sonic` needs for APPL_DB `ROUTE_TABLE` entries.
public struct SONiCSettings: Sendable, Equatable {
    /// One SONiC switch.
    public struct Device: Sendable, Equatable {
        public var name: String
        /// Policy next-hop name → SONiC port (`Ethernet0`); default: the next-hop's `dev`.
        public var ports: [String: String]

        public init(name: String, ports: [String: String] = [:]) {
            self.name = name
            self.ports = ports
        }
    }

    /// Largest sum of weights in one ASIC ECMP group.
    public var groupSize: Int
    public var devices: [Device]
    /// Class name → SONiC VRF; routes of other classes go to the default VRF.
    public var vrfs: [String: String]

    public static let defaultGroupSize = 64

    public init(groupSize: Int = SONiCSettings.defaultGroupSize, devices: [Device] = [Device(name: "sonic")], vrfs: [String: String] = [:]) {
        self.groupSize = groupSize
        self.devices = devices
        self.vrfs = vrfs
    }
}
