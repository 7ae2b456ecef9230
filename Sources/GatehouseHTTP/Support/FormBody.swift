import Foundation
import GatehouseCore
import Hummingbird
import NIOCore

/// `application/x-www-form-urlencoded` bodies, as the OAuth 2.0 endpoints take them (RFC 6749 §3.2,
/// RFC 7662 §2.1, RFC 7009 §2.1): 415 for another type, 413 past 64 KiB, and `invalid_request` for a
/// parameter given twice (RFC 6749 §3.2 forbids it) or a malformed escape.
enum FormBody {
    static func decode(_ request: Request) async throws -> [String: String] {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw GatehouseError(.unsupportedMediaType, "Content-Type must be application/x-www-form-urlencoded")
        }
        let buffer = try await JSONBody.collect(request)
        return try parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    static func parse(_ text: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]), let value = unescape(parts.count > 1 ? parts[1] : "") else {
                throw GatehouseError.oauth(.invalidRequest, "the form holds a malformed escape")
            }
            guard !name.isEmpty else { continue }
            guard !name.contains("\u{0}"), !value.contains("\u{0}") else { throw JSONBody.nulRefused }
            guard fields[name] == nil else {
                throw GatehouseError.oauth(.invalidRequest, "\(name.prefix(64)) is given more than once")
            }
            fields[name] = value
        }
        return fields
    }

    /// `+` is a space; `%XX` a byte; the result must be UTF-8.
    static func unescape(_ text: Substring) -> String? {
        String(text.replacingOccurrences(of: "+", with: " ")).removingPercentEncoding
    }
}
