import Foundation

/// What a new role says.
public struct RoleInput: Sendable {
    public var name: String
    public var description: String?
    public var parent: String?
    public var permissions: [String]
    public init(name: String, description: String? = nil, parent: String? = nil, permissions: [String] = []) {
        self.name = name
        self.description = description
        self.parent = parent
        self.permissions = permissions
    }
}

/// A change to a role; nil leaves a member as it is, `.some(nil)` clears description or parent.
public struct RoleChanges: Sendable {
    public var description: String??
    public var parent: String??
    public var permissions: [String]?
    public init(description: String?? = nil, parent: String?? = nil, permissions: [String]? = nil) {
        self.description = description
        self.parent = parent
        self.permissions = permissions
    }
}

/// Custom roles with a parent chain, and the tenant-wide roles of users (the Project API's `/v2/roles` and
/// `/v2/users/{id}/roles`). Every change raises the tenant's roles version in the same unit of work as its
/// audit event, which is what every node's `RoleCatalog` keys on. Refusals: unknown parent, a cycle,
/// a taken name, a built-in (read-only), a role still held or still a parent (409); a definition or grant
/// that gives more than its author holds (403).
public struct RoleService: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let events: EventRecorder
    let catalog: RoleCatalog

    public func list(tenantId: String) async throws -> RoleSet {
        try await catalog.current(tenantId: tenantId, store: store)
    }

    public func get(tenantId: String, name: String) async throws -> (Role, effective: [String]) {
        let set = try await catalog.current(tenantId: tenantId, store: store)
        guard let role = set.roles[name] else { throw GatehouseError.notFound("role") }
        return (role, set.permissions(of: name).sorted())
    }

    public func create(tenantId: String, _ input: RoleInput, by grant: AdminGrant) async throws -> (Role, effective: [String]) {
        try RoleRules.checkName(input.name)
        if let parent = input.parent { try RoleRules.checkName(parent, field: "parent") }
        let now = clock.now
        let role = Role(
            tenantId: tenantId, name: input.name, description: try RoleRules.checked(description: input.description),
            parent: input.parent, permissions: try RoleRules.checked(permissions: input.permissions), createdAt: now, updatedAt: now)
        return try await change(tenantId: tenantId, by: grant) { set, tx in
            guard set.roles[role.name] == nil else { throw GatehouseError(.conflict, "a role named '\(role.name)' exists") }
            guard set.roles.count - BuiltInRole.allCases.count < RoleRules.maxRoles else {
                throw GatehouseError(.conflict, "a tenant has at most \(RoleRules.maxRoles) custom roles")
            }
            try Self.checkParent(role, in: set)
            guard try await tx.insertRole(role) else { throw GatehouseError(.conflict, "a role named '\(role.name)' exists") }
            return (role, .roleCreated)
        }
    }

    public func update(tenantId: String, name: String, _ changes: RoleChanges, by grant: AdminGrant) async throws -> (Role, effective: [String]) {
        if case .some(.some(let parent)) = changes.parent { try RoleRules.checkName(parent, field: "parent") }
        let description = try changes.description.map { try RoleRules.checked(description: $0) }
        let permissions = try changes.permissions.map { try RoleRules.checked(permissions: $0) }
        let now = clock.now
        return try await change(tenantId: tenantId, by: grant) { set, tx in
            guard var role = set.roles[name] else { throw GatehouseError.notFound("role") }
            guard !role.builtIn else { throw GatehouseError(.conflict, "the built-in role '\(name)' is read-only") }
            if let description { role.description = description }
            if let parent = changes.parent { role.parent = parent }
            if let permissions { role.permissions = permissions }
            role.updatedAt = now
            try Self.checkParent(role, in: set)
            guard try await tx.updateRole(role) else { throw GatehouseError.notFound("role") }
            return (role, .roleUpdated)
        }
    }

    public func delete(tenantId: String, name: String, by grant: AdminGrant) async throws {
        try await store.unitOfWork { [events] tx in
            let version = try await tx.bumpRolesVersion(tenantId: tenantId)
            let set = RoleSet(version: version, tenantId: tenantId, custom: try await tx.customRoles(tenantId: tenantId))
            guard let role = set.roles[name] else { throw GatehouseError.notFound("role") }
            guard !role.builtIn else { throw GatehouseError(.conflict, "the built-in role '\(name)' is read-only") }
            // Deleting takes permissions away from nobody the caller could not already strip, but it is
            // still a role change: the caller must hold what the role grants.
            try grant.requireCovers(set.permissions(of: name), "this role grants permissions you do not hold")
            if let child = set.ordered.first(where: { $0.parent == name }) {
                throw GatehouseError(.conflict, "the role '\(child.name)' names '\(name)' as its parent")
            }
            let holders = try await tx.roleHolders(tenantId: tenantId, name: name)
            guard holders == 0 else {
                throw GatehouseError(
                    .conflict, "the role '\(name)' is still held (\(holders) membership\(holders == 1 ? "" : "s") or user grant\(holders == 1 ? "" : "s"))")
            }
            guard try await tx.deleteRole(tenantId: tenantId, name: name) else { throw GatehouseError.notFound("role") }
            try await events.append(
                .roleDeleted, tenantId: tenantId, subject: name, data: ["by": .string(grant.actorName)], in: tx)
        }
    }

    // MARK: Tenant-wide roles of users

    public func userRoles(tenantId: String, userId: String) async throws -> [UserRole] {
        guard try await store.user(tenantId: tenantId, id: userId) != nil else { throw GatehouseError.notFound("user") }
        return try await store.userRoles(tenantId: tenantId, userId: userId)
    }

    public func grantRole(tenantId: String, userId: String, role: String, by grant: AdminGrant) async throws -> UserRole {
        try RoleRules.checkName(role, field: "role")
        guard try await store.user(tenantId: tenantId, id: userId) != nil else { throw GatehouseError.notFound("user") }
        let held = UserRole(tenantId: tenantId, userId: userId, role: role, createdAt: clock.now)
        try await store.unitOfWork { [events, catalog] tx in
            try await Self.checkAssignable(role, tenantId: tenantId, by: grant, catalog: catalog, in: tx)
            guard try await tx.insertUserRole(held) else { throw GatehouseError(.conflict, "the user already holds '\(role)'") }
            try await events.append(
                .userRoleAdded, tenantId: tenantId, subject: userId, data: ["role": .string(role), "by": .string(grant.actorName)], in: tx)
        }
        return held
    }

    public func revokeRole(tenantId: String, userId: String, role: String, by grant: AdminGrant) async throws {
        try RoleRules.checkName(role, field: "role")
        try await store.unitOfWork { [events, catalog] tx in
            let set = try await catalog.roles(tenantId: tenantId, version: try await tx.rolesVersion(tenantId: tenantId), store: tx)
            try grant.requireCovers(set.permissions(of: role), "this role grants permissions you do not hold")
            guard try await tx.deleteUserRole(tenantId: tenantId, userId: userId, role: role) else {
                throw GatehouseError.notFound("role grant")
            }
            try await events.append(
                .userRoleRemoved, tenantId: tenantId, subject: userId, data: ["role": .string(role), "by": .string(grant.actorName)], in: tx)
        }
    }

    /// Checks, inside the unit of work that gives `role` to someone (a user grant or a business membership),
    /// that the role exists and gives no more than the caller holds. It holds the tenant's roles row first,
    /// so a concurrent deletion of the role either happens before (and the role is unknown) or waits.
    static func checkAssignable(_ role: String, tenantId: String, by grant: AdminGrant, catalog: RoleCatalog, in tx: any GatehouseStore) async throws {
        try await tx.lockRoles(tenantId: tenantId)
        let set = try await catalog.roles(tenantId: tenantId, version: try await tx.rolesVersion(tenantId: tenantId), store: tx)
        guard set.roles[role] != nil else { throw GatehouseError.field("role", "no role '\(role)' in this tenant") }
        try grant.requireCovers(set.permissions(of: role), "this role grants permissions you do not hold")
    }

    // MARK: -

    /// One role change: the tenant's roles version raised first (holding the tenant row), the set read
    /// inside the same unit of work, the change checked against it and against what the caller holds,
    /// written with its event, and the new set remembered by this node.
    private func change(
        tenantId: String, by grant: AdminGrant,
        _ body: @escaping @Sendable (RoleSet, any GatehouseStore) async throws -> (Role, EventType)
    ) async throws -> (Role, effective: [String]) {
        let (role, set) = try await store.unitOfWork { [events] tx in
            let version = try await tx.bumpRolesVersion(tenantId: tenantId)
            let before = RoleSet(version: version, tenantId: tenantId, custom: try await tx.customRoles(tenantId: tenantId))
            let (role, type) = try await body(before, tx)
            var custom = before.roles.values.filter { !$0.builtIn && $0.name != role.name }
            custom.append(role)
            let after = RoleSet(version: version, tenantId: tenantId, custom: custom)
            try grant.requireCovers(after.permissions(of: role.name), "this role would grant permissions you do not hold")
            var data: [String: JSONValue] = [
                "permissions": .array(role.permissions.map { .string($0) }), "by": .string(grant.actorName),
            ]
            if let parent = role.parent { data["parent"] = .string(parent) }
            try await events.append(type, tenantId: tenantId, subject: role.name, data: data, in: tx)
            return (role, after)
        }
        catalog.remember(tenantId, set)
        return (role, set.permissions(of: role.name).sorted())
    }

    /// The parent must exist, and following parents from it must never come back to the role (a cycle,
    /// which an update could otherwise close).
    static func checkParent(_ role: Role, in set: RoleSet) throws {
        guard let parent = role.parent else { return }
        guard set.roles[parent] != nil else { throw GatehouseError(.conflict, "no role '\(parent)' to be the parent") }
        guard parent != role.name, !set.ancestry(of: parent).contains(role.name) else {
            throw GatehouseError(.conflict, "'\(parent)' as the parent of '\(role.name)' would make a cycle")
        }
    }
}
