import Foundation

public struct EngineConfiguration: Sendable {
    /// Base of every issuer: `<publicURL>/t/<tenantId>`.
    public var publicURL: String = "http://localhost:8080"
    public var accessTokenTTL: TimeInterval = 15 * 60
    public var refreshTokenTTL: TimeInterval = 24 * 3600
    /// Longest life of a session, however often it is refreshed.
    public var sessionMaxLifetime: TimeInterval = 30 * 24 * 3600
    public var adminTokenTTL: TimeInterval = 365 * 24 * 3600
    /// A spent refresh token presented again within this window, before its successor is used, gets the
    /// same successor pair (a lost response must not log the user out).
    public var refreshGraceWindow: TimeInterval = 10
    /// Domain of synthetic identifiers `user-<hex>@id.<domain>` for users without an email.
    public var identifierDomain: String = "gatehouse.local"
    public var signingAlgorithm: SigningAlgorithm = .ES256
    /// The system API key from the environment; when nil one is generated on first start.
    public var systemAPIKey: String?
    /// bcrypt cost for new password hashes; stored hashes of a lower cost are re-hashed at login.
    public var bcryptCost: UInt8 = 12
    public var bruteForce = BruteForcePolicy()
    /// Whether confirmations queue pushes (a push transport is configured).
    public var pushEnabled = false
    /// Step-up: how recent a session's last primary sign-in must be to mint a credential (seconds).
    public var stepUpMaxAge: TimeInterval = 300
    /// `GATEHOUSE_EVENT_RETENTION_DAYS`: audit events older than this are pruned behind a checkpoint; nil
    /// keeps them forever.
    public var eventRetention: TimeInterval?
    /// Where outbound fetches (JWKS URLs) may go: https to public addresses unless `GATEHOUSE_ALLOW_PRIVATE_FETCH`.
    public var outbound = OutboundPolicy()
    /// `GATEHOUSE_WEBHOOK_ALLOW_PRIVATE`: webhooks to http and private addresses (labs and tests); off, https
    /// to public addresses only, checked again after resolution at every send.
    public var webhookAllowPrivate = false
    /// Origins allowed for every tenant (`GATEHOUSE_CORS_ORIGINS`), serialized (`WebOrigin.serializedList`).
    public var corsOrigins: [String] = []
    /// How long a node trusts its copy of every tenant's CORS origins (preflights); its own changes at once.
    public var corsCacheTTL: TimeInterval = 5
    /// How long a browser may reuse a preflight answer (`Access-Control-Max-Age`, seconds).
    public var corsMaxAge = 600
    /// How long a node trusts its copy of an OAuth client (its secret's hash, its grants): a deleted client
    /// or a rotated secret is refused on every node within it.
    public var oauthClientCacheTTL: TimeInterval = 5
    /// How long a node trusts its copy of the revoked client-credentials tokens: another node's revocation
    /// is refused by this node's introspection within it (this node's own at once).
    public var revokedTokensCacheTTL: TimeInterval = 5
    /// Past this many unexpired revoked tokens a node keeps no copy and reads the table at each check.
    public var revokedTokensCacheCapacity = 100_000

    public init() {}
}

/// Where the engine reports what operations watch (the HTTP layer feeds Prometheus from it).
public protocol EngineObserver: Sendable {
    func tokenIssued(level: AuthLevel)
    func refreshReuseDetected()
    /// A token of the OAuth token endpoint, by grant type.
    func oauthTokenIssued(grant: String)
    /// A webhook delivery attempt's result: `succeeded`, `retried` or `failed` (given up).
    func webhookDelivery(result: String)
    /// The webhook outbox after a dispatcher pass: pending deliveries, and the age of the oldest one's event.
    func webhookOutbox(pending: Int, oldestAge: TimeInterval)
}

extension EngineObserver {
    public func oauthTokenIssued(grant: String) {}
    public func webhookDelivery(result: String) {}
    public func webhookOutbox(pending: Int, oldestAge: TimeInterval) {}
}

public struct NoObserver: EngineObserver {
    public init() {}
    public func tokenIssued(level: AuthLevel) {}
    public func refreshReuseDetected() {}
}
