import Foundation
import Logging

/// The identity and token engine: one per process, shared by every dialect.
public final class Engine: Sendable {
    public let store: any GatehouseStore
    public let config: EngineConfiguration
    public let clock: any GatehouseClock
    public let random: any RandomSource
    public let box: SecretBox
    public let keys: KeyRingCache
    public let tokens: TokenService
    public let external: ExternalTokenVerifier
    public let events: EventRecorder
    public let sessions: SessionService
    public let auth: AuthService
    public let tenants: TenantService
    public let cors: CORSPolicy
    public let admin: AdminService
    /// Roles and who holds them; what a caller may do in the administration.
    public let roles: RoleService
    public let access: AccessPolicy
    public let tenantKeys: TenantAPIKeyService
    public let webhooks: WebhookService
    public let observer: any EngineObserver
    public let passwords: PasswordHasher
    public let users: UserService
    /// Every password sign-in of every dialect goes through this one policy.
    public let login: PasswordLogin
    public let apiKeys: APIKeyService
    public let bruteForce: BruteForceGuard
    public let stepUp: StepUp
    public let fileSignatures: FileSignature
    public let mfa: MFAService
    public let devices: DeviceService
    public let confirmations: ConfirmationService
    public let passkeys: PasskeyService
    public let serviceKeys: ServiceKeys
    public let profiles: ProfileService
    public let oauthClients: OAuthClientService
    /// `POST /oauth2/token`, made of one handler per grant type.
    public let oauthToken: OAuthTokenEndpoint
    /// `POST /oauth2/introspect` and `/oauth2/revoke`.
    public let oauthTokens: TokenIntrospection
    public let oauthMetadata: ServerMetadata
    /// Codes of the authorization code flow (the hosted login page issues them).
    public let authorizationCodes: AuthorizationCodes
    /// `GET /oauth2/authorize` and the hosted page's steps.
    public let authorization: AuthorizationFlow
    public let browserSessions: BrowserSessions
    /// `GET|POST /oauth2/userinfo`.
    public let userInfo: UserInfo
    /// A user's consents to third-party clients (`/auth/consents`).
    public let consents: Consents
    /// `/oauth2/logout` (OpenID Connect RP-Initiated Logout).
    public let logout: RPLogout
    public let readiness: Readiness
    public let logger: Logger

