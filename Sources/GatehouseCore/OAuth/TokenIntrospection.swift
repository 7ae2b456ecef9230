import Foundation

/// RFC 7662 §2.2: what introspection says of a token. An inactive token says nothing else.
public struct Introspection: Sendable, Equatable {
    public var active: Bool
    public var aud: String?
    public var clientId: String?
    public var exp: Int64?
    public var iat: Int64?
    public var iss: String?
    public var jti: String?
    public var nbf: Int64?
    public var scope: String?
    public var sub: String?
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    public var tokenType: String?
    public var username: String?

    public init(active: Bool) { self.active = active }
    public static let inactive = Introspection(active: false)
}

/// Who may introspect and revoke tokens of a tenant (RFC 7662 §2.1, RFC 7009 §2.1): one of its clients, or
/// its back office with the tenant's API private key.
public enum TokenAuthority: Sendable {
    case client(OAuthClient)
    case tenantKey

    var actor: EventActor {
        switch self {
        case .client(let client): .client(client.id)
        case .tenantKey: .system
        }
    }
}

/// Introspection and revocation of every token of a tenant: access tokens of every dialect and of the
/// client credentials grant, and refresh tokens.
public struct TokenIntrospection: Sendable {
    let store: any GatehouseStore
    let auth: AuthService
    let tokens: TokenService
    let clients: OAuthClientService
    let revocations: RevocationList
    let serviceKeys: ServiceKeys
    let events: EventRecorder
    let clock: any GatehouseClock

    /// The caller of introspection or revocation: the tenant's API private key (or the system key) as a
    /// bearer, else a client by its registered method. Introspection refuses public clients, which prove
    /// nothing (`allowPublic` false).
    public func authority(tenant: Tenant, bearer: String?, client: PresentedClient?, allowPublic: Bool) async throws -> TokenAuthority {
        if let bearer {
            guard try await serviceKeys.isServiceKey(bearer, of: tenant) else {
                throw GatehouseError.oauth(.invalidClient, "the bearer is not the tenant's API private key")
            }
            return .tenantKey
        }
        guard let client else { throw GatehouseError.oauth(.invalidClient, "client authentication is required") }
        let authenticated = try await clients.authenticate(tenantId: tenant.id, client)
        if authenticated.isPublic, !allowPublic {
            throw GatehouseError.oauth(.invalidClient, "a public client cannot introspect tokens")
        }
        return .client(authenticated)
    }

    /// RFC 7662 §2.2. Never throws for the token itself: what is not an active token of this tenant is
    /// `{"active": false}`, whatever the reason.
    public func introspect(tenantId: String, token: String, hint: String?) async throws -> Introspection {
        guard !token.isEmpty, token.utf8.count <= 8192 else { return .inactive }
        if hint == "refresh_token", let found = try await refresh(tenantId: tenantId, token: token) { return found }
        if let found = try await access(tenantId: tenantId, token: token) { return found }
        if hint != "refresh_token", let found = try await refresh(tenantId: tenantId, token: token) { return found }
        return .inactive
    }

    private func access(tenantId: String, token: String) async throws -> Introspection? {
        guard token.split(separator: ".", omittingEmptySubsequences: false).count == 3 else { return nil }
        let clientToken: ClientTokenClaims?
        do { clientToken = try await tokens.clientToken(token, tenantId: tenantId) } catch { return nil }
        if let claims = clientToken {
            // A deleted client's tokens die with it (seen on every node within the client cache's life).
            guard try await clients.cached(tenantId: tenantId, id: claims.client_id) != nil,
                try await !revocations.isRevoked(tenantId: tenantId, jti: claims.jti)
            else { return nil }
            var i = Introspection(active: true)
            (i.aud, i.clientId, i.exp, i.iat, i.iss) = (claims.aud, claims.client_id, claims.exp, claims.iat, claims.iss)
            (i.jti, i.nbf, i.scope, i.sub, i.tokenType) = (claims.jti, claims.nbf, claims.scope, claims.sub, "Bearer")
            return i
        }
        let principal: Principal
        do {
            principal = try await auth.authenticate(tenantId: tenantId, bearer: token, clientAudience: true)
        } catch let error as GatehouseError where error.code == .unavailable || error.code == .internalError {
            throw error  // the database, not the token: say so rather than call a good token inactive
        } catch {
            return nil
        }
        let claims = principal.claims
        var i = Introspection(active: true)
        (i.aud, i.exp, i.iat, i.iss, i.jti, i.nbf) = (claims.aud, claims.exp, claims.iat, claims.iss, claims.jti, claims.nbf)
        (i.scope, i.sub, i.tokenType, i.username) = (claims.scope, claims.sub, "Bearer", principal.state.userEmail)
        i.clientId = claims.client_id
        return i
    }

