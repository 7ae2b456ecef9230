import Foundation

/// A client of a tenant's OAuth 2.0 authorization server (RFC 6749 §2), registered by the tenant admin.
public struct OAuthClient: Sendable, Equatable {
    /// RFC 6749 §4: the grants a client may use; `refresh_token` comes with `authorization_code`.
    public enum GrantType: String, Sendable, CaseIterable {
        case authorizationCode = "authorization_code"
        case refreshToken = "refresh_token"
        case clientCredentials = "client_credentials"
    }

    /// RFC 7591 §2 `token_endpoint_auth_method`: how the client proves itself at the token endpoint.
    public enum AuthMethod: String, Sendable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        case none
    }

    /// OpenID Connect Registration `id_token_signed_response_alg` (used by the code flow).
    public enum IDTokenAlgorithm: String, Sendable, CaseIterable {
        case RS256, ES256
    }

    public static let idPrefix = "ghc_"
    public static let secretPrefix = "ghs_"

    /// `client_id`.
    public var id: String
    public var tenantId: String
    public var name: String
    public var redirectUris: [String]
    public var postLogoutRedirectUris: [String]
    public var grantTypes: [GrantType]
    public var scopes: [String]
    public var tokenEndpointAuthMethod: AuthMethod
    /// PKCE (RFC 7636) on the code flow; always true for public clients.
    public var requirePkce: Bool
    /// First-party clients skip consent, and their tokens name the tenant as audience (so the dialects
    /// accept them); a third party's name the client.
    public var firstParty: Bool
    /// Seconds; nil: the server's access-token life.
    public var accessTokenTTL: Int?
    public var idTokenSignedResponseAlg: IDTokenAlgorithm
    /// SHA-256 (hex) of the secret, shown once; nil for public clients.
    public var secretHash: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, tenantId: String, name: String, redirectUris: [String] = [], postLogoutRedirectUris: [String] = [],
        grantTypes: [GrantType], scopes: [String] = [], tokenEndpointAuthMethod: AuthMethod = .clientSecretBasic,
        requirePkce: Bool = true, firstParty: Bool = false, accessTokenTTL: Int? = nil,
        idTokenSignedResponseAlg: IDTokenAlgorithm = .RS256, secretHash: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.name = name
        self.redirectUris = redirectUris
        self.postLogoutRedirectUris = postLogoutRedirectUris
        self.grantTypes = grantTypes
        self.scopes = scopes
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.requirePkce = requirePkce
        self.firstParty = firstParty
        self.accessTokenTTL = accessTokenTTL
        self.idTokenSignedResponseAlg = idTokenSignedResponseAlg
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A public client (RFC 6749 §2.1) holds no secret: a browser app or a native app.
    public var isPublic: Bool { tokenEndpointAuthMethod == .none }
}

/// What the admin sends to create a client or change one; nil = the default (create) or unchanged (update).
public struct OAuthClientInput: Sendable {
    public var name: String?
    public var redirectUris: [String]?
    public var postLogoutRedirectUris: [String]?
    public var grantTypes: [String]?
    public var scopes: [String]?
    public var tokenEndpointAuthMethod: String?
    public var requirePkce: Bool?
    public var firstParty: Bool?
    public var accessTokenTTL: Int?
    public var idTokenSignedResponseAlg: String?
    public init() {}
}
