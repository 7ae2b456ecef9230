import Foundation

/// A compact JWS split into its parts. Parsing is bounded and never trusts the header beyond reading it.
public struct CompactJWS: Sendable {
    public struct Header: Decodable, Sendable {
        public var alg: String
        public var kid: String?
        public var typ: String?
    }

    public let header: Header
    public let payload: [UInt8]
    public let signature: [UInt8]
    /// `base64url(header) "." base64url(payload)`, the bytes that were signed.
    public let signingInput: [UInt8]

    /// Tokens longer than this are refused before any decoding.
    public static let maxLength = 16 * 1024

    public init(_ token: String) throws {
        guard token.utf8.count <= Self.maxLength else { throw GatehouseError.invalidToken("token is too long") }
        let bytes = Array(token.utf8)
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw GatehouseError.invalidToken("token is not a compact JWS") }
        guard let h = Base64URL.decode(bytes: parts[0]), let p = Base64URL.decode(bytes: parts[1]),
            let s = Base64URL.decode(bytes: parts[2])
        else { throw GatehouseError.invalidToken("token is not base64url") }
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(h))
        } catch {
            throw GatehouseError.invalidToken("token header is malformed")
        }
        payload = p
        signature = s
        signingInput = Array(bytes[0..<(parts[0].count + 1 + parts[1].count)])
    }

    public func decodePayload<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        } catch {
            throw GatehouseError.invalidToken("token payload is malformed")
        }
    }

    /// Serialises a header and payload, asking `sign` for the signature over the signing input.
    public static func serialize(
        header: [String: String], payloadJSON: Data, sign: ([UInt8]) throws -> [UInt8]
    ) throws -> String {
        // Members in sorted order, as a sorted-keys encoder would write them.
        var w = JSONWriter()
        for key in header.keys.sorted() { w.field(key, header[key]!) }
        let h = Base64URL.encode(w.finished())
        let input = h + "." + Base64URL.encode(payloadJSON)
        return input + "." + Base64URL.encode(try sign(Array(input.utf8)))
    }
}
