import Foundation

public struct CreateTenantInput: Sendable {
    public var projectName: String
    public var projectDescription: String?
    public var projectWebsite: String?
    public var projectEmail: String?
    public var projectImageUrl: String?
    public var allowJWTForUnauthenticatedUsers: Bool = false
    public var defaultWalletManagementType: String = "custodial"
    public init(projectName: String) { self.projectName = projectName }
}

/// What tenant creation shows once: the admin token and the API private key are never retrievable again.
public struct CreatedTenant: Sendable {
    public var tenant: Tenant
    public var adminJWT: String
    public var apiPrivateKey: String
}

public struct TenantService: Sendable {
    let store: any GatehouseStore
    let sessions: SessionService
    let keys: KeyRingCache
    let box: SecretBox
    let clock: any GatehouseClock
    let random: any RandomSource
    let config: EngineConfiguration
    let events: EventRecorder
    let cors: CORSPolicy

    static let bootstrapAdminUsername = "admin"
    public static let walletManagementTypes: Set<String> = ["custodial", "non-custodial"]

    /// Creates the default tenant on first start; safe when several nodes start together.
    public func ensureDefaultTenant() async throws -> Tenant {
        if let existing = try await store.defaultTenant() { return existing }
        let id = try await store.insertSettingIfAbsent("default_tenant_id", value: random.uuidString())
        var tenant = makeTenant(id: id, name: "Default")
        tenant.isDefault = true
        let candidate = tenant
        try await store.unitOfWork { [events] tx in
            if try await tx.insertTenantIfAbsent(candidate) {
                try await events.append(.tenantCreated, tenantId: id, subject: nil, data: ["default": .bool(true)], in: tx)
            }
        }
        guard let stored = try await store.defaultTenant() else {
            throw GatehouseError(.internalError, "default tenant could not be created")
        }
        return stored
    }

    public func create(_ input: CreateTenantInput) async throws -> CreatedTenant {
        let id = random.uuidString()
        var tenant = makeTenant(id: id, name: input.projectName)
        tenant.projectDescription = input.projectDescription
        tenant.projectWebsite = input.projectWebsite
        tenant.projectEmail = input.projectEmail
        tenant.projectImageUrl = input.projectImageUrl
        tenant.allowJWTForUnauthenticatedUsers = input.allowJWTForUnauthenticatedUsers
        tenant.defaultWalletManagementType = input.defaultWalletManagementType
        let apiPrivateKey = "sk_tenant_" + random.base62(length: 43)
        tenant.apiPrivateKeyHash = Digest.sha256Hex(apiPrivateKey)
        let created = tenant
        try await store.unitOfWork { [events] tx in
            try await tx.insertTenant(created)
            try await events.append(.tenantCreated, tenantId: id, subject: nil, in: tx)
        }
        try await keys.reload(tenantId: id)
        let adminJWT = try await issueAdminToken(tenantId: id)
        return CreatedTenant(tenant: tenant, adminJWT: adminJWT, apiPrivateKey: apiPrivateKey)
    }

    /// A new tenant-admin token for the tenant's bootstrap admin (created when missing). Revocable: it has a session.
    public func issueAdminToken(tenantId: String) async throws -> String {
        let admin: User
        if let existing = try await store.user(tenantId: tenantId, username: Self.bootstrapAdminUsername) {
            admin = existing
        } else {
            let now = clock.now
            admin = try await store.insertUser(
                User(
                    id: random.uuidString(), tenantId: tenantId, username: Self.bootstrapAdminUsername,
                    createdAt: now, updatedAt: now))
        }
        _ = try await store.insertTenantAdmin(TenantAdmin(tenantId: tenantId, userId: admin.id, createdAt: clock.now))
        var start = SessionService.Start(tenantId: tenantId, user: admin, subject: admin.id, level: .tenant, amr: ["api_key"])
        start.accessTTL = config.adminTokenTTL
        start.refreshTTL = config.adminTokenTTL
        start.sessionLifetime = config.adminTokenTTL
        start.event = events.draft(.tenantAdminTokenIssued, subject: admin.id)
        return try await sessions.start(start).1.accessToken
    }

    public func update(_ tenant: Tenant, with u: TenantUpdate) async throws -> Tenant {
        var t = tenant
        if let v = u.projectName { t.projectName = v; t.acronym = Tenant.acronym(for: v) }
        if let v = u.projectDescription { t.projectDescription = v }
        if let v = u.stripeApiKey { t.stripeApiKeySealed = try box.seal(v, context: "tenant:\(t.id):stripeApiKey") }
        if let v = u.stripeWebhookSecret {
            t.stripeWebhookSecretSealed = try box.seal(v, context: "tenant:\(t.id):stripeWebhookSecret")
        }
        if let v = u.stripePublishableKey { t.stripePublishableKey = v }
        if let v = u.infuraApiKey { t.infuraApiKey = v }
        if let v = u.polyScanApiKey { t.polyScanApiKey = v }
        if let v = u.loginToken { t.loginToken = v }
        if let v = u.allowJWTForUnauthenticatedUsers { t.allowJWTForUnauthenticatedUsers = v }
        if let v = u.firebaseTenantId { t.firebaseTenantId = v }
        if let v = u.projectWebsite { t.projectWebsite = v }
        if let v = u.projectEmail { t.projectEmail = v }
        if let v = u.projectImageUrl { t.projectImageUrl = v }
        if let v = u.defaultWalletManagementType { t.defaultWalletManagementType = v }
        if let v = u.requireMfa { t.requireMfa = v }
        if let v = u.webauthn { t.webauthn = try v.validated() }
        if let v = u.corsOrigins {
            guard v.count <= CORSPolicy.maxOriginsPerTenant else {
                throw GatehouseError.field("corsOrigins", "at most \(CORSPolicy.maxOriginsPerTenant) origins")
            }
            t.corsOrigins = try WebOrigin.serializedList(v, field: "corsOrigins")
        }
        t.updatedAt = clock.now
        let updated = t
        try await store.unitOfWork { [events] tx in
            try await tx.updateTenant(updated)
            try await events.append(.tenantUpdated, tenantId: updated.id, subject: nil, in: tx)
        }
        if u.corsOrigins != nil { cors.invalidate() }
        return t
    }

    /// The write-only integration secrets, opened for the tenant admin.
    public func secrets(of tenant: Tenant) -> (stripeApiKey: String?, stripeWebhookSecret: String?) {
        (
            tenant.stripeApiKeySealed.flatMap { try? box.openString($0, context: "tenant:\(tenant.id):stripeApiKey") },
            tenant.stripeWebhookSecretSealed.flatMap {
                try? box.openString($0, context: "tenant:\(tenant.id):stripeWebhookSecret")
            }
        )
    }

    private func makeTenant(id: String, name: String) -> Tenant {
        let now = clock.now
        return Tenant(
            id: id, projectName: name, acronym: Tenant.acronym(for: name),
            projectApiKey: Tenant.liveKeyPrefix + random.base62(length: 32),
            testnetProjectApiKey: Tenant.testKeyPrefix + random.base62(length: 32), createdAt: now, updatedAt: now)
    }
}
