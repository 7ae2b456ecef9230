import Foundation

/// An access token with its refresh token, as every dialect hands them out.
public struct TokenPair: Sendable, Codable, Equatable {
    public var accessToken: String
    public var refreshToken: String
    public var accessTokenExpiresAt: Date
    public var refreshTokenExpiresAt: Date
}

/// Who presents a refresh token: what binds the grace window's answer to the client that spent it.
public struct RefreshClient: Sendable {
    /// The access token sent beside the refresh token (seed 000's refresh body carries one).
    public var accessToken: String?
    public var address: String?
    public var userAgent: String?

    public init(accessToken: String? = nil, address: String?, userAgent: String?) {
        self.accessToken = accessToken
        self.address = address
        self.userAgent = userAgent
    }

    /// SHA-256 of address and User-Agent, kept on the spent token.
    var fingerprint: String { Digest.sha256Hex("\(address ?? "-")\n\(userAgent ?? "-")") }
}

/// Sessions and their refresh-token families: start, rotate (with reuse detection and a grace window), revoke.
public struct SessionService: Sendable {
    let store: any GatehouseStore
    let tokens: TokenService
    let box: SecretBox
    let clock: any GatehouseClock
    let random: any RandomSource
    let config: EngineConfiguration
    let events: EventRecorder
    let observer: any EngineObserver

    public struct Start: Sendable {
        public var tenantId: String
        public var user: User?
        public var subject: String
        public var level: AuthLevel
        public var businessId: String? = nil
        public var role: String? = nil
        public var amr: [String]
        public var scope: String? = nil
        public var accessTTL: TimeInterval? = nil
        public var refreshTTL: TimeInterval? = nil
        /// A "remember me" login: refresh tokens live `rememberMeRefreshTTL` (and their successors as long).
        public var rememberMe = false
        public var sessionLifetime: TimeInterval? = nil
        /// When the primary authentication happened, if before now (a password checked before its OTP step).
        public var authTime: Date? = nil
        /// Recorded in the same transaction as the session.
        public var event: EventDraft? = nil
        /// Must hold, in the same transaction, for the session to exist.
        public var preconditions: [SessionPrecondition] = []
        /// A code-flow session: the OAuth client it is issued to, and its tokens' audience.
        public var clientId: String? = nil
        public var audience: String? = nil

        public init(tenantId: String, user: User?, subject: String, level: AuthLevel, amr: [String]) {
            self.tenantId = tenantId
            self.user = user
            self.subject = subject
            self.level = level
            self.amr = amr
        }
    }

    /// A user-level session for a local login (password, then perhaps OTP), with its audit event.
    public func startLogin(_ user: User, tenantId: String, amr: [String], dialect: String, authTime: Date? = nil)
        async throws -> TokenPair
    {
        try await startLoginSession(user, tenantId: tenantId, amr: amr, dialect: dialect, authTime: authTime).1
    }

    /// As `startLogin`, also giving the session (the hosted login page keeps it in its cookie).
    public func startLoginSession(_ user: User, tenantId: String, amr: [String], dialect: String, authTime: Date? = nil)
        async throws -> (Session, TokenPair)
    {
        var start = Start(tenantId: tenantId, user: user, subject: user.id, level: .user, amr: amr)
        start.authTime = authTime
        start.event = events.draft(
            .loginSucceeded, subject: user.id,
            data: [
                "method": .string(LoginMethod(localAMR: amr, dialect: dialect).rawValue), "dialect": .string(dialect),
                "amr": .array(amr.map { .string($0) }),
            ])
        return try await self.start(start)
    }

    public func start(_ s: Start) async throws -> (Session, TokenPair) {
        let now = clock.now
        let lifetime = s.sessionLifetime ?? config.sessionMaxLifetime
        let session = Session(
            id: random.uuidString(), tenantId: s.tenantId, userId: s.user?.id, subject: s.subject, level: s.level,
            businessId: s.businessId, role: s.role, amr: s.amr, scope: s.scope, createdAt: now,
            authTime: s.authTime.map { min($0, now) } ?? now, expiresAt: now.addingTimeInterval(lifetime), clientId: s.clientId
        )
        let refresh = newRefreshToken()
        let refreshTTL = s.refreshTTL ?? (s.rememberMe ? Self.rememberMeRefreshTTL : config.refreshTokenTTL)
        let refreshExpiry = min(now.addingTimeInterval(refreshTTL), session.expiresAt)
        let access = try await tokens.issue(session: session, ttl: s.accessTTL ?? config.accessTokenTTL, audience: s.audience)
        let record = RefreshTokenRecord(
            hash: Digest.sha256Hex(refresh), tenantId: s.tenantId, sessionId: session.id, createdAt: now,
            expiresAt: refreshExpiry, accessHash: Digest.sha256Hex(access.token))
        try await store.insertSession(session, firstRefreshToken: record, event: s.event, preconditions: s.preconditions)
        observer.tokenIssued(level: s.level)
        return (
            session,
            TokenPair(
                accessToken: access.token, refreshToken: refresh, accessTokenExpiresAt: access.expiresAt,
                refreshTokenExpiresAt: refreshExpiry)
        )
    }

