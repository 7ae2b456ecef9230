import Foundation

/// `POST /v2/auth/token` input, decoded by the HTTP layer.
public struct TokenExchangeRequest: Sendable {
    public var authToken: String?
    public var authType: AuthLevel
    public var businessId: String?
    public var contextTenantId: String?
    public var rawLoginData: [String: JSONValue]?

    public init(
        authToken: String?, authType: AuthLevel = .user, businessId: String? = nil, contextTenantId: String? = nil,
        rawLoginData: [String: JSONValue]? = nil
    ) {
        self.authToken = authToken
        self.authType = authType
        self.businessId = businessId
        self.contextTenantId = contextTenantId
        self.rawLoginData = rawLoginData
    }
}

public struct VerifyResult: Sendable {
    public enum Payload: Sendable {
        /// Our token's payload exactly as signed.
        case raw([UInt8])
        case object([String: JSONValue])
    }
    public var valid: Bool
    public var payload: Payload?
    public var tenantId: String?
    public var identifierEmail: String?
    public var errorMessage: String?
}

/// An authenticated caller: a verified access token whose session is live.
public struct Principal: Sendable {
    public var claims: AccessTokenClaims
    public var state: SessionState
    /// The token's payload bytes as signed.
    public var rawPayload: [UInt8]
}

/// The token engine behind every dialect's login: exchange, refresh, verify, bearer authentication.
public struct AuthService: Sendable {
    let store: any GatehouseStore
    let tokens: TokenService
    let sessions: SessionService
    let external: ExternalTokenVerifier
    let providers: IdentityProviderCache
    let clock: any GatehouseClock
    let random: any RandomSource
    let config: EngineConfiguration
    let events: EventRecorder
    let bruteForce: BruteForceGuard
    let failureEvents = CoalescedEvents()
    let systemKeyHash: @Sendable () async throws -> String?

    /// `/v2/auth/token`. Failures count against the client address like password logins (429 past the
    /// limit), and their audit events are coalesced: one per address and reason per minute, with a count.
    public func exchange(tenant: Tenant, _ request: TokenExchangeRequest, clientAddress: String?) async throws -> TokenPair {
        if let tid = request.contextTenantId, tid != tenant.id {
            throw GatehouseError(.forbidden, "context.tenantId does not match the project key")
        }
        try await bruteForce.check(tenantId: tenant.id, kind: "exchange", account: nil, address: clientAddress)
        // Seed 001: rawLoginData signs in an anonymous user only where the tenant allows them; elsewhere it
        // is ignored and authToken is verified as usual.
        if let raw = request.rawLoginData, tenant.allowJWTForUnauthenticatedUsers {
            return try await anonymous(tenant: tenant, rawLoginData: raw)
        }
        guard let authToken = request.authToken, !authToken.isEmpty else {
            throw GatehouseError.field("authToken", "is required")
        }
        let pair: TokenPair
        do {
            pair = try await exchangeVerified(tenant: tenant, authToken: authToken, request: request)
        } catch let error as GatehouseError {
            guard error.code == .invalidToken || error.code == .forbidden else { throw error }
            let locked = try await bruteForce.failed(tenantId: tenant.id, kind: "exchange", account: nil, address: clientAddress)
            let key = "\(tenant.id)|\(clientAddress ?? "-")|\(error.message)"
            if let count = failureEvents.admit(key, now: clock.now) {
                var data: [String: JSONValue] = [
                    "method": .string(LoginMethod.external.rawValue), "authType": .string(request.authType.rawValue),
                    "reason": .string(error.message), "count": .number(Double(count)),
                ]
                if let clientAddress { data["address"] = .string(clientAddress) }
                try await events.record(.loginFailed, tenantId: tenant.id, subject: nil, data: data)
            }
            throw locked ?? error
        }
        return pair
    }

    private func exchangeVerified(tenant: Tenant, authToken: String, request: TokenExchangeRequest) async throws
        -> TokenPair
    {
        switch request.authType {
        case .system:
            try await checkSystemKey(tenant: tenant, key: authToken)
            var start = SessionService.Start(
                tenantId: tenant.id, user: nil, subject: "system", level: .system, amr: ["api_key"])
            start.scope = nil
            return try await sessions.start(start).1
        case .external:
            let identity = try await verifyExternal(tenant: tenant, token: authToken)
            let start = SessionService.Start(
                tenantId: tenant.id, user: nil, subject: identity.subject, level: .external, amr: ["ext"])
            return try await sessions.start(start).1
        case .user, .business, .tenant:
            let identity = try await verifyExternal(tenant: tenant, token: authToken)
            let user = try await findOrCreateUser(tenant: tenant, identity: identity)
            guard user.status != .disabled else { throw GatehouseError(.forbidden, "user is disabled") }
            var start = SessionService.Start(
                tenantId: tenant.id, user: user, subject: user.id, level: request.authType, amr: ["ext"])
            if request.authType == .business {
                let choice = try await chooseBusiness(tenant: tenant, user: user, businessId: request.businessId)
                start.businessId = choice.businessId
                start.role = choice.role
            } else if request.authType == .tenant {
                guard try await store.isTenantAdmin(tenantId: tenant.id, userId: user.id) else {
                    throw GatehouseError(.forbidden, "user is not a tenant admin")
                }
            }
            start.event = events.draft(
                .loginSucceeded, subject: user.id,
                data: ["authType": .string(request.authType.rawValue), "method": .string(LoginMethod.external.rawValue)])
            return try await sessions.start(start).1
        }
    }

