import Foundation
import GatehouseCore
import Hummingbird
import Logging
import NIOCore

/// How a dialect words its error bodies; installed per route group, never chosen by looking at the path.
enum ErrorDialect: Sendable {
    /// Project and Enterprise dialects: `{"error","code","details"}` (CONTRACT §3).
    case json
    /// The Classic seed's `{"error": "..."}` with its exact messages, chosen by the error's reason.
    case classic
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
        let body: any Encodable =
            switch dialect {
            case .json: Body(error: g.message, code: g.code.rawValue, details: g.details)
            case .classic: classicBody(g)
            }
        var response = (try? JSONBody.response(body, status: status(for: g.code))) ?? Response(status: status(for: g.code))
        if let retry = g.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
        if [.unauthorized, .invalidToken, .mfaRequired, .stepUpRequired].contains(g.code) {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        return response
    }
}
