#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Address family, as the kernel numbers it.
public enum AddressFamily: String, Sendable, Hashable, Codable {
    case ipv4, ipv6

    /// AF_INET / AF_INET6.
    public var kernelValue: UInt8 { self == .ipv4 ? 2 : 10 }
    public var bitLength: Int { self == .ipv4 ? 32 : 128 }
}

/// An IPv4 or IPv6 address, stored as network-order bytes.
public struct IPAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let family: AddressFamily
    /// 4 or 16 bytes, network order.
    public let bytes: [UInt8]

    public init?(family: AddressFamily, bytes: [UInt8]) {
        guard bytes.count == family.bitLength / 8 else { return nil }
        self.family = family
        self.bytes = bytes
    }

    /// Parses dotted-quad IPv4 or any RFC 4291 IPv6 text form.
    public init?(_ text: String) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
            family = .ipv6
        } else {
            // inet_pton rejects the shortened and octal forms inet_aton accepts: what we want.
            var raw = in_addr()
            guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
            family = .ipv4
        }
    }

    /// RFC 5952 text for IPv6, dotted quad for IPv4.
    public var description: String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let ok: Bool = bytes.withUnsafeBytes { raw in
                inet_ntop(family == .ipv4 ? AF_INET : AF_INET6, raw.baseAddress, buffer.baseAddress, 64) != nil
            }
            guard ok, let base = buffer.baseAddress else { return "?" }
            return String(cString: base)
        }
    }

    /// The bytes in one go (the synthesized hash feeds them one by one).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(family)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.family != b.family { return a.family == .ipv4 }
        return a.bytes.lexicographicallyPrecedes(b.bytes)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IP address: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The address with every bit past `length` cleared.
    public func masked(to length: Int) -> IPAddress {
        var out = bytes
        for i in 0..<out.count {
            let bitsHere = max(0, min(8, length - i * 8))
            let mask: UInt8 = bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
            out[i] &= mask
        }
        return IPAddress(family: family, bytes: out) ?? self
    }
}

/// A destination prefix such as `203.0.113.0/24` or `2001:db8::/32`.
public struct IPPrefix: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let address: IPAddress
    public let length: Int

    public var family: AddressFamily { address.family }

    /// Builds a prefix; does not require the host bits to be clear (see `hasHostBits`).
    public init?(address: IPAddress, length: Int) {
        guard length >= 0, length <= address.family.bitLength else { return nil }
        self.address = address
        self.length = length
    }

    /// Parses `ADDR/LEN`, or a bare address as a host prefix (/32, /128).
    public init?(_ text: String) {
        // No split: policies list up to 100,000 prefixes.
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")) else {
            guard let address = IPAddress(text) else { return nil }
            self.init(address: address, length: address.family.bitLength)
            return
        }
        let lengthText = text[text.utf8.index(after: slash)...]
        guard !lengthText.utf8.contains(UInt8(ascii: "/")), let length = Int(lengthText), String(length) == lengthText,
              let address = IPAddress(String(text[..<slash])) else { return nil }
        self.init(address: address, length: length)
    }

    /// True when bits past the prefix length are set (`203.0.113.7/24`).
    public var hasHostBits: Bool {
        for (i, b) in address.bytes.enumerated() {
            let bitsHere = max(0, min(8, length - i * 8))
            let hostMask: UInt8 = bitsHere == 8 ? 0 : UInt8(truncatingIfNeeded: 0xFF >> bitsHere)
            if b & hostMask != 0 { return true }
        }
        return false
    }

    /// The same prefix with host bits cleared.
    public var canonical: IPPrefix { IPPrefix(address: address.masked(to: length), length: length) ?? self }

    public var description: String { "\(address)/\(length)" }

    public static func < (a: IPPrefix, b: IPPrefix) -> Bool {
        if a.address != b.address { return a.address < b.address }
        return a.length < b.length
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = IPPrefix(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a prefix: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