    public init(
        store: any GatehouseStore, config: EngineConfiguration, masterKey: [UInt8], jwksFetcher: any JWKSFetcher,
        cpuPool: any CPUWorkPool,
        clock: any GatehouseClock = SystemClock(), random: any RandomSource = SystemRandomSource(),
        observer: any EngineObserver = NoObserver(), logger: Logger = Logger(label: "gatehouse")
    ) throws {
        self.store = store
        self.config = config
        self.clock = clock
        self.random = random
        self.logger = logger
        box = try SecretBox(masterKey: masterKey)
        fileSignatures = FileSignature(masterKey: masterKey, clock: clock)
        keys = KeyRingCache(
            store: store, box: box, clock: clock, random: random, algorithm: config.signingAlgorithm,
            retention: max(config.accessTokenTTL, config.adminTokenTTL) + 60)
        tokens = TokenService(keys: keys, clock: clock, random: random, publicURL: config.publicURL)
        external = ExternalTokenVerifier(fetcher: jwksFetcher, clock: clock)
        events = EventRecorder(store: store, clock: clock, random: random)
        sessions = SessionService(
            store: store, tokens: tokens, box: box, clock: clock, random: random, config: config, events: events,
            observer: observer)
        let providerCache = IdentityProviderCache(store: store, clock: clock)
        let serviceKeys = ServiceKeys(store: store, configuredHash: config.systemAPIKey.map { Digest.sha256Hex($0) })
        self.serviceKeys = serviceKeys
        readiness = Readiness(store: store)
        bruteForce = BruteForceGuard(store: store, clock: clock, policy: config.bruteForce)
        auth = AuthService(
            store: store, tokens: tokens, sessions: sessions, external: external, providers: providerCache,
            clock: clock, random: random,
            config: config, events: events, bruteForce: bruteForce,
            systemKeyHash: { try await serviceKeys.systemKeyHash() })
        cors = CORSPolicy(global: config.corsOrigins, store: store, clock: clock, ttl: config.corsCacheTTL)
        tenants = TenantService(
            store: store, sessions: sessions, keys: keys, box: box, clock: clock, random: random, config: config,
            events: events, cors: cors)
        let catalog = RoleCatalog()
        access = AccessPolicy(store: store, catalog: catalog)
        roles = RoleService(store: store, clock: clock, events: events, catalog: catalog)
        admin = AdminService(
            store: store, sessions: sessions, clock: clock, random: random, events: events, providers: providerCache,
            outbound: config.outbound, catalog: catalog)
        passwords = PasswordHasher(pool: cpuPool, cost: config.bcryptCost)
        stepUp = StepUp(maxAge: config.stepUpMaxAge, clock: clock)
        users = UserService(
            store: store, sessions: sessions, passwords: passwords, clock: clock, random: random, events: events, bruteForce: bruteForce,
            access: access)
        mfa = MFAService(
            store: store, box: box, clock: clock, random: random, events: events, bruteForce: bruteForce, stepUp: stepUp)
        login = PasswordLogin(users: users, mfa: mfa, sessions: sessions, events: events)
        apiKeys = APIKeyService(
            store: store, clock: clock, random: random, events: events, stepUp: stepUp,
            lastUsed: LastUsedRecorder { [store] in try await store.recordAPIKeyUse($0) })
        tenantKeys = TenantAPIKeyService(
            store: store, clock: clock, random: random, events: events, stepUp: stepUp,
            lastUsed: LastUsedRecorder { [store] in try await store.recordTenantAPIKeyUse($0) })
        webhooks = WebhookService(
            store: store, clock: clock, random: random, events: events, box: box,
            outbound: OutboundPolicy(allowPrivate: config.webhookAllowPrivate))
        self.observer = observer
        let sealer = ChallengeSealer(masterKey: masterKey, random: random)
        let pushWakeup = Wakeup()
        let enrolments = EnrolmentNotifier(clock: clock, pushEnabled: config.pushEnabled, wakeup: pushWakeup)
        devices = DeviceService(
            store: store, sessions: sessions, clock: clock, random: random, events: events, bruteForce: bruteForce,
            lastUsed: LastUsedRecorder { [store] in try await store.recordDeviceUse($0) }, sealer: sealer, stepUp: stepUp,
            enrolments: enrolments)
        confirmations = ConfirmationService(
            store: store, clock: clock, random: random, events: events, bruteForce: bruteForce, devices: devices,
            pushEnabled: config.pushEnabled, pushWakeup: pushWakeup)
        passkeys = PasskeyService(
            store: store, sessions: sessions, clock: clock, random: random, events: events, bruteForce: bruteForce,
            defaults: RelyingParty.Defaults(publicURL: config.publicURL), sealer: sealer, stepUp: stepUp,
            enrolments: enrolments)
        profiles = ProfileService(users: users, passkeys: passkeys, fileSignatures: fileSignatures)
        let oauthClients = OAuthClientService(
            store: store, clock: clock, random: random, events: events, cache: ExpiringCache(ttl: config.oauthClientCacheTTL, remembersAbsence: true))
        self.oauthClients = oauthClients
        oauthToken = OAuthTokenEndpoint(
            clients: oauthClients,
            handlers: [
                ClientCredentialsGrant(
                    tokens: tokens, defaultTTL: config.accessTokenTTL,
                    audit: IssueAudit(events: events, clock: clock, observer: observer)),
                AuthorizationCodeGrant(
                    store: store, sessions: sessions, idTokens: IDTokens(keys: keys, tokens: tokens, clock: clock), events: events,
                    clock: clock, observer: observer, defaultTTL: config.accessTokenTTL),
                RefreshTokenGrant(sessions: sessions, observer: observer, defaultTTL: config.accessTokenTTL),
            ])
        oauthMetadata = ServerMetadata(tokens: tokens)
        authorizationCodes = AuthorizationCodes(store: store, clock: clock, random: random, events: events)
        authorization = AuthorizationFlow(
            clients: oauthClients, codes: authorizationCodes, store: store, events: events, tokens: tokens, box: box, clock: clock)
        browserSessions = BrowserSessions(store: store, box: box, clock: clock)
        userInfo = UserInfo(auth: auth, store: store)
        consents = Consents(store: store, clients: oauthClients, events: events, clock: clock)
        logout = RPLogout(clients: oauthClients, tokens: tokens, store: store, events: events, box: box, clock: clock)
        oauthTokens = TokenIntrospection(
            store: store, auth: auth, tokens: tokens, clients: oauthClients,
            revocations: RevocationList(
                store: store, clock: clock, ttl: config.revokedTokensCacheTTL, capacity: config.revokedTokensCacheCapacity),
            serviceKeys: serviceKeys, events: events, clock: clock)
    }

    /// First-start work: the default tenant and, when none is configured, a generated system key.
    /// Returns the generated system key when this call created it (to be printed once), else nil.
    public func bootstrap() async throws -> (defaultTenant: Tenant, generatedSystemKey: String?) {
        let tenant = try await tenants.ensureDefaultTenant()
        guard config.systemAPIKey == nil else { return (tenant, nil) }
        let candidate = "sk_system_" + random.base62(length: 43)
        let hash = Digest.sha256Hex(candidate)
        let stored = try await store.insertSettingIfAbsent(ServiceKeys.systemKeySetting, value: hash)
        return (tenant, stored == hash ? candidate : nil)
    }

    /// A new current signing key for the tenant, audited. Nodes pick it up within 5 s (or at once
    /// when they meet its kid); the previous key keeps verifying until its tokens have expired.
    public func rotateSigningKey(tenantId: String) async throws -> String {
        let kid = try await store.unitOfWork { [keys, events] tx in
            let kid = try await keys.rotate(tenantId: tenantId, in: tx)
            try await events.append(.signingKeyRotated, tenantId: tenantId, subject: kid, in: tx)
            return kid
        }
        try await keys.loadAfterRotation(tenantId: tenantId)
        return kid
    }

    /// Retention: prunes every tenant's audit events older than `GATEHOUSE_EVENT_RETENTION_DAYS` behind a
    /// checkpoint (`EventRecorder.prune`); returns how many were deleted. Nothing without a retention.
    @discardableResult
    public func pruneEvents() async throws -> Int {
        guard let retention = config.eventRetention else { return 0 }
        let cutoff = clock.now.addingTimeInterval(-retention)
        var pruned = 0
        var cursor: String?
        repeat {
            let page = try await store.tenants(page: PageRequest(limit: 200, cursor: cursor))
            for tenant in page.items { pruned += try await events.prune(tenantId: tenant.id, before: cutoff) }
            cursor = page.nextCursor
        } while cursor != nil
        return pruned
    }

    /// True when `key` is the system key (configured or generated).
    public func isSystemKey(_ key: String) async throws -> Bool { try await serviceKeys.isSystemKey(key) }

}
