import Foundation
import GatehouseCore
import Hummingbird
import NIOCore

enum JSONBody {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Decodes a JSON body: 415 unless the content type is JSON, 413 past 64 KiB, 400 naming the field that
    /// is missing or has the wrong type. Unknown fields are ignored, as most identity servers do.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try requireJSONContentType(request)
        let buffer = try await collect(request)
        guard buffer.readableBytes > 0 else { throw GatehouseError(.invalidRequest, "body is empty") }
        return try decode(type, from: buffer)
    }

    /// For routes whose body is optional: nil when the request has no content type or an empty body (sent
    /// with `Content-Length: 0` or with no length at all, as `curl -X POST` does), else decoded (and
    /// checked) like any body.
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        guard request.headers[.contentType] != nil else { return nil }
        let buffer = try await collect(request)
        guard buffer.readableBytes > 0 else { return nil }
        try requireJSONContentType(request)
        return try decode(type, from: buffer)
    }

    private static func requireJSONContentType(_ request: Request) throws {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") || contentType.contains("+json") else {
            throw GatehouseError(.unsupportedMediaType, "Content-Type must be application/json")
        }
    }

    /// The body, at most 64 KiB (413 past it): every body a route reads, JSON or form.
    static func collect(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: HTTPLimits.maxBody)
        } catch is NIOTooManyBytesError {
            throw GatehouseError(.payloadTooLarge, "body exceeds \(HTTPLimits.maxBody) bytes")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        if Self.containsEscapedNUL(buffer.readableBytesView) { throw Self.nulRefused }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw describe(error)
        } catch let error as GatehouseError {
            throw error
        } catch {
            throw GatehouseError(.invalidRequest, "body is not valid JSON")
        }
    }

    static let nulRefused = GatehouseError(
        .invalidRequest, "strings must not contain U+0000 (no database can store it)")

    /// Whether a JSON text holds the escape `\u0000` inside a string (a raw NUL byte is not valid JSON and
    /// fails decoding anyway). Escapes are read pairwise, so `\\u0000` — a backslash, then the text
    /// `u0000` — is not one.
    static func containsEscapedNUL(_ bytes: some Collection<UInt8>) -> Bool {
        var escaped = false
        var digits = -1  // after `\u`: how many 0s seen so far, or -1 when not in a \u escape
        for b in bytes {
            if digits >= 0 {
                guard b == UInt8(ascii: "0") else {
                    digits = -1
                    continue
                }
                digits += 1
                if digits == 4 { return true }
                continue
            }
            if escaped {
                escaped = false
                if b == UInt8(ascii: "u") { digits = 0 }
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            }
        }
        return false
    }

    static func describe(_ error: DecodingError) -> GatehouseError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return .field(path(ctx.codingPath + [key]), "is required")
        case .typeMismatch(let type, let ctx):
            return .field(path(ctx.codingPath).isEmpty ? "body" : path(ctx.codingPath), "must be \(typeName(type))")
        case .valueNotFound(let type, let ctx):
            return .field(path(ctx.codingPath), "must be \(typeName(type)), not null")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return GatehouseError(.invalidRequest, "body is not valid JSON") }
            return .field(path(ctx.codingPath), "is not valid")
        @unknown default:
            return GatehouseError(.invalidRequest, "body is not valid JSON")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }

    static let contentType = "application/json; charset=utf-8"

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func raw(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, cache: String = "no-store")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: contentType, .cacheControl: cache],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A member a seed shows even when unset: written as `null`, never left out (typed clients expect the key).
struct Nullable<Value: Encodable>: Encodable {
    var value: Value?
    init(_ value: Value?) { self.value = value }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}

/// `{message, success}`: the Enterprise dialect's acknowledgement.
struct MessageAnswer: Encodable {
    var message: String
    var success: Bool
}

/// Field checks shared by the controllers: every string input has a bound.
enum Validate {
    /// An identifier or a name: required, bounded, trimmed, and free of control characters — unless it is
    /// `multiline` text such as a PEM key, which may hold line breaks (never U+0000).
    static func required(_ value: String?, _ field: String, max: Int = 255, multiline: Bool = false) throws -> String {
        guard let value else { throw GatehouseError.field(field, "is required") }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw GatehouseError.field(field, "must not be empty") }
        guard value.utf8.count <= max else { throw GatehouseError.field(field, "must be at most \(max) bytes") }
        if multiline {
            try noNUL(value, field)
        } else if Identifiers.containsControlCharacter(trimmed) {
            throw GatehouseError.field(field, "must not contain control characters")
        }
        return trimmed
    }

    /// A login name: as a credential (not trimmed), but never with control characters.
    static func loginName(_ value: String?, _ field: String, max: Int) throws -> String {
        let v = try token(value, field, max: max)
        guard !Identifiers.containsControlCharacter(v) else {
            throw GatehouseError.field(field, "must not contain control characters")
        }
        return v
    }

    /// U+0000 cannot be stored by PostgreSQL in any column; refused wherever a string did not come through
    /// a JSON body (which refuses it as a whole), such as a query string.
    static func noNUL(_ value: String, _ field: String) throws {
        guard !value.unicodeScalars.contains("\u{0}") else {
            throw GatehouseError.field(field, "must not contain U+0000")
        }
    }

    /// A credential: required, bounded, not trimmed (whitespace inside a token is the token's problem).
    static func token(_ value: String?, _ field: String, max: Int) throws -> String {
        guard let value else { throw GatehouseError.field(field, "is required") }
        guard !value.isEmpty else { throw GatehouseError.field(field, "must not be empty") }
        guard value.utf8.count <= max else { throw GatehouseError.field(field, "must be at most \(max) bytes") }
        return value
    }

    static func optional(_ value: String?, _ field: String, max: Int = 255) throws -> String? {
        guard let value else { return nil }
        guard value.utf8.count <= max else { throw GatehouseError.field(field, "must be at most \(max) bytes") }
        try noNUL(value, field)
        return value
    }

    /// 8-4-4-4-12 hex digits, returned lower-case (checked by hand: Foundation's parser showed in profiles).
    static func uuid(_ value: String?, _ field: String) throws -> String {
        // The common case, a well-formed id, is checked without trimming or allocating.
        if let value, isUUID(value.utf8) {
            return value.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x46 }) ? value.lowercased() : value
        }
        let v = try required(value, field, max: 64)
        guard isUUID(v.utf8) else { throw GatehouseError.field(field, "must be a UUID") }
        return v.lowercased()
    }

    private static func isUUID(_ bytes: String.UTF8View) -> Bool {
        guard bytes.count == 36 else { return false }
        for (i, b) in bytes.enumerated() {
            switch i {
            case 8, 13, 18, 23: guard b == UInt8(ascii: "-") else { return false }
            default: guard (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) else { return false }
            }
        }
        return true
    }}
