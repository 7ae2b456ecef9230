import Foundation
import GatehouseCore
import Hummingbird
import NIOCore

/// `application/x-www-form-urlencoded` bodies, as the OAuth 2.0 endpoints take them (RFC 6749 §3.2,
/// RFC 7662 §2.1, RFC 7009 §2.1): 415 for another type, 413 past 64 KiB, and `invalid_request` for a
/// parameter given twice (RFC 6749 §3.2 forbids it), a malformed escape or text that is not UTF-8.
/// Decoded over the bytes: these endpoints are the hot path of every resource server that introspects.
enum FormBody {
    static func decode(_ request: Request) async throws -> [String: String] {
        let contentType = request.headers[.contentType] ?? ""
        guard HeaderText.hasPrefixIgnoringCase(contentType, formType) else {
            throw GatehouseError(.unsupportedMediaType, "Content-Type must be application/x-www-form-urlencoded")
        }
        let buffer = try await JSONBody.collect(request)
        return try buffer.readableBytesView.withContiguousStorageIfAvailable { try parse(bytes: $0) }
            ?? parse(bytes: Array(buffer.readableBytesView))
    }

    private static let formType = Array("application/x-www-form-urlencoded".utf8)

    static func parse(_ text: String) throws -> [String: String] {
        try parse(bytes: Array(text.utf8))
    }

    static func parse<Bytes: RandomAccessCollection<UInt8>>(bytes: Bytes) throws -> [String: String] {
        let (fields, repeated) = try fieldsAndRepeat(bytes: bytes)
        if let repeated { throw GatehouseError.oauth(.invalidRequest, "\(repeated.prefix(64)) is given more than once") }
        return fields
    }

    /// The fields (the first of each name) and the first name given twice, for callers that answer a
    /// repeat in their own way (the authorization endpoint redirects it, RFC 6749 §4.1.2.1).
    static func fieldsAndRepeat<Bytes: RandomAccessCollection<UInt8>>(bytes: Bytes) throws -> ([String: String], repeated: String?) {
        var fields: [String: String] = [:]
        var repeated: String?
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            let rawValue = equals == pair.endIndex ? pair[equals...] : pair[pair.index(after: equals)...]
            guard let name = unescape(pair[..<equals]), let value = unescape(rawValue) else {
                throw GatehouseError.oauth(.invalidRequest, "the form holds a malformed escape or text that is not UTF-8")
            }
            guard !name.isEmpty else { continue }
            guard !name.utf8.contains(0), !value.utf8.contains(0) else { throw JSONBody.nulRefused }
            if fields[name] != nil {
                if repeated == nil { repeated = name }
                continue
            }
            fields[name] = value
        }
        return (fields, repeated)
    }

    /// `+` is a space; `%XX` a byte; the result must be UTF-8 (nil otherwise, or for a broken escape).
    static func unescape<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String? {
        guard bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(validating: bytes, as: UTF8.self)
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            switch bytes[i] {
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let high = bytes.index(after: i)
                guard high != bytes.endIndex, let h = hexValue(bytes[high]) else { return nil }
                let low = bytes.index(after: high)
                guard low != bytes.endIndex, let l = hexValue(bytes[low]) else { return nil }
                out.append(h << 4 | l)
                i = low
            case let byte:
                out.append(byte)
            }
            i = bytes.index(after: i)
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The credentials of an `Authorization` header in the Basic scheme (RFC 7617), still encoded; nil for
    /// another scheme or none.
    static func basicPayload(_ header: String) -> Substring? {
        HeaderText.credentials(header, scheme: basicScheme)
    }

    private static let basicScheme = Array("basic".utf8)

    /// RFC 6749 §2.3.1: HTTP Basic carries the client id and secret, each form-encoded; nil when the header
    /// is not Basic, not base64, has no colon, or holds a broken escape.
    static func basicCredentials(_ header: String) -> (id: String, secret: String)? {
        basicPayload(header).flatMap(decodeBasic)
    }

    /// `basicPayload`'s credentials decoded: base64, then the id and secret around the first colon.
    static func decodeBasic(_ encoded: Substring) -> (id: String, secret: String)? {
        guard let decoded = Base64URL.decode(bytes: ArraySlice(encoded.utf8)),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":")),
            let id = unescape(decoded[..<colon]), let secret = unescape(decoded[(colon + 1)...])
        else { return nil }
        return (id, secret)
    }
}
