import Foundation

/// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): a code for tokens. The code is spent by the session its
/// exchange starts, in the same transaction, so two exchanges cannot both succeed; a code used again
/// revokes what its first use issued (§4.1.2). Tokens: an RFC 9068 access token, a refresh token when the
/// client may refresh (first-party, or `offline_access` granted), an OpenID Connect ID token for `openid`.
struct AuthorizationCodeGrant: GrantHandler {
    let grant = OAuthClient.GrantType.authorizationCode
    let store: any GatehouseStore
    let sessions: SessionService
    let idTokens: IDTokens
    let events: EventRecorder
    let clock: any GatehouseClock
    let observer: any EngineObserver
    let defaultTTL: TimeInterval

    static let refused = GatehouseError.oauth(.invalidGrant, "the code is unknown, expired, used, or another client's")

    func handle(_ request: TokenRequest, client: OAuthClient, tenantId: String) async throws -> TokenResponse {
        guard let code = request.code, !code.isEmpty else { throw GatehouseError.oauth(.invalidRequest, "code is required") }
        guard let redirectURI = request.redirectURI, !redirectURI.isEmpty else {
            throw GatehouseError.oauth(.invalidRequest, "redirect_uri is required")
        }
        guard code.utf8.count <= 512, let record = try await store.authorizationCode(tenantId: tenantId, hash: Digest.sha256Hex(code)),
            record.clientId == client.id
        else { throw Self.refused }
        if record.usedAt != nil {
            try await reused(record)
            throw Self.refused
        }
        let now = clock.now
        guard record.expiresAt > now else { throw Self.refused }
        guard record.redirectURI == redirectURI else {
            throw GatehouseError.oauth(.invalidGrant, "redirect_uri is not the authorization request's")
        }
        if let challenge = record.codeChallenge {
            guard let verifier = request.codeVerifier, PKCE.verify(verifier: verifier, challenge: challenge) else {
                throw GatehouseError.oauth(.invalidGrant, "code_verifier does not match the code challenge")
            }
        } else if request.codeVerifier != nil {
            // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
            throw GatehouseError.oauth(.invalidGrant, "the code was issued without a code challenge")
        }
        guard let user = try await store.user(tenantId: tenantId, id: record.userId), user.status != .disabled,
            let browser = try await store.sessionState(tenantId: tenantId, id: record.browserSessionId), browser.revokedAt == nil
        else { throw Self.refused }

        let ttl = client.accessTokenTTL.map(TimeInterval.init) ?? defaultTTL
        let scope = record.scopes.isEmpty ? nil : record.scopes.joined(separator: " ")
        var start = SessionService.Start(tenantId: tenantId, user: user, subject: user.id, level: .user, amr: record.amr)
        start.authTime = record.authTime
        start.scope = scope
        start.clientId = client.id
        start.audience = client.firstParty ? tenantId : client.id
        start.accessTTL = ttl
        start.preconditions = [.spendAuthorizationCode(tenantId: tenantId, hash: record.hash, at: now)]
        start.event = events.draft(
            .tokenIssued, subject: user.id, data: ["grant": .string(grant.rawValue), "clientId": .string(client.id)])
        let pair: TokenPair
        do {
            pair = try await sessions.start(start).1
        } catch is SessionPreconditionFailed {
            // Another exchange spent it between the read and now.
            if let spent = try await store.authorizationCode(tenantId: tenantId, hash: record.hash) { try await reused(spent) }
            throw Self.refused
        }
        observer.oauthTokenIssued(grant: grant.rawValue)
        let mayRefresh = client.grantTypes.contains(.refreshToken) && (client.firstParty || record.scopes.contains("offline_access"))
        var idToken: String?
        if record.scopes.contains("openid") {
            idToken = try await idTokens.issue(
                client: client, user: user, tenantId: tenantId, nonce: record.nonce, authTime: record.authTime, amr: record.amr,
                sessionId: record.browserSessionId, accessToken: pair.accessToken, scopes: record.scopes, ttl: ttl)
        }
        return TokenResponse(
            accessToken: pair.accessToken, expiresIn: Int(ttl), refreshToken: mayRefresh ? pair.refreshToken : nil, idToken: idToken,
            scope: scope)
    }

    /// RFC 6749 §4.1.2: a code presented after its use is a stolen code or a replay; the session its first
    /// use started ends.
    private func reused(_ record: AuthorizationCode) async throws {
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            if let sessionId = record.issuedSessionId {
                _ = try await tx.revokeSession(tenantId: record.tenantId, id: sessionId, at: now, reason: "code_reused")
            }
            try await events.append(
                .oauthCodeReused, tenantId: record.tenantId, subject: record.userId,
                data: ["clientId": .string(record.clientId), "sessionId": record.issuedSessionId.map(JSONValue.string) ?? .null], in: tx)
        }
    }
}

/// RFC 6749 §6: a code-flow session's refresh token, for the client it was issued to, with the engine's
/// rotation, reuse detection and retry window; `scope` may narrow the new access token, never widen it.
struct RefreshTokenGrant: GrantHandler {
    let grant = OAuthClient.GrantType.refreshToken
    let sessions: SessionService
    let observer: any EngineObserver
    let defaultTTL: TimeInterval

    func handle(_ request: TokenRequest, client: OAuthClient, tenantId: String) async throws -> TokenResponse {
        guard let token = request.refreshToken, !token.isEmpty else {
            throw GatehouseError.oauth(.invalidRequest, "refresh_token is required")
        }
        let narrowed = try ScopeList.parse(request.scope)
        let (session, pair): (Session, TokenPair)
        do {
            (session, pair) = try await sessions.refreshSession(
                tenantId: tenantId, refreshToken: token,
                client: RefreshClient(address: request.address, userAgent: request.userAgent), oauthClient: client,
                narrowedScopes: narrowed)
        } catch let error as GatehouseError where error.reason == .invalidRefreshToken {
            throw GatehouseError.oauth(.invalidGrant, "the refresh token is unknown, expired, spent, or another client's")
        }
        observer.oauthTokenIssued(grant: grant.rawValue)
        let ttl = client.accessTokenTTL.map(TimeInterval.init) ?? defaultTTL
        return TokenResponse(
            accessToken: pair.accessToken, expiresIn: Int(ttl), refreshToken: pair.refreshToken, idToken: nil,
            scope: narrowed.map { $0.joined(separator: " ") } ?? session.scope)
    }
}
