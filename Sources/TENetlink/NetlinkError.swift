import CNetlink

/// A failure from the kernel or libnl, with what we were doing when it happened.
public struct NetlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What tectl was doing ("RTM_NEWNEXTHOP id 4001", "dump links").
    public var operation: String
    /// Positive errno from the kernel, when there is one.
    public var errno: Int32?
    /// libnl error code (NLE_*), when libnl reported it.
    public var libnlCode: Int32?
    public var message: String

    public init(operation: String, errno: Int32? = nil, libnlCode: Int32? = nil, message: String) {
        self.operation = operation
        self.errno = errno
        self.libnlCode = libnlCode
        self.message = message
    }

    /// From a negative libnl return value.
    public init(operation: String, libnlReturn code: Int32) {
        let positive = code < 0 ? -code : code
        self.operation = operation
        self.errno = nil
        self.libnlCode = positive
        self.message = String(cString: nl_geterror(positive))
    }

    public var description: String { "\(operation): \(message)" }
}
