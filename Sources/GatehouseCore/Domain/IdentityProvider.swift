import Foundation

/// Algorithms an external provider may sign with; never `none` or an HMAC.
public enum ExternalAlgorithm: String, Sendable, CaseIterable, Codable {
    case EdDSA, ES256, RS256

    /// The JWK key type that may verify this algorithm (prevents algorithm confusion).
    public var keyType: String {
        switch self {
        case .EdDSA: "OKP"
        case .ES256: "EC"
        case .RS256: "RSA"
        }
    }
}

public struct IdentityProvider: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var issuer: String
    /// Inline JWKS JSON text.
    public var jwks: String?
    public var jwksUri: String?
    /// The `aud` values its tokens may carry for us: one must be present. Empty only for a provider stored
    /// before audiences were required, which refuses every token until an admin sets one.
    public var audiences: [String]
    public var algorithms: [ExternalAlgorithm]
    public var emailClaim: String
    public var createdAt: Date

    public init(
        id: String, tenantId: String, issuer: String, jwks: String?, jwksUri: String?, audiences: [String],
        algorithms: [ExternalAlgorithm], emailClaim: String, createdAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.issuer = issuer
        self.jwks = jwks
        self.jwksUri = jwksUri
        self.audiences = audiences
        self.algorithms = algorithms
        self.emailClaim = emailClaim
        self.createdAt = createdAt
    }
}
