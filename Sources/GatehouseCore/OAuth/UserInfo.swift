import Foundation

/// OpenID Connect Core §5.3: the claims about the user an access token's scopes release — `sub` always
/// (the token must carry `openid`), then `profile` and `email` claims, read from the user as stored now.
public struct UserInfo: Sendable {
    let auth: AuthService
    let store: any GatehouseStore

    public func claims(tenantId: String, bearer: String) async throws -> [(String, JSONValue)] {
        let principal = try await auth.authenticate(tenantId: tenantId, bearer: bearer, clientAudience: true)
        let scopes = (principal.claims.scope ?? "").split(separator: " ").map(String.init)
        guard scopes.contains("openid") else {
            throw GatehouseError(.forbidden, "the token was not granted the openid scope", reason: .insufficientScope)
        }
        guard let userId = principal.state.userId, let user = try await store.user(tenantId: tenantId, id: userId) else {
            throw GatehouseError.invalidToken("the token names no user")
        }
        return [("sub", .string(user.id))] + IDTokens.claims(of: user, scopes: scopes)
    }
}
