import Foundation

/// OpenID Connect ID tokens (Core §2, §3.1.3.6): signed with the algorithm the client registered (RS256 by
/// default, from an RSA key that joins the tenant's ring on first need; or ES256), for the client as audience.
public struct IDTokens: Sendable {
    let keys: KeyRingCache
    let tokens: TokenService
    let clock: any GatehouseClock

    /// The standard claims a scope releases (Core §5.4), from the user as stored now.
    static func claims(of user: User, scopes: [String]) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        if scopes.contains("profile") {
            if let name = user.employee?.name ?? user.username { out.append(("name", .string(name))) }
            if let username = user.username { out.append(("preferred_username", .string(username))) }
            out.append(("updated_at", .number(Double(Int64(user.updatedAt.timeIntervalSince1970)))))
        }
        if scopes.contains("email"), let email = user.email {
            out.append(("email", .string(email)))
            // An address is ours to vouch for only when it came with the account (no verification flow yet).
            out.append(("email_verified", .bool(false)))
        }
        return out
    }

    /// `at_hash` (Core §3.1.3.6): the left half of the SHA-256 of the access token, base64url. Both RS256
    /// and ES256 hash with SHA-256.
    static func accessTokenHash(_ accessToken: String) -> String {
        Base64URL.encode(Digest.sha256(Array(accessToken.utf8)).prefix(16))
    }

    public func issue(
        client: OAuthClient, user: User, tenantId: String, nonce: String?, authTime: Date, amr: [String], sessionId: String,
        accessToken: String, scopes: [String], ttl: TimeInterval
    ) async throws -> String {
        let algorithm: SigningAlgorithm = client.idTokenSignedResponseAlg == .ES256 ? .ES256 : .RS256
        let (kid, key) = try await keys.signingKey(tenantId: tenantId, algorithm: algorithm)
        let now = clock.nowSeconds
        var w = JSONWriter()
        w.field("iss", tokens.issuer(tenantId: tenantId))
        w.field("sub", user.id)
        w.field("aud", client.id)
        w.field("azp", client.id)
        w.field("exp", now + Int64(ttl))
        w.field("iat", now)
        w.field("auth_time", Int64(authTime.timeIntervalSince1970))
        w.field("nonce", nonce)
        w.field("amr", amr)
        w.field("at_hash", Self.accessTokenHash(accessToken))
        w.field("sid", sessionId)
        for (name, value) in Self.claims(of: user, scopes: scopes) { w.field(name, claim: value) }
        return try CompactJWS.serialize(
            header: ["alg": algorithm.rawValue, "typ": "JWT", "kid": kid], payloadJSON: Data(w.finished()), sign: { try key.sign($0) })
    }
}
