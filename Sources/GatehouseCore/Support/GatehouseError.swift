/// The one error type of the engine. The HTTP layer maps `code` to a status in one place.
public struct GatehouseError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidRequest = "INVALID_REQUEST"
        case invalidField = "INVALID_FIELD"
        case invalidProjectKey = "INVALID_PROJECT_KEY"
        case unauthorized = "UNAUTHORIZED"
        case invalidToken = "INVALID_TOKEN"
        /// The password was right, but this account signs in with a second factor too (CONTRACT §4).
        case mfaRequired = "MFA_REQUIRED"
        /// A sensitive act needs a recent primary sign-in (`GATEHOUSE_STEP_UP_MAX_AGE`).
        case stepUpRequired = "STEP_UP_REQUIRED"
        case forbidden = "FORBIDDEN"
        case notFound = "NOT_FOUND"
        case conflict = "CONFLICT"
        case multipleContextSelectionRequired = "MULTIPLE_CONTEXT_SELECTION_REQUIRED"
        case payloadTooLarge = "PAYLOAD_TOO_LARGE"
        /// Too many header fields, or too large a header block (HTTP 431).
        case headersTooLarge = "REQUEST_HEADER_FIELDS_TOO_LARGE"
        /// A request target longer than the server reads (HTTP 414).
        case targetTooLong = "URI_TOO_LONG"
        case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
        case unprocessable = "UNPROCESSABLE"
        case throttled = "TOO_MANY_REQUESTS"
        case unavailable = "SERVICE_UNAVAILABLE"
        case upstream = "UPSTREAM_ERROR"
        case internalError = "INTERNAL_ERROR"
    }

    /// Why, finer than `code`, where a dialect words a case its own way (the Classic seed's messages).
    public enum Reason: String, Sendable {
        case invalidCredentials
        case invalidRefreshToken
        case authenticationRequired
        // RFC 6749 §5.2 (the OAuth dialect's `error`).
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        case invalidRequest = "invalid_request"
        // RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6 (authorization responses).
        case unsupportedResponseType = "unsupported_response_type"
        case accessDenied = "access_denied"
        case loginRequired = "login_required"
        case consentRequired = "consent_required"
        case requestNotSupported = "request_not_supported"
        case requestURINotSupported = "request_uri_not_supported"
        // RFC 6750 §3.1.
        case insufficientScope = "insufficient_scope"
    }

    public var code: Code
    public var reason: Reason?
    /// Safe for clients: never a secret, SQL text or stack trace.
    public var message: String
    public var details: [String: JSONValue]?
    public var retryAfterSeconds: Int?

    public init(
        _ code: Code, _ message: String, details: [String: JSONValue]? = nil, retryAfterSeconds: Int? = nil,
        reason: Reason? = nil
    ) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func field(_ name: String, _ why: String) -> GatehouseError {
        GatehouseError(.invalidField, "\(name): \(why)", details: ["field": .string(name), "reason": .string(why)])
    }
    public static func invalidToken(_ why: String) -> GatehouseError { GatehouseError(.invalidToken, why) }
    public static let unauthenticated = GatehouseError(
        .unauthorized, "Authentication required", reason: .authenticationRequired)
    public static let forbidden = GatehouseError(.forbidden, "Not allowed")
    public static let mfaRequired = GatehouseError(.mfaRequired, "MFA required")
    public static let stepUpRequired = GatehouseError(.stepUpRequired, "Recent sign-in required")
    public static func notFound(_ what: String) -> GatehouseError { GatehouseError(.notFound, "\(what) not found") }
}

extension GatehouseError {
    /// An echo of a refused value for a message: at most `limit` characters, control characters shown as
    /// "?", so nothing a request sent can break a message or a log line apart or run long into it.
    public static func echo(_ s: String, limit: Int = 80) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit).map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }
}
