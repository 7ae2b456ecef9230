import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// How a dialect words its error bodies; installed per route group, never chosen by looking at the path.
enum ErrorDialect: Sendable {
    /// Project and Enterprise dialects: `{"error","code","details"}` (CONTRACT §3).
    case json
    /// The Classic seed's `{"error": "..."}` with its exact messages, chosen by the error's reason.
    case classic
    /// OAuth 2.0 endpoints: `{"error","error_description"}` with the RFC 6749 §5.2 codes, and RFC 6750 §3
    /// `WWW-Authenticate` challenges naming the error. No route uses it yet (the OAuth issue will).
    case oauth
    /// Pages a person reads in a browser (the hosted login, next): a small HTML page, the message escaped.
    case html
}

/// The one place errors become HTTP: status, the dialect's body, `Retry-After` when throttled.
/// Nothing a client sends produces a 500; an unexpected error is logged by type only (no secrets, no SQL).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    var dialect: ErrorDialect = .json

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, logger: context.logger, dialect: dialect)
        }
    }

    struct Body: Encodable {
        var error: String
        var code: String
        var details: [String: JSONValue]?
    }

    static func status(for code: GatehouseError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidRequest, .invalidField: .badRequest
        case .invalidProjectKey, .unauthorized, .invalidToken, .mfaRequired, .stepUpRequired: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict, .multipleContextSelectionRequired: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .targetTooLong: .uriTooLong
        case .unsupportedMediaType: .unsupportedMediaType
        case .unprocessable: .unprocessableContent
        case .throttled: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .upstream: .badGateway
        case .internalError: .internalServerError
        }
    }

    /// The Classic dialect's error body: `{"error": "..."}` with the seed's messages; `code` only beside the
    /// refusals the seed has no words for (a second factor or a recent sign-in needed), so a client can tell
    /// them from a wrong password.
    struct ClassicBody: Encodable {
        var error: String
        var code: String?
    }

    static func classicBody(_ g: GatehouseError) -> ClassicBody {
        switch (g.reason, g.code) {
        case (_, .mfaRequired), (_, .stepUpRequired): ClassicBody(error: g.message, code: g.code.rawValue)
        case (.invalidCredentials, _): ClassicBody(error: "Invalid credentials")
        case (.invalidRefreshToken, _): ClassicBody(error: "Invalid or expired refresh token")
        case (_, .unauthorized), (_, .invalidToken), (_, .invalidProjectKey): ClassicBody(error: "Authentication required")
        default: ClassicBody(error: g.message)
        }
    }

    static func response(for error: any Error, logger: Logger, dialect: ErrorDialect = .json) -> Response {
        let g: GatehouseError
        switch error {
        case let e as GatehouseError:
            g = e
        case is NIOTooManyBytesError:
            g = GatehouseError(.payloadTooLarge, "body exceeds \(HTTPLimits.maxBody) bytes")
        case let e as HTTPError:
            switch e.status {
            case .notFound: g = GatehouseError(.notFound, "no such route")
            case .methodNotAllowed: g = GatehouseError(.invalidRequest, "method not allowed")
            case .contentTooLarge: g = GatehouseError(.payloadTooLarge, "body exceeds \(HTTPLimits.maxBody) bytes")
            case .badRequest: g = GatehouseError(.invalidRequest, e.body ?? "bad request")
            default:
                var passthrough = GatehouseError(.invalidRequest, e.body ?? e.status.reasonPhrase)
                if e.status.code >= 500 { passthrough.code = .internalError }
                let body = Body(error: passthrough.message, code: passthrough.code.rawValue, details: nil)
                return (try? JSONBody.response(body, status: e.status)) ?? Response(status: e.status)
            }
        case let e as DecodingError:
            g = JSONBody.describe(e)
        default:
            logger.error("unexpected error", metadata: ["type": "\(type(of: error))"])
            g = GatehouseError(.internalError, "internal error")
        }
        switch dialect {
        case .json:
            return render(Body(error: g.message, code: g.code.rawValue, details: g.details), g, challenge: "Bearer")
        case .classic:
            return render(classicBody(g), g, challenge: "Bearer")
        case .oauth:
            let error = g.reason.flatMap(oauthErrorNamed) ?? oauthError(g.code)
            var r = render(OAuthBody(error: error, error_description: g.message, error_uri: Self.oauthErrorURI(error)), g, challenge: nil)
            // RFC 6749 §5.1: answers of the token endpoint are never cached, by HTTP/1.0 caches either.
            r.headers[HTTPField.Name("pragma")!] = "no-cache"
            if g.reason == .invalidClient {
                // RFC 6749 §5.2: a client that failed to authenticate is told how it may (HTTP Basic).
                r.headers[.wwwAuthenticate] = "Basic realm=\"gatehouse\""
            } else if r.status == .unauthorized {
                // RFC 6750 §3: the challenge names the error; its description holds printable ASCII other
                // than the quote and the backslash.
                var description = String.UnicodeScalarView()
                description.append(
                    contentsOf: g.message.unicodeScalars.filter { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" })
                r.headers[.wwwAuthenticate] = "Bearer error=\"\(error)\", error_description=\"\(String(description))\""
            }
            return r
        case .html:
            var r = Response(
                status: status(for: g.code),
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: htmlPage(g))))
            if let retry = g.retryAfterSeconds { r.headers[.retryAfter] = String(retry) }
            return r
        }
    }

    /// A JSON error answer: the status of the code, `Retry-After` when throttled, and a challenge on 401s.
    static func render(_ body: some Encodable, _ g: GatehouseError, challenge: String?) -> Response {
        var response = (try? JSONBody.response(body, status: status(for: g.code))) ?? Response(status: status(for: g.code))
        if let retry = g.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
        if let challenge, [.unauthorized, .invalidToken, .mfaRequired, .stepUpRequired].contains(g.code) {
            response.headers[.wwwAuthenticate] = challenge
        }
        return response
    }

    /// Seed 004's OAuth error body: `error_uri` names the page that defines the code.
    struct OAuthBody: Encodable {
        var error: String
        var error_description: String
        var error_uri: String
    }

    static func oauthErrorURI(_ error: String) -> String {
        switch error {
        case "invalid_token", "insufficient_scope": "https://www.rfc-editor.org/rfc/rfc6750#section-3.1"
        case "login_required", "consent_required", "request_not_supported", "request_uri_not_supported":
            "https://openid.net/specs/openid-connect-core-1_0.html#AuthError"
        case "access_denied", "temporarily_unavailable", "server_error", "unsupported_response_type":
            "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"
        default: "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"
        }
    }

    /// The RFC 6749 §5.2 code an engine error names itself, if any.
    static func oauthErrorNamed(_ reason: GatehouseError.Reason) -> String? {
        switch reason {
        case .invalidClient, .invalidGrant, .unauthorizedClient, .unsupportedGrantType, .invalidScope, .invalidRequest,
            .unsupportedResponseType, .accessDenied, .loginRequired, .consentRequired, .requestNotSupported, .requestURINotSupported,
            .insufficientScope:
            reason.rawValue
        case .invalidCredentials, .invalidRefreshToken, .authenticationRequired: nil
        }
    }

    /// The RFC 6749 §5.2 code (RFC 6750 §3.1 for a bad access token; OpenID Connect Core §3.1.2.6 for a
    /// sign-in the user must do again) closest to each of ours.
    static func oauthError(_ code: GatehouseError.Code) -> String {
        switch code {
        case .invalidRequest, .invalidField, .payloadTooLarge, .headersTooLarge, .targetTooLong, .unsupportedMediaType,
            .unprocessable, .notFound,
            .conflict, .multipleContextSelectionRequired:
            "invalid_request"
        case .invalidProjectKey, .unauthorized: "invalid_client"
        case .invalidToken: "invalid_token"
        case .mfaRequired, .stepUpRequired: "login_required"
        case .forbidden: "access_denied"
        case .throttled, .unavailable, .upstream: "temporarily_unavailable"
        case .internalError: "server_error"
        }
    }

    /// A page that says what went wrong; the message is escaped, so nothing a request carried becomes markup.
    static func htmlPage(_ g: GatehouseError) -> String {
        var escaped = ""
        for c in g.message {
            switch c {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(c)
            }
        }
        let status = status(for: g.code)
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(status.code) \(status.reasonPhrase)</title></head>
            <body><main><h1>\(status.reasonPhrase)</h1><p>\(escaped)</p></main></body></html>

            """
    }
}
