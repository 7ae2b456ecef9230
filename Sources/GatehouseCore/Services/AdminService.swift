import Foundation

public struct IdentityProviderInput: Sendable {
    public var issuer: String
    public var jwks: String?
    public var jwksUri: String?
    public var audiences: [String] = []
    public var algorithms: [ExternalAlgorithm]?
    public var emailClaim: String?
    public init(issuer: String) { self.issuer = issuer }
}

/// Tenant administration: businesses, memberships, tenant admins, identity providers.
public struct AdminService: Sendable {
    let store: any GatehouseStore
    let sessions: SessionService
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let providers: IdentityProviderCache
    let outbound: OutboundPolicy
    let catalog: RoleCatalog

    public func createBusiness(tenantId: String, name: String) async throws -> Business {
        let b = Business(id: random.uuidString(), tenantId: tenantId, name: name, createdAt: clock.now)
        try await store.unitOfWork { [events] tx in
            try await tx.insertBusiness(b)
            try await events.append(.businessCreated, tenantId: tenantId, subject: b.id, in: tx)
        }
        return b
    }

    public func deleteBusiness(tenantId: String, id: String) async throws {
        try await store.unitOfWork { [events] tx in
            guard try await tx.deleteBusiness(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("business") }
            try await events.append(.businessDeleted, tenantId: tenantId, subject: id, in: tx)
        }
    }

    /// `role`: any role of the tenant, giving no more than `grant` holds.
    public func addMember(tenantId: String, businessId: String, userId: String, role: String, by grant: AdminGrant) async throws -> Membership {
        try RoleRules.checkName(role, field: "role")
        guard try await store.business(tenantId: tenantId, id: businessId) != nil else {
            throw GatehouseError.notFound("business")
        }
        guard try await store.user(tenantId: tenantId, id: userId) != nil else { throw GatehouseError.notFound("user") }
        let m = Membership(tenantId: tenantId, businessId: businessId, userId: userId, role: role, createdAt: clock.now)
        try await store.unitOfWork { [events, catalog] tx in
            try await RoleService.checkAssignable(role, tenantId: tenantId, by: grant, catalog: catalog, in: tx)
            guard try await tx.insertMembership(m) else {
                throw GatehouseError(.conflict, "user is already a member of this business")
            }
            try await events.append(
                .membershipCreated, tenantId: tenantId, subject: userId,
                data: ["businessId": .string(businessId), "role": .string(role)], in: tx)
        }
        return m
    }

    public func removeMember(tenantId: String, businessId: String, userId: String) async throws {
        try await store.unitOfWork { [events, sessions] tx in
            guard try await tx.deleteMembership(tenantId: tenantId, businessId: businessId, userId: userId) else {
                throw GatehouseError.notFound("membership")
            }
            // Its sessions end with it (revoked, not re-scoped: the user chooses a context again).
            try await sessions.revokeAll(
                tenantId: tenantId, userId: userId, .business(businessId), reason: "membership_removed", in: tx)
            try await events.append(
                .membershipDeleted, tenantId: tenantId, subject: userId, data: ["businessId": .string(businessId)], in: tx)
        }
    }

    /// Only a tenant admin makes another: an admin holds every permission, so anyone else would be granting
    /// what they do not hold.
    public func addAdmin(tenantId: String, userId: String, by grant: AdminGrant) async throws -> TenantAdmin {
        guard grant.isAdmin else { throw GatehouseError(.forbidden, "only a tenant admin can make another") }
        guard try await store.user(tenantId: tenantId, id: userId) != nil else { throw GatehouseError.notFound("user") }
        let a = TenantAdmin(tenantId: tenantId, userId: userId, createdAt: clock.now)
        try await store.unitOfWork { [events] tx in
            guard try await tx.insertTenantAdmin(a) else { throw GatehouseError(.conflict, "user is already an admin") }
            try await events.append(.adminAdded, tenantId: tenantId, subject: userId, in: tx)
        }
        return a
    }

