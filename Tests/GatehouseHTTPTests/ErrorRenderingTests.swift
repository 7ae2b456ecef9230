import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Testing

/// One error value, rendered by the dialect of the route group it is thrown in.
@Suite struct ErrorRenderingTests {
    static let logger = Logger(label: "test")

    static func render(_ error: GatehouseError, _ dialect: ErrorDialect) async throws -> (Response, String) {
        let r = ErrorMiddleware<AppRequestContext>.response(for: error, logger: logger, dialect: dialect)
        let box = BufferBox()
        try await r.body.write(BufferWriter(box: box))
        return (r, String(buffer: box.buffer))
    }

    @Test func theProjectAndEnterpriseBodyNamesTheCode() async throws {
        let (r, text) = try await Self.render(GatehouseError.field("email", "is required"), .json)
        #expect(r.status == .badRequest)
        let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
        #expect(body["code"] == .string("INVALID_FIELD"))
        #expect(body["details"]?.objectValue?["field"] == .string("email"))
    }

    @Test func theClassicBodyUsesTheSeedsWordsByReason() async throws {
        let (r, text) = try await Self.render(SessionService.invalidRefresh, .classic)
        #expect(r.status == .unauthorized)
        #expect(text == #"{"error":"Invalid or expired refresh token"}"#)
    }

    @Test func theOAuthBodyFollowsRFC6749AndChallengesFollowRFC6750() async throws {
        let (bad, badText) = try await Self.render(GatehouseError.field("redirect_uri", "is required"), .oauth)
        #expect(bad.status == .badRequest)
        let body = try JSONDecoder().decode([String: String].self, from: Data(badText.utf8))
        #expect(body["error"] == "invalid_request")
        #expect(body["error_description"]?.contains("redirect_uri") == true)
        #expect(body["error_uri"] == "https://www.rfc-editor.org/rfc/rfc6749#section-5.2")
        #expect(bad.headers[.cacheControl] == "no-store" && bad.headers[HTTPField.Name("pragma")!] == "no-cache")
        #expect(bad.headers[.wwwAuthenticate] == nil)

        let (expired, expiredText) = try await Self.render(GatehouseError.invalidToken("token \"expired\" — sign in again"), .oauth)
        #expect(expired.status == .unauthorized)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(expiredText.utf8))["error"] == "invalid_token")
        // Quotes and non-ASCII characters cannot appear inside the challenge's quoted description.
        #expect(expired.headers[.wwwAuthenticate] == #"Bearer error="invalid_token", error_description="token expired  sign in again""#)

        let (slow, _) = try await Self.render(GatehouseError(.throttled, "slow down", retryAfterSeconds: 7), .oauth)
        #expect(slow.status == .tooManyRequests && slow.headers[.retryAfter] == "7")
        #expect(ErrorMiddleware<AppRequestContext>.oauthError(.internalError) == "server_error")
    }

    @Test func theHTMLPageEscapesWhatTheRequestCarried() async throws {
        let (r, text) = try await Self.render(GatehouseError.field("q", "<script>alert('x')</script> & \"more\""), .html)
        #expect(r.status == .badRequest)
        #expect(r.headers[.contentType] == "text/html; charset=utf-8")
        #expect(!text.contains("<script>"))
        #expect(text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"))
    }
}

final class BufferBox: @unchecked Sendable {
    var buffer = ByteBuffer()
}

struct BufferWriter: ResponseBodyWriter {
    let box: BufferBox
    mutating func write(_ buffer: ByteBuffer) async throws {
        var b = buffer
        box.buffer.writeBuffer(&b)
    }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
