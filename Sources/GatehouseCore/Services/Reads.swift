import Foundation

// The reads the dialects answer with, one per question, so no controller reaches into the store: a read
// that needs a rule (a missing row is a 404 naming what is missing, a cursor is checked) has it here.

extension UserService {
    public func find(tenantId: String, id: String) async throws -> User? {
        try await store.user(tenantId: tenantId, id: id)
    }

    public func require(tenantId: String, id: String) async throws -> User {
        guard let user = try await store.user(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("user") }
        return user
    }

    public func list(tenantId: String, page: PageRequest, email: String?) async throws -> Page<User> {
        try await store.users(tenantId: tenantId, page: page, email: email)
    }
}

extension TenantService {
    public func find(id: String) async throws -> Tenant? { try await store.tenant(id: id) }
    public func find(projectKey: String) async throws -> Tenant? { try await store.tenant(projectKey: projectKey) }
    public func defaultTenant() async throws -> Tenant? { try await store.defaultTenant() }

    public func require(id: String) async throws -> Tenant {
        guard let tenant = try await store.tenant(id: id) else { throw GatehouseError.notFound("tenant") }
        return tenant
    }
}

extension AdminService {
    public func isAdmin(tenantId: String, userId: String) async throws -> Bool {
        try await store.isTenantAdmin(tenantId: tenantId, userId: userId)
    }

    public func admins(tenantId: String) async throws -> [TenantAdmin] { try await store.tenantAdmins(tenantId: tenantId) }

    public func businesses(tenantId: String, page: PageRequest) async throws -> Page<Business> {
        try await store.businesses(tenantId: tenantId, page: page)
    }

    public func business(tenantId: String, id: String) async throws -> Business {
        guard let b = try await store.business(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("business") }
        return b
    }

    public func memberships(tenantId: String, businessId: String) async throws -> [Membership] {
        _ = try await business(tenantId: tenantId, id: businessId)
        return try await store.memberships(tenantId: tenantId, businessId: businessId)
    }

    public func identityProviders(tenantId: String) async throws -> [IdentityProvider] {
        try await store.identityProviders(tenantId: tenantId)
    }

    public func identityProvider(tenantId: String, id: String) async throws -> IdentityProvider {
        guard let p = try await store.identityProvider(tenantId: tenantId, id: id) else {
            throw GatehouseError.notFound("identity provider")
        }
        return p
    }

    /// The audit log after a sequence number; the cursor of the next page is the last sequence returned.
    public func events(tenantId: String, page: PageRequest, filter: EventFilter = EventFilter()) async throws -> Page<AuditEvent> {
        var after: Int64 = 0
        if let c = page.cursor {
            guard let v = Int64(c), v >= 0 else { throw GatehouseError.field("cursor", "is not valid") }
            after = v
        }
        var filter = filter
        if let prefix = filter.typePrefix {
            guard !prefix.isEmpty, prefix.utf8.count <= 64,
                prefix.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 46 })
            else { throw GatehouseError.field("type", "an event type or the start of one: lower-case letters, digits, '_' and '.'") }
            (filter.typePrefix, filter.olderTypes, filter.renamedTypes) = EventType.storedNames(matching: prefix)
        }
        let list = try await store.events(tenantId: tenantId, afterSequence: after, limit: page.limit, filter: filter)
        return Page(items: list, nextCursor: list.count == page.limit ? list.last.map { String($0.sequence) } : nil)
    }

    /// Whether the tenant's audit chain verifies, and where it first breaks (`gatehouse events verify` too).
    public func verifyEvents(tenantId: String) async throws -> EventRecorder.ChainVerdict { try await events.verify(tenantId: tenantId) }

    /// Providers stored before an audience was required: each refuses every token until an admin sets one.
    public func providersWithoutAudience() async throws -> [IdentityProvider] {
        try await store.identityProvidersWithoutAudience()
    }
}

extension SessionService {
    public func active(of user: User) async throws -> [Session] {
        try await store.activeSessions(tenantId: user.tenantId, userId: user.id, now: clock.now)
    }

    /// A refresh for a dialect whose answer names the user (the Enterprise `Tokens` carry their signature).
    public func refreshUser(tenantId: String, refreshToken: String, client: RefreshClient) async throws -> (TokenPair, User) {
        let (session, pair) = try await refreshSession(tenantId: tenantId, refreshToken: refreshToken, client: client)
        guard let userId = session.userId, let user = try await store.user(tenantId: tenantId, id: userId) else {
            throw Self.invalidRefresh
        }
        return (pair, user)
    }
}
