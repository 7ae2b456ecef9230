import Foundation

/// What a caller may do in the Project API's administration, decided now from their current roles (never
/// from a token's claims, so a permission taken away stops working at the next request).
public struct AdminGrant: Sendable {
    /// Who acts: a user (by their access token) or a tenant API key.
    public let actor: EventActor
    /// A tenant admin (signed in with the tenant-level token) holds every permission.
    public let isAdmin: Bool
    public let permissions: Set<String>
    /// A business-scoped token or key reaches only this business's resources.
    public let businessId: String?

    public init(actor: EventActor, isAdmin: Bool, permissions: Set<String>, businessId: String?) {
        self.actor = actor
        self.isAdmin = isAdmin
        self.permissions = permissions
        self.businessId = businessId
    }

    /// The acting user; nil for an API key.
    public var userId: String? {
        if case .user(let id) = actor { return id }
        return nil
    }

    /// How the audit log names the actor: `user:<id>` or `api_key:<id>`.
    public var actorName: String { actor.name }

    public func holds(_ permission: String) -> Bool { isAdmin || permissions.contains(permission) }
    public func holds(_ permission: AdminPermission) -> Bool { holds(permission.rawValue) }

    /// Refuses (403) a delegation that would give someone a permission the caller does not hold: no role
    /// definition, role grant or membership escalates beyond its author.
    /// `refusal` says what is refused ("this role grants permissions you do not hold").
    public func requireCovers(_ granted: Set<String>, _ refusal: String) throws {
        guard !isAdmin else { return }
        let missing = granted.subtracting(permissions).sorted()
        guard missing.isEmpty else {
            throw GatehouseError(
                .forbidden, "\(refusal): \(missing.prefix(8).joined(separator: ", "))",
                details: ["missing": .array(missing.map { .string($0) })])
        }
    }
}

/// The one place that turns a caller into an `AdminGrant`, and a user into their effective permissions.
public struct AccessPolicy: Sendable {
    let store: any GatehouseStore
    let catalog: RoleCatalog

    /// The grant of an access token. Tenant-level tokens of a current admin hold everything; user and
    /// business tokens hold what their tenant roles (and the business role of their `bid`) grant; other
    /// levels hold nothing.
    public func grant(tenantId: String, principal: Principal) async throws -> AdminGrant {
        guard let userId = principal.state.userId else { throw GatehouseError(.forbidden, "this token does not belong to a user") }
        let businessId = principal.claims.lvl == .business ? principal.claims.bid : nil
        guard let facts = try await store.accessFacts(tenantId: tenantId, userId: userId, businessId: businessId) else {
            throw GatehouseError.unauthenticated
        }
        switch principal.claims.lvl {
        case .tenant:
            guard facts.isAdmin else { throw GatehouseError(.forbidden, "a tenant admin token is required") }
            return AdminGrant(actor: .user(userId), isAdmin: true, permissions: [], businessId: nil)
        case .user, .business:
            let roles = try await catalog.roles(tenantId: tenantId, version: facts.rolesVersion, store: store)
            // A business role counts only in its business's tokens; a user-level token holds the tenant roles.
            let held = roles.permissions(of: facts.tenantRoles + (businessId == nil ? [] : facts.businessRoles))
            return AdminGrant(actor: .user(userId), isAdmin: false, permissions: held, businessId: businessId)
        default:
            throw GatehouseError(.forbidden, "a \(principal.claims.lvl.rawValue)-level token has no administration rights")
        }
    }

    /// A user's effective permissions, for `/auth/profile` and the service-key answer: their tenant roles',
    /// and those of the business a session is scoped to (else of their highest built-in business role).
    public func permissions(of user: User, businessId: String?) async throws -> [String] {
        guard let facts = try await store.accessFacts(tenantId: user.tenantId, userId: user.id, businessId: businessId) else {
            return []
        }
        let roles = try await catalog.roles(tenantId: user.tenantId, version: facts.rolesVersion, store: store)
        var held = roles.permissions(of: facts.tenantRoles)
        if businessId != nil {
            held.formUnion(roles.permissions(of: facts.businessRoles))
        } else if let top = BuiltInRole.allCases.first(where: { b in facts.businessRoles.contains { BuiltInRole.named($0) == b } }) {
            held.formUnion(top.permissions)
        }
        return held.sorted()
    }

    /// Refuses (403) an act by `grant` on a user who holds what the caller does not (a tenant admin, or a
    /// user with more permissions): resetting their password or deleting them would be an escalation.
    public func requireCovers(_ grant: AdminGrant, user targetId: String, tenantId: String, act: String) async throws {
        guard !grant.isAdmin else { return }
        guard let facts = try await store.accessFacts(tenantId: tenantId, userId: targetId, businessId: nil) else { return }
        guard !facts.isAdmin else { throw GatehouseError(.forbidden, "only a tenant admin can \(act) a tenant admin") }
        let roles = try await catalog.roles(tenantId: tenantId, version: facts.rolesVersion, store: store)
        let held = roles.permissions(of: facts.tenantRoles + facts.businessRoles)
        try grant.requireCovers(held, "you cannot \(act) this user, who holds permissions you do not")
    }
}
