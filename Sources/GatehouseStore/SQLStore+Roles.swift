import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: RoleStore {
    /// Permissions are stored space-separated: the rules allow no space inside one.
    func role(from row: any SQLRow) throws -> Role {
        Role(
            tenantId: try row.string("tenant_id"), name: try row.string("name"), description: try row.optionalString("description"),
            parent: try row.optionalString("parent"),
            permissions: try row.string("permissions").split(separator: " ").map(String.init),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }

    public func accessFacts(tenantId: String, userId: String, businessId: String?) async throws -> AccessFacts? {
        try await read("accessFacts") { db in
            // One round trip: the version, the admin mark, the tenant roles and the business roles.
            let rows = try await db.raw(
                """
                SELECT 'v' AS kind, CAST(roles_version AS TEXT) AS value FROM tenants WHERE id = \(bind: tenantId)
                UNION ALL SELECT 'a', user_id FROM tenant_admins WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId)
                UNION ALL SELECT 'r', role FROM user_roles WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId)
                UNION ALL SELECT 'b', role FROM memberships WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId)
                  AND (\(bind: businessId) IS NULL OR business_id = \(bind: businessId ?? ""))
                """
            ).all()
            var facts = AccessFacts(rolesVersion: 0, isAdmin: false, tenantRoles: [], businessRoles: [])
            var found = false
            for row in rows {
                let value = try row.string("value")
                switch try row.string("kind") {
                case "v":
                    found = true
                    facts.rolesVersion = Int64(value) ?? 0
                case "a": facts.isAdmin = true
                case "r": facts.tenantRoles.append(value)
                default: facts.businessRoles.append(value)
                }
            }
            return found ? facts : nil
        }
    }

    public func rolesVersion(tenantId: String) async throws -> Int64 {
        try await read("rolesVersion") { db in
            try await db.raw("SELECT roles_version FROM tenants WHERE id = \(bind: tenantId)").first()?.int("roles_version") ?? 0
        }
    }

    public func customRoles(tenantId: String) async throws -> [Role] {
        try await read("customRoles") { db in
            try await db.raw(
                "SELECT tenant_id, name, description, parent, permissions, created_at, updated_at FROM roles WHERE tenant_id = \(bind: tenantId) ORDER BY name"
            ).all().map(role(from:))
        }
    }

    public func bumpRolesVersion(tenantId: String) async throws -> Int64 {
        try await write("bumpRolesVersion") { db in
            guard
                let row = try await db.raw(
                    "UPDATE tenants SET roles_version = roles_version + 1 WHERE id = \(bind: tenantId) RETURNING roles_version"
                ).first()
            else { throw GatehouseError.notFound("tenant") }
            return try row.int("roles_version")
        }
    }

    public func lockRoles(tenantId: String) async throws {
        try await write("lockRoles") { db in
            try await db.raw("UPDATE tenants SET roles_version = roles_version WHERE id = \(bind: tenantId)").run()
        }
    }

    public func insertRole(_ r: Role) async throws -> Bool {
        try await write("insertRole") { db in
            try await db.raw(
                """
                INSERT INTO roles (tenant_id, name, description, parent, permissions, created_at, updated_at)
                VALUES (\(bind: r.tenantId), \(bind: r.name), \(bind: r.description), \(bind: r.parent),
                  \(bind: r.permissions.joined(separator: " ")), \(bind: (r.createdAt ?? Date()).millis), \(bind: (r.updatedAt ?? Date()).millis))
                ON CONFLICT DO NOTHING RETURNING name
                """
            ).first() != nil
        }
    }

    public func updateRole(_ r: Role) async throws -> Bool {
        try await write("updateRole") { db in
            try await db.raw(
                """
                UPDATE roles SET description = \(bind: r.description), parent = \(bind: r.parent),
                  permissions = \(bind: r.permissions.joined(separator: " ")), updated_at = \(bind: (r.updatedAt ?? Date()).millis)
                WHERE tenant_id = \(bind: r.tenantId) AND name = \(bind: r.name) RETURNING name
                """
            ).first() != nil
        }
    }

    public func deleteRole(tenantId: String, name: String) async throws -> Bool {
        try await write("deleteRole") { db in
            try await db.raw("DELETE FROM roles WHERE tenant_id = \(bind: tenantId) AND name = \(bind: name) RETURNING name").first() != nil
        }
    }

    public func roleHolders(tenantId: String, name: String) async throws -> Int {
        try await read("roleHolders") { db in
            let row = try await db.raw(
                """
                SELECT (SELECT COUNT(*) FROM memberships WHERE tenant_id = \(bind: tenantId) AND role = \(bind: name))
                  + (SELECT COUNT(*) FROM user_roles WHERE tenant_id = \(bind: tenantId) AND role = \(bind: name)) AS n
                """
            ).first()
            return Int(try row?.int("n") ?? 0)
        }
    }

    public func insertUserRole(_ g: UserRole) async throws -> Bool {
        try await write("insertUserRole") { db in
            try await db.raw(
                """
                INSERT INTO user_roles (tenant_id, user_id, role, created_at)
                VALUES (\(bind: g.tenantId), \(bind: g.userId), \(bind: g.role), \(bind: g.createdAt.millis))
                ON CONFLICT DO NOTHING RETURNING role
                """
            ).first() != nil
        }
    }

    public func deleteUserRole(tenantId: String, userId: String, role: String) async throws -> Bool {
        try await write("deleteUserRole") { db in
            try await db.raw(
                "DELETE FROM user_roles WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND role = \(bind: role) RETURNING role"
            ).first() != nil
        }
    }

    public func userRoles(tenantId: String, userId: String) async throws -> [UserRole] {
        try await read("userRoles") { db in
            try await db.raw(
                "SELECT tenant_id, user_id, role, created_at FROM user_roles WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) ORDER BY role"
            ).all().map {
                UserRole(tenantId: try $0.string("tenant_id"), userId: try $0.string("user_id"), role: try $0.string("role"), createdAt: try $0.date("created_at"))
            }
        }
    }

    public func tenantAdminCount(tenantId: String) async throws -> Int {
        try await read("tenantAdminCount") { db in
            Int(try await db.raw("SELECT COUNT(*) AS n FROM tenant_admins WHERE tenant_id = \(bind: tenantId)").first()?.int("n") ?? 0)
        }
    }
}