    private func refresh(tenantId: String, token: String) async throws -> Introspection? {
        guard let record = try await store.refreshToken(hash: Digest.sha256Hex(token)), record.tenantId == tenantId,
            record.usedAt == nil, record.expiresAt > clock.now,
            let state = try await store.sessionState(tenantId: tenantId, id: record.sessionId), state.revokedAt == nil,
            state.userStatus != .disabled, state.userId == nil || state.userStatus != nil,
            let session = try await store.session(tenantId: tenantId, id: record.sessionId)
        else { return nil }
        var i = Introspection(active: true)
        i.exp = Int64(record.expiresAt.timeIntervalSince1970)
        i.iat = Int64(record.createdAt.timeIntervalSince1970)
        (i.aud, i.iss, i.sub, i.scope) = (tenantId, tokens.issuer(tenantId: tenantId), session.subject, session.scope)
        (i.tokenType, i.username) = ("refresh_token", state.userEmail)
        return i
    }

    /// RFC 7009 §2.1: revokes the token when the caller may; answers the same either way, so a caller learns
    /// nothing of tokens it does not hold. A client revokes only its own tokens (its client-credentials
    /// tokens now; its code-flow sessions with the next part); the tenant key revokes any of the tenant's.
    public func revoke(tenantId: String, token: String, hint: String?, by authority: TokenAuthority) async throws {
        guard !token.isEmpty, token.utf8.count <= 8192 else { return }
        try await EventContext.acting(as: authority.actor) {
            try await revokeToken(tenantId: tenantId, token: token, authority: authority)
        }
    }

    private func revokeToken(tenantId: String, token: String, authority: TokenAuthority) async throws {
        let clientToken: ClientTokenClaims?
        do { clientToken = try await tokens.clientToken(token, tenantId: tenantId) } catch { return }
        if let claims = clientToken {
            if case .client(let client) = authority, client.id != claims.client_id { return }
            let expiresAt = Date(timeIntervalSince1970: TimeInterval(claims.exp))
            try await store.unitOfWork { [events] tx in
                guard try await tx.insertRevokedToken(tenantId: tenantId, jti: claims.jti, expiresAt: expiresAt) else { return }
                try await events.append(
                    .tokenRevoked, tenantId: tenantId, subject: claims.client_id,
                    data: ["jti": .string(claims.jti), "tokenType": .string("access_token")], in: tx)
            }
            revocations.added(tenantId: tenantId, jti: claims.jti)
            return
        }
        // A session of the dialects belongs to no client: only the tenant's back office may end it here.
        guard case .tenantKey = authority else { return }
        let sessionId: String
        if let principal = try? await auth.authenticate(tenantId: tenantId, bearer: token) {
            sessionId = principal.claims.sid
        } else if let record = try await store.refreshToken(hash: Digest.sha256Hex(token)), record.tenantId == tenantId {
            sessionId = record.sessionId
        } else {
            return
        }
        try await store.unitOfWork { [events, clock] tx in
            guard try await tx.revokeSession(tenantId: tenantId, id: sessionId, at: clock.now, reason: "oauth_revoked") else { return }
            try await events.append(
                .tokenRevoked, tenantId: tenantId, subject: sessionId, data: ["tokenType": .string("session")], in: tx)
        }
    }
}
