import Foundation

/// The parameters of a token request (RFC 6749 §4.1.3, §4.4.2, §6), as the form gave them.
public struct TokenRequest: Sendable {
    public var grantType: String?
    public var scope: String?
    public var code: String?
    public var redirectURI: String?
    public var codeVerifier: String?
    public var refreshToken: String?
    /// Who sent it (the refresh grant's retry window recognises the same client by them).
    public var address: String?
    public var userAgent: String?
    public init() {}
}

/// RFC 6749 §5.1.
public struct TokenResponse: Sendable {
    public var accessToken: String
    public var tokenType = "Bearer"
    public var expiresIn: Int
    public var refreshToken: String?
    public var idToken: String?
    public var scope: String?
}

/// One grant type's handling, after the client has authenticated and is known to be allowed the grant.
/// The token endpoint is composed of these (the code flow adds its handlers beside this part's).
public protocol GrantHandler: Sendable {
    var grant: OAuthClient.GrantType { get }
    func handle(_ request: TokenRequest, client: OAuthClient, tenantId: String) async throws -> TokenResponse
}

/// `POST /oauth2/token`: client authentication, then the grant's handler.
public struct OAuthTokenEndpoint: Sendable {
    let clients: OAuthClientService
    let handlers: [any GrantHandler]

    public func token(tenantId: String, client presented: PresentedClient, _ request: TokenRequest) async throws -> TokenResponse {
        let client = try await clients.authenticate(tenantId: tenantId, presented)
        guard let type = request.grantType, !type.isEmpty else { throw GatehouseError.oauth(.invalidRequest, "grant_type is required") }
        guard let grant = OAuthClient.GrantType(rawValue: type), let handler = handlers.first(where: { $0.grant == grant }) else {
            throw GatehouseError.oauth(.unsupportedGrantType, "grant_type \(type.prefix(64)) is not supported")
        }
        guard client.grantTypes.contains(grant) else {
            throw GatehouseError.oauth(.unauthorizedClient, "this client may not use the \(grant.rawValue) grant")
        }
        return try await EventContext.acting(as: .client(client.id)) {
            try await handler.handle(request, client: client, tenantId: tenantId)
        }
    }
}

/// RFC 6749 §3.3: a space-delimited list; nil when absent or blank.
enum ScopeList {
    static func parse(_ text: String?) throws -> [String]? {
        guard let text, text.contains(where: { $0 != " " }) else { return nil }
        guard text.utf8.count <= 4096 else { throw GatehouseError.oauth(.invalidScope, "scope is too long") }
        let scopes = text.split(separator: " ").map(String.init)
        guard scopes.allSatisfy(OAuthClientRules.isScopeToken) else {
            throw GatehouseError.oauth(.invalidScope, "scope holds a value that is not a scope token")
        }
        return scopes
    }
}