    /// Rotates a refresh token. Exactly one caller spends a token (an atomic compare-and-set in the store);
    /// a retry inside the grace window gets that caller's pair; anything else spent is reuse and kills the session.
    public func refresh(tenantId: String, refreshToken: String, client: RefreshClient) async throws -> TokenPair {
        try await refreshSession(tenantId: tenantId, refreshToken: refreshToken, client: client).1
    }

    /// As `refresh`, also giving the session the pair belongs to (read on the way anyway).
    /// `oauthClient`: the OAuth client presenting a code-flow session's token (RFC 6749 §6: a refresh token
    /// works for the client it was issued to only); nil for the dialects, which refuse those sessions' tokens.
    /// `narrowedScopes`: RFC 6749 §6, the new access token's scopes, within the session's (else `invalid_scope`).
    public func refreshSession(
        tenantId: String, refreshToken: String, client: RefreshClient, oauthClient: OAuthClient? = nil,
        narrowedScopes: [String]? = nil
    ) async throws -> (Session, TokenPair) {
        guard !refreshToken.isEmpty, refreshToken.utf8.count <= 512 else { throw Self.invalidRefresh }
        let hash = Digest.sha256Hex(refreshToken)
        guard let record = try await store.refreshToken(hash: hash), record.tenantId == tenantId else {
            throw Self.invalidRefresh
        }
        let now = clock.now
        guard let session = try await store.session(tenantId: tenantId, id: record.sessionId),
            session.isActive(at: now), session.clientId == oauthClient?.id
        else { throw Self.invalidRefresh }
        if let usedAt = record.usedAt {
            return (session, try await replayed(record, usedAt: usedAt, session: session, client: client))
        }
        guard record.expiresAt > now else { throw Self.invalidRefresh }
        var scoped = session
        if let narrowed = narrowedScopes {
            let granted = (session.scope ?? "").split(separator: " ").map(String.init)
            guard narrowed.allSatisfy(granted.contains) else {
                throw GatehouseError.oauth(.invalidScope, "a refresh may narrow the scope, never widen it")
            }
            scoped.scope = narrowed.isEmpty ? nil : narrowed.joined(separator: " ")
        }

        let next = newRefreshToken()
        // A successor lives as long as the token it replaces was given (a "remember me" login keeps its life).
        let ttl = max(config.refreshTokenTTL, record.expiresAt.timeIntervalSince(record.createdAt))
        let nextExpiry = min(now.addingTimeInterval(ttl), session.expiresAt)
        let access = try await tokens.issue(
            session: scoped, ttl: oauthClient?.accessTokenTTL.map(TimeInterval.init) ?? config.accessTokenTTL,
            audience: oauthClient.map { $0.firstParty ? tenantId : $0.id })
        let pair = TokenPair(
            accessToken: access.token, refreshToken: next, accessTokenExpiresAt: access.expiresAt,
            refreshTokenExpiresAt: nextExpiry)
        let successor = RefreshTokenRecord(
            hash: Digest.sha256Hex(next), tenantId: tenantId, sessionId: session.id, createdAt: now,
            expiresAt: nextExpiry, accessHash: Digest.sha256Hex(access.token))
        let sealed = try box.seal(try JSONEncoder().encode(pair).map { $0 }, context: "refresh-successor:\(hash)")
        var refreshedData: [String: JSONValue] = ["sessionId": .string(session.id)]
        if let oauthClient { refreshedData["clientId"] = .string(oauthClient.id) }
        switch try await store.spendRefreshToken(
            hash: hash, at: now, successor: successor, successorSealed: sealed, spentBy: client.fingerprint,
            rights: SessionRights(session), event: events.draft(.tokenRefreshed, subject: session.subject, data: refreshedData))
        {
        case .spent:
            observer.tokenIssued(level: session.level)
            return (session, pair)
        case .alreadySpent(let current):
            return (session, try await replayed(current, usedAt: current.usedAt ?? now, session: session, client: client))
        case .notFound:
            throw Self.invalidRefresh
        case .rightsLost:
            // Authorization is not frozen into a session: what it was issued for no longer holds, so it ends.
            try await store.unitOfWork { [events] tx in
                if try await tx.revokeSession(tenantId: tenantId, id: session.id, at: now, reason: "rights_lost") {
                    try await events.append(
                        .sessionRevoked, tenantId: tenantId, subject: session.subject,
                        data: ["sessionId": .string(session.id), "reason": "rights_lost"], in: tx)
                }
            }
            throw Self.invalidRefresh
        }
    }

