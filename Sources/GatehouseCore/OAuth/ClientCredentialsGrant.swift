import Foundation

/// RFC 6749 §4.4: a confidential client's own token. Issuing one writes nothing to the database: the
/// client comes from the cache and the token is a signed JWT (RFC 9068); its issue is audited at most
/// once a minute per client, with a count (`IssueAudit`).
struct ClientCredentialsGrant: GrantHandler {
    let grant = OAuthClient.GrantType.clientCredentials
    let tokens: TokenService
    let defaultTTL: TimeInterval
    let audit: IssueAudit

    func handle(_ request: TokenRequest, client: OAuthClient, tenantId: String) async throws -> TokenResponse {
        let scopes: [String]
        if let asked = try ScopeList.parse(request.scope) {
            // RFC 6749 §3.3: never more than the client was registered for.
            guard asked.allSatisfy(client.scopes.contains) else {
                throw GatehouseError.oauth(.invalidScope, "the client may not ask for \(asked.filter { !client.scopes.contains($0) }.joined(separator: " ").prefix(200))")
            }
            scopes = asked.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        } else {
            scopes = client.scopes
        }
        let ttl = client.accessTokenTTL.map(TimeInterval.init) ?? defaultTTL
        let scope = scopes.isEmpty ? nil : scopes.joined(separator: " ")
        let token = try await tokens.issueClientToken(
            tenantId: tenantId, clientId: client.id, audience: client.firstParty ? tenantId : client.id, scope: scope, ttl: ttl)
        try await audit.issued(tenantId: tenantId, clientId: client.id, grant: grant)
        return TokenResponse(accessToken: token, expiresIn: Int(ttl), scope: scope)
    }
}
