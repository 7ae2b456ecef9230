import Foundation

/// An authorization code (RFC 6749 §4.1.2): 256 bits, stored as its SHA-256 only, single-use, 60 seconds,
/// bound to the client, the redirect URI, the PKCE challenge, the nonce, the scopes and the sign-in it
/// came from (its time and methods, for the ID token's `auth_time` and `amr`).
public struct AuthorizationCode: Sendable, Equatable {
    public static let lifetime: TimeInterval = 60

    public var hash: String
    public var tenantId: String
    public var clientId: String
    public var userId: String
    /// The browser's session at the authorization server (single sign-on), which the code came from.
    public var browserSessionId: String
    public var redirectURI: String
    public var codeChallenge: String?
    public var scopes: [String]
    public var nonce: String?
    public var authTime: Date
    public var amr: [String]
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    /// The session the code's exchange started: a second use of the code ends it (RFC 6749 §4.1.2).
    public var issuedSessionId: String?

    public init(
        hash: String, tenantId: String, clientId: String, userId: String, browserSessionId: String, redirectURI: String,
        codeChallenge: String?, scopes: [String], nonce: String?, authTime: Date, amr: [String], createdAt: Date,
        expiresAt: Date, usedAt: Date? = nil, issuedSessionId: String? = nil
    ) {
        self.hash = hash
        self.tenantId = tenantId
        self.clientId = clientId
        self.userId = userId
        self.browserSessionId = browserSessionId
        self.redirectURI = redirectURI
        self.codeChallenge = codeChallenge
        self.scopes = scopes
        self.nonce = nonce
        self.authTime = authTime
        self.amr = amr
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.issuedSessionId = issuedSessionId
    }
}