    /// A spent token presented again. Within the grace window, and only from the client that spent it — the
    /// access token issued beside it when one is sent, else the same address and User-Agent — the same
    /// successor pair is answered (a lost response must not log the user out). Anything else is reuse.
    private func replayed(_ record: RefreshTokenRecord, usedAt: Date, session: Session, client: RefreshClient)
        async throws -> TokenPair
    {
        let now = clock.now
        let sameClient: Bool
        if let presented = client.accessToken {
            sameClient = record.accessHash.map { Digest.constantTimeEquals(Digest.sha256Hex(presented), $0) } ?? false
        } else {
            sameClient = record.spentBy.map { Digest.constantTimeEquals(client.fingerprint, $0) } ?? false
        }
        if sameClient, now.timeIntervalSince(usedAt) <= config.refreshGraceWindow, let successorHash = record.successorHash,
            let sealed = record.successorSealed,
            let successor = try await store.refreshToken(hash: successorHash), successor.usedAt == nil
        {
            let data = try box.open(sealed, context: "refresh-successor:\(record.hash)")
            return try JSONDecoder().decode(TokenPair.self, from: Data(data))
        }
        try await store.unitOfWork { [events] tx in
            _ = try await tx.revokeSession(tenantId: session.tenantId, id: session.id, at: now, reason: "refresh_reuse")
            try await events.append(
                .tokenReuseDetected, tenantId: session.tenantId, subject: session.subject,
                data: ["sessionId": .string(session.id)], in: tx)
        }
        observer.refreshReuseDetected()
        throw Self.invalidRefresh
    }

    public func revoke(tenantId: String, sessionId: String, reason: String) async throws -> Bool {
        try await store.revokeSession(tenantId: tenantId, id: sessionId, at: clock.now, reason: reason)
    }

    /// Logout: the caller's own session ends (an API key has none to end).
    public func logout(_ caller: Caller) async throws {
        guard case .token(let principal, _) = caller else {
            throw GatehouseError(.invalidRequest, "an API key has no session to log out; delete the key instead")
        }
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            _ = try await tx.revokeSession(tenantId: principal.claims.tid, id: principal.state.sessionId, at: now, reason: "logout")
            try await events.append(.sessionLoggedOut, tenantId: principal.claims.tid, subject: principal.claims.sub, in: tx)
        }
    }

    /// A user ends one of their own sessions; another user's session id answers as if it did not exist.
    public func revokeOwn(_ sessionId: String, of user: User) async throws {
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            guard let session = try await tx.session(tenantId: user.tenantId, id: sessionId), session.userId == user.id,
                session.revokedAt == nil
            else { throw GatehouseError.notFound("session") }
            _ = try await tx.revokeSession(tenantId: user.tenantId, id: sessionId, at: now, reason: "user_revoked")
            try await events.append(
                .sessionRevoked, tenantId: user.tenantId, subject: user.id, data: ["sessionId": .string(sessionId)], in: tx)
        }
    }

    /// Ends the user's sessions that `filter` names, because a right they were issued under was taken away;
    /// in the unit of work `tx` of the act that took it.
    func revokeAll(tenantId: String, userId: String, _ filter: SessionFilter, reason: String, in tx: any GatehouseStore)
        async throws
    {
        let count = try await tx.revokeSessions(tenantId: tenantId, userId: userId, filter, at: clock.now, reason: reason)
        if count > 0 {
            try await events.append(
                .sessionRevokedAll, tenantId: tenantId, subject: userId,
                data: ["count": .number(Double(count)), "reason": .string(reason)], in: tx)
        }
    }

    private func newRefreshToken() -> String { "rt_" + random.token(bytes: 32) }

    public static let rememberMeRefreshTTL: TimeInterval = 30 * 24 * 3600

    public static let invalidRefresh = GatehouseError(
        .invalidToken, "Invalid or expired refresh token", reason: .invalidRefreshToken)
}