    /// `grant`: the caller; an admin cannot remove their own rights, and the last admin stays (a tenant keeps
    /// someone who can act).
    public func removeAdmin(tenantId: String, userId: String, by grant: AdminGrant) async throws {
        guard grant.isAdmin else { throw GatehouseError(.forbidden, "only a tenant admin can remove another") }
        guard userId != grant.userId else { throw GatehouseError(.conflict, "an admin cannot remove themselves") }
        try await store.unitOfWork { [events, sessions] tx in
            try await UserService.keepAnAdmin(tenantId: tenantId, losing: userId, in: tx)
            guard try await tx.deleteTenantAdmin(tenantId: tenantId, userId: userId) else {
                throw GatehouseError.notFound("admin")
            }
            try await sessions.revokeAll(tenantId: tenantId, userId: userId, .level(.tenant), reason: "admin_removed", in: tx)
            try await events.append(.adminRemoved, tenantId: tenantId, subject: userId, in: tx)
        }
    }

    public func createIdentityProvider(tenantId: String, _ input: IdentityProviderInput) async throws -> IdentityProvider {
        guard (input.jwks == nil) != (input.jwksUri == nil) else {
            throw GatehouseError.field("jwks", "give exactly one of jwks and jwksUri")
        }
        if let uri = input.jwksUri, let why = outbound.refusal(url: uri) { throw GatehouseError.field("jwksUri", why) }
        if let jwks = input.jwks {
            let usable = (try? await ExternalTokenVerifier.validate(jwks: jwks)) ?? 0
            guard usable > 0 else { throw GatehouseError.field("jwks", "holds no usable public key") }
        }
        let provider = IdentityProvider(
            id: random.uuidString(), tenantId: tenantId, issuer: input.issuer, jwks: input.jwks,
            jwksUri: input.jwksUri, audiences: try Self.checked(audiences: input.audiences),
            algorithms: input.algorithms ?? ExternalAlgorithm.allCases, emailClaim: input.emailClaim ?? "email",
            createdAt: clock.now)
        try await store.unitOfWork { [events] tx in
            guard try await tx.insertIdentityProvider(provider) else {
                throw GatehouseError(.conflict, "an identity provider with this issuer exists")
            }
            try await events.append(
                .identityProviderCreated, tenantId: tenantId, subject: provider.id,
                data: ["issuer": .string(provider.issuer)], in: tx)
        }
        providers.invalidate(tenantId: tenantId)
        return provider
    }

    /// Sets the audiences a provider's tokens must name (one of).
    public func setAudiences(tenantId: String, providerId: String, _ audiences: [String]) async throws -> IdentityProvider {
        let checked = try Self.checked(audiences: audiences)
        let provider = try await store.unitOfWork { [events] tx in
            guard try await tx.setIdentityProviderAudiences(tenantId: tenantId, id: providerId, audiences: checked),
                let provider = try await tx.identityProvider(tenantId: tenantId, id: providerId)
            else { throw GatehouseError.notFound("identity provider") }
            try await events.append(
                .identityProviderUpdated, tenantId: tenantId, subject: providerId,
                data: ["audience": .array(checked.map { .string($0) })], in: tx)
            return provider
        }
        providers.invalidate(tenantId: tenantId)
        return provider
    }

    /// Every provider names at least one audience (at most 16, each 1–1024 bytes, no control characters).
    static func checked(audiences: [String]) throws -> [String] {
        guard !audiences.isEmpty else {
            throw GatehouseError.field("audience", "is required: the aud value (or values) this provider's tokens carry for us")
        }
        guard audiences.count <= 16 else { throw GatehouseError.field("audience", "at most 16 values") }
        for a in audiences {
            guard !a.isEmpty, a.utf8.count <= 1024, !Identifiers.containsControlCharacter(a) else {
                throw GatehouseError.field("audience", "each value must be 1–1024 bytes without control characters")
            }
        }
        return audiences
    }

    public func deleteIdentityProvider(tenantId: String, id: String) async throws {
        try await store.unitOfWork { [events] tx in
            guard try await tx.deleteIdentityProvider(tenantId: tenantId, id: id) else {
                throw GatehouseError.notFound("identity provider")
            }
            try await events.append(.identityProviderDeleted, tenantId: tenantId, subject: id, in: tx)
        }
        providers.invalidate(tenantId: tenantId)
    }
}
