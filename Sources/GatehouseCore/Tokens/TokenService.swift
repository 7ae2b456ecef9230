import Foundation

public struct IssuedAccessToken: Sendable {
    public var token: String
    public var claims: AccessTokenClaims
    public var expiresAt: Date
}

/// Signs and checks our own access tokens. Checking needs no database read: signature, `iss`, `aud`,
/// `tid`, `nbf`, `exp` and `kid` are all decided from the token and the tenant's key ring.
public struct TokenService: Sendable {
    public let keys: KeyRingCache
    /// Tokens whose signature has been checked, keyed by the whole token text (so a token with the same
    /// claims and another signature never matches).
    let verified = BoundedCache<(claims: AccessTokenClaims, payload: [UInt8])>(capacity: 20_000)
    let verifiedClientTokens = BoundedCache<ClientTokenClaims>(capacity: 20_000)
    let clock: any GatehouseClock
    let random: any RandomSource
    let publicURL: String
    /// Clock skew tolerated on `nbf`/`iat` between nodes; `exp` gets none.
    let leeway: Int64 = 5

    public init(keys: KeyRingCache, clock: any GatehouseClock, random: any RandomSource, publicURL: String) {
        self.keys = keys
        self.clock = clock
        self.random = random
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    public func issuer(tenantId: String) -> String { "\(publicURL)/t/\(tenantId)" }

    /// An access token for a session. A code-flow session's (one issued to an OAuth client) follows RFC 9068:
    /// `typ: at+jwt`, `client_id`, `auth_time`, and `audience` (the tenant for a first-party client, so the
    /// dialects accept it; else the client, so they refuse it).
    public func issue(session: Session, ttl: TimeInterval, audience: String? = nil) async throws -> IssuedAccessToken {
        let ring = try await keys.ring(tenantId: session.tenantId)
        let now = clock.nowSeconds
        let exp = now + Int64(ttl)
        let claims = AccessTokenClaims(
            iss: issuer(tenantId: session.tenantId), sub: session.subject, aud: audience ?? session.tenantId, exp: exp, iat: now,
            nbf: now, jti: random.token(bytes: 16), tid: session.tenantId, lvl: session.level, sid: session.id,
            bid: session.businessId, role: session.role, scope: session.scope, amr: session.amr, client_id: session.clientId,
            auth_time: session.clientId == nil ? nil : Int64(session.authTime.timeIntervalSince1970)
        )
        let token = try CompactJWS.serialize(
            header: ["alg": ring.currentKey.algorithm.rawValue, "typ": session.clientId == nil ? "JWT" : "at+jwt", "kid": ring.currentKid],
            payloadJSON: Data(claims.jsonBytes),
            sign: { try ring.currentKey.sign($0) }
        )
        return IssuedAccessToken(token: token, claims: claims, expiresAt: Date(timeIntervalSince1970: TimeInterval(exp)))
    }

    /// An OAuth client's own access token (client credentials): a JWT access token profile token (RFC 9068,
    /// `typ: at+jwt`) with `sub` and `client_id` the client. It has no session and no `lvl`, so the dialect
    /// routes, which need both, refuse it.
    public func issueClientToken(tenantId: String, clientId: String, audience: String, scope: String?, ttl: TimeInterval)
        async throws -> String
    {
        let ring = try await keys.ring(tenantId: tenantId)
        let now = clock.nowSeconds
        let claims = ClientTokenClaims(
            iss: issuer(tenantId: tenantId), sub: clientId, aud: audience, client_id: clientId, scope: scope,
            jti: random.token(bytes: 16), iat: now, nbf: now, exp: now + Int64(ttl), tid: tenantId)
        return try CompactJWS.serialize(
            header: ["alg": ring.currentKey.algorithm.rawValue, "typ": "at+jwt", "kid": ring.currentKid],
            payloadJSON: Data(claims.jsonBytes),
            sign: { try ring.currentKey.sign($0) }
        )
    }

    /// Verifies one of our tokens for `tenantId`. Throws `invalidToken` with the reason.
    public func verify(_ token: String, tenantId: String) async throws -> AccessTokenClaims {
        try await verifyReturningPayload(token, tenantId: tenantId).claims
    }

    /// As `verify`, also giving the payload bytes exactly as signed.
    /// `clientAudience`: also accept a third-party client's code-flow token, whose audience is that client
    /// (introspection and userinfo serve them; the dialects never do).
    public func verifyReturningPayload(_ token: String, tenantId: String, clientAudience: Bool = false) async throws
        -> (claims: AccessTokenClaims, payload: [UInt8])
    {
        // A resource server verifies the same token on every call for its whole life: remember tokens
        // whose signature held. The time, tenant and issuer checks still run on every call.
        if let hit = verified.lookup(token) {
            try check(hit.claims, tenantId: tenantId, clientAudience: clientAudience)
            return hit
        }
        let jws = try await verifiedJWS(token, tenantId: tenantId)
        let claims = try jws.decodePayload(AccessTokenClaims.self)
        try check(claims, tenantId: tenantId, clientAudience: clientAudience)
        let result = (claims, jws.payload)
        verified.remember(token, result)
        return result
    }

    /// A token signed by one of the tenant's keys with the algorithm that key is for; nothing else checked.
    private func verifiedJWS(_ token: String, tenantId: String) async throws -> CompactJWS {
        let jws = try CompactJWS(token)
        guard let alg = SigningAlgorithm(rawValue: jws.header.alg) else {
            throw GatehouseError.invalidToken("algorithm \(jws.header.alg) is not accepted")
        }
        guard let kid = jws.header.kid, !kid.isEmpty else { throw GatehouseError.invalidToken("token has no kid") }
        guard let key = try await keys.verifier(tenantId: tenantId, kid: kid) else {
            throw GatehouseError.invalidToken("unknown signing key")
        }
        guard key.algorithm == alg, key.isValidSignature(jws.signature, for: jws.signingInput) else {
            throw GatehouseError.invalidToken("bad signature")
        }
        return jws
    }

    /// The claims of a client's own token (RFC 9068 `typ: at+jwt`) for `tenantId`; nil when the token does
    /// not say it is one. Throws `invalidToken` when it says so and its signature, tenant or times do not hold.
    /// Its audience names the client (or, first-party, the tenant), so it is not checked here.
    public func clientToken(_ token: String, tenantId: String) async throws -> ClientTokenClaims? {
        // As for the dialects' tokens, a signature that held is remembered by the whole token text (a
        // resource server introspects one token many times); the claim checks run on every call.
        let claims: ClientTokenClaims
        if let hit = verifiedClientTokens.lookup(token) {
            claims = hit
        } else {
            // A user's code-flow token says at+jwt too; it has a session (sid), a client's own has none.
            guard verified.lookup(token) == nil, Self.isClientToken(token) else { return nil }
            let jws = try await verifiedJWS(token, tenantId: tenantId)
            claims = try jws.decodePayload(ClientTokenClaims.self)
            guard claims.sid == nil else { return nil }
            verifiedClientTokens.remember(token, claims)
        }
        let now = clock.nowSeconds
        guard claims.tid == tenantId else { throw GatehouseError.invalidToken("token belongs to another tenant") }
        guard claims.iss == issuer(tenantId: tenantId) else { throw GatehouseError.invalidToken("wrong issuer") }
        guard claims.exp > now else { throw GatehouseError.invalidToken("token expired") }
        guard claims.nbf <= now + leeway, claims.iat <= now + leeway else { throw GatehouseError.invalidToken("token not yet valid") }
        return claims
    }

    /// An ID token of ours presented back (OpenID Connect RP-Initiated Logout §2 `id_token_hint`): its
    /// signature and issuer must hold; its expiry does not matter (a logout often comes after it).
    public func idTokenHint(_ token: String, tenantId: String) async throws -> (audience: String, subject: String, sessionId: String?) {
        struct Hint: Decodable {
            var iss: String
            var aud: String
            var sub: String
            var sid: String?
        }
        let jws = try await verifiedJWS(token, tenantId: tenantId)
        let hint = try jws.decodePayload(Hint.self)
        guard hint.iss == issuer(tenantId: tenantId) else { throw GatehouseError.invalidToken("wrong issuer") }
        return (hint.aud, hint.sub, hint.sid)
    }

    /// Whether a token says it is a client's own (RFC 9068 `typ`), read without verifying anything.
    static func isClientToken(_ token: String) -> Bool {
        (try? CompactJWS(token))?.header.typ == "at+jwt"
    }

    func check(_ claims: AccessTokenClaims, tenantId: String, clientAudience: Bool = false) throws {
        let now = clock.nowSeconds
        guard claims.tid == tenantId else { throw GatehouseError.invalidToken("token belongs to another tenant") }
        guard claims.iss == issuer(tenantId: tenantId) else { throw GatehouseError.invalidToken("wrong issuer") }
        guard claims.aud == tenantId || (clientAudience && claims.client_id != nil && claims.aud == claims.client_id) else {
            throw GatehouseError.invalidToken("wrong audience")
        }
        guard claims.exp > now else { throw GatehouseError.invalidToken("token expired") }
        guard claims.nbf <= now + leeway else { throw GatehouseError.invalidToken("token not yet valid") }
        guard claims.iat <= now + leeway else { throw GatehouseError.invalidToken("token issued in the future") }
    }

    /// Reads the tenant a token claims without trusting it; used to route admin tokens sent without a project key.
    public static func unverifiedTenantId(_ token: String) -> String? {
        struct TidOnly: Decodable { var tid: String }
        return (try? CompactJWS(token))?.payload.withUnsafeBufferPointer {
            try? JSONDecoder().decode(TidOnly.self, from: Data(buffer: $0)).tid
        }
    }
}
