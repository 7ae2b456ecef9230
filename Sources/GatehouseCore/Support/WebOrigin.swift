import Foundation

/// A web origin as browsers serialize it (RFC 6454 §6.2): `scheme://host[:port]`, lower-case, the port only
/// when it is not the scheme's default. CORS (Fetch standard, "CORS protocol") and WebAuthn (§5.1.3) both
/// compare a request's origin with configured ones by this exact text.
public struct WebOrigin: Sendable, Hashable {
    public let scheme: String
    public let host: String
    public let port: Int?

    public static let maxLength = 2048

    /// nil unless the text is an origin and nothing more (no path, query, fragment or user info), https, or
    /// http on a loopback name (a page served over plain http elsewhere can be rewritten in transit).
    public init?(_ text: String) {
        guard text.utf8.count <= Self.maxLength, !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }),
            let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(),
            !host.isEmpty, !host.contains("*"), url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil,
            url.user == nil, url.password == nil
        else { return nil }
        let loopback = host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1" || host.hasSuffix(".localhost")
        guard scheme == "https" || (scheme == "http" && loopback) else { return nil }
        self.scheme = scheme
        self.host = host
        let defaultPort = scheme == "https" ? 443 : 80
        port = url.port.flatMap { $0 == defaultPort ? nil : $0 }
    }

    /// The configured list as serialized origins; what is not an origin is refused (at start, not silently).
    public static func serializedList(_ texts: [String], field: String) throws -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for text in texts {
            guard let origin = WebOrigin(text) else {
                throw GatehouseError.field(field, "\(text.prefix(100)) is not an origin (https://host[:port], or http on localhost)")
            }
            if seen.insert(origin.serialized).inserted { result.append(origin.serialized) }
        }
        return result
    }

    /// The text a browser sends in `Origin` for this origin.
    public var serialized: String {
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost)" + (port.map { ":\($0)" } ?? "")
    }
}
