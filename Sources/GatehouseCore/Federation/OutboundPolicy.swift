import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where Gatehouse may send a request of its own (JWKS URLs now, webhooks next): one policy for every
/// outbound fetch, against server-side request forgery. With `allowPrivate` off (the default,
/// `GATEHOUSE_ALLOW_PRIVATE_FETCH`) only https to public addresses: every address a host resolves to is
/// judged, and the connection goes to one that passed. With it on (tests, labs) http and private
/// addresses are allowed too.
public struct OutboundPolicy: Sendable, Equatable {
    public var allowPrivate: Bool

    public init(allowPrivate: Bool = false) { self.allowPrivate = allowPrivate }

    /// Why `url` may not be fetched, or nil. Host names are judged again once resolved (`refusal(address:)`).
    public func refusal(url text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "is not a URL"
        }
        guard scheme == "https" || (allowPrivate && scheme == "http") else {
            return allowPrivate ? "must be an http(s) URL" : "must be an https URL"
        }
        guard url.user == nil, url.password == nil else { return "must not carry credentials" }
        if !allowPrivate, Self.isIPAddress(host), let why = Self.refusal(address: host) { return why }
        return nil
    }

    /// Whether a resolved address may be connected to under this policy.
    public func permits(address: String) -> Bool { allowPrivate || Self.refusal(address: address) == nil }

    static func isIPAddress(_ host: String) -> Bool { parse(host) != nil }

    /// Why an address is not a public unicast address (loopback, private, link-local, CGNAT, multicast,
    /// unspecified, cloud metadata, documentation and other special-purpose ranges of RFC 6890), or nil.
    public static func refusal(address text: String) -> String? {
        guard let bytes = parse(text) else { return "is not an IP address" }
        if bytes.count == 4 { return refusal(v4: bytes) }
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) addresses
        // reach the IPv4 address they carry.
        let prefix12 = Array(bytes[0..<12])
        if prefix12 == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] || prefix12 == [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return refusal(v4: Array(bytes[12..<16]))
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return bytes[15] == 1 ? "is loopback" : "is unspecified" }
        if bytes[0] == 0xFF { return "is multicast" }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return "is link-local" }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return "is site-local" }
        if bytes[0] & 0xFE == 0xFC { return "is private (unique local; includes cloud metadata fd00:ec2::254)" }
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return "is reserved for documentation" }
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return refusal(v4: Array(bytes[2..<6])) }  // 6to4 carries an IPv4 address
        if bytes[0..<8] == [0x01, 0, 0, 0, 0, 0, 0, 0] { return "is a discard prefix" }
        return nil
    }

    static func refusal(v4 b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (0, _): return "is unspecified"
        case (10, _): return "is private"
        case (100, 64...127): return "is shared address space (CGNAT; includes cloud metadata 100.100.100.200)"
        case (127, _): return "is loopback"
        case (169, 254): return "is link-local (includes cloud metadata 169.254.169.254)"
        case (172, 16...31): return "is private"
        case (192, 168): return "is private"
        case (192, 0) where b[2] == 0 || b[2] == 2: return "is reserved"
        case (198, 18...19): return "is reserved for benchmarking"
        case (198, 51) where b[2] == 100: return "is reserved for documentation"
        case (203, 0) where b[2] == 113: return "is reserved for documentation"
        case (224...239, _): return "is multicast"
        case (240...255, _): return "is reserved"
        default: return nil
        }
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 literal (brackets allowed), or nil.
    static func parse(_ text: String) -> [UInt8]? {
        var host = text
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let zone = host.firstIndex(of: "%") { host = String(host[..<zone]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        // The legacy IPv4 spellings resolvers still accept (127.1, 0x7f000001, 2130706433, 0177.0.0.1) name
        // the same addresses and must be judged as them.
        if host.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 120 || $0 == 88 || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }),
            inet_aton(host, &v4) == 1
        {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