    private func verifyExternal(tenant: Tenant, token: String) async throws -> ExternalIdentity {
        let providers = try await providers.providers(tenantId: tenant.id)
        guard !providers.isEmpty else { throw GatehouseError.invalidToken("no identity provider is configured") }
        return try await external.verify(token, providers: providers)
    }

    private func checkSystemKey(tenant: Tenant, key: String) async throws {
        let hash = Digest.sha256Hex(key)
        var ok = false
        if let tenantHash = tenant.apiPrivateKeyHash, Digest.constantTimeEquals(hash, tenantHash) { ok = true }
        if let systemHash = try await systemKeyHash(), Digest.constantTimeEquals(hash, systemHash) { ok = true }
        guard ok else { throw GatehouseError.invalidToken("invalid API key") }
    }

    private func findOrCreateUser(tenant: Tenant, identity: ExternalIdentity) async throws -> User {
        let now = clock.now
        let candidate = User(
            id: random.uuidString(), tenantId: tenant.id, email: identity.email, externalIssuer: identity.issuer,
            externalSubject: identity.subject, createdAt: now, updatedAt: now)
        return try await store.findOrCreateExternalUser(candidate)
    }

    private func chooseBusiness(tenant: Tenant, user: User, businessId: String?) async throws -> MembershipOption {
        let options = try await store.membershipOptions(tenantId: tenant.id, userId: user.id)
        if let businessId {
            guard let chosen = options.first(where: { $0.businessId == businessId }) else {
                throw GatehouseError(.forbidden, "user is not a member of this business")
            }
            return chosen
        }
        switch options.count {
        case 0: throw GatehouseError(.forbidden, "user has no business membership")
        case 1: return options[0]
        default:
            throw GatehouseError(
                .multipleContextSelectionRequired, "Several business memberships: choose one with context.businessId",
                details: [
                    "options": .array(
                        options.map {
                            .object(["businessId": .string($0.businessId), "name": .string($0.name), "role": .string($0.role)])
                        })
                ])
        }
    }

    private func anonymous(tenant: Tenant, rawLoginData: [String: JSONValue]) async throws -> TokenPair {
        guard tenant.allowJWTForUnauthenticatedUsers else {
            throw GatehouseError(.forbidden, "this project does not allow unauthenticated users")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let attributes = String(decoding: try encoder.encode(rawLoginData), as: UTF8.self)
        let now = clock.now
        let user = try await store.insertUser(
            User(
                id: random.uuidString(), tenantId: tenant.id, status: .anonymous, attributes: attributes,
                createdAt: now, updatedAt: now))
        var start = SessionService.Start(tenantId: tenant.id, user: user, subject: user.id, level: .user, amr: ["anon"])
        start.event = events.draft(.userCreated, subject: user.id, data: ["anonymous": .bool(true)])
        return try await sessions.start(start).1
    }

    // MARK: verification

    /// Signature and claims, then one indexed read: the session (revocation) joined with its user.
    /// `clientAudience`: see `TokenService.verifyReturningPayload`; only introspection and userinfo set it.
    public func authenticate(tenantId: String, bearer token: String, clientAudience: Bool = false) async throws -> Principal {
        let (claims, payload) = try await tokens.verifyReturningPayload(token, tenantId: tenantId, clientAudience: clientAudience)
        guard let state = try await store.sessionState(tenantId: tenantId, id: claims.sid) else {
            throw GatehouseError.invalidToken("session not found")
        }
        guard state.revokedAt == nil else { throw GatehouseError.invalidToken("session revoked") }
        if state.userStatus == .disabled { throw GatehouseError.invalidToken("user is disabled") }
        if state.userId != nil, state.userStatus == nil { throw GatehouseError.invalidToken("user no longer exists") }
        return Principal(claims: claims, state: state, rawPayload: payload)
    }

    /// `/v2/auth/verify`: never throws for a bad token; the reason goes in `errorMessage`.
    public func verify(tenant: Tenant, token: String) async -> VerifyResult {
        do {
            let p = try await authenticate(tenantId: tenant.id, bearer: token)
            return VerifyResult(
                valid: true, payload: .raw(p.rawPayload), tenantId: tenant.id,
                identifierEmail: p.state.userEmail ?? syntheticEmail(p.state.userId ?? p.claims.sub), errorMessage: nil)
        } catch {
            let ours = (error as? GatehouseError)?.message ?? "Invalid token"
            // Not ours (or not valid as ours): perhaps the tenant's identity provider issued it.
            if let jws = try? CompactJWS(token), SigningAlgorithm(rawValue: jws.header.alg) == nil
                || (try? jws.decodePayload(AccessTokenClaims.self)) == nil
            {
                do {
                    let identity = try await verifyExternal(tenant: tenant, token: token)
                    return VerifyResult(
                        valid: true, payload: .object(identity.claims), tenantId: tenant.id,
                        identifierEmail: identity.email
                            ?? syntheticEmail(Digest.sha256Hex(identity.issuer + "\u{1F}" + identity.subject)),
                        errorMessage: nil)
                } catch {
                    return VerifyResult(
                        valid: false, payload: nil, tenantId: nil, identifierEmail: nil,
                        errorMessage: (error as? GatehouseError)?.message ?? "Invalid token")
                }
            }
            return VerifyResult(valid: false, payload: nil, tenantId: nil, identifierEmail: nil, errorMessage: ours)
        }
    }

    /// `user-<32 hex>@id.<domain>`: a stable identifier for users without an email.
    public func syntheticEmail(_ seed: String) -> String {
        let hex = seed.lowercased().filter { $0.isHexDigit }
        let id = hex.count >= 32 ? String(hex.prefix(32)) : String(Digest.sha256Hex(seed).prefix(32))
        return "user-\(id)@id.\(config.identifierDomain)"
    }
}
