import Foundation
import GatehouseCore
import Hummingbird

/// `/v2/roles` (custom roles beside the read-only built-ins) and `/v2/users/{id}/roles` (tenant-wide roles
/// of a user), in the Project API. Every route's permission is in `AdminRoutePermissions`.
struct RolesController {
    let roles: RoleService
    let rotateKey: @Sendable (String) async throws -> String

    var routes: [Route] {
        let role = ["role": Schema.text(maxLength: RoleRules.maxNameBytes, description: "a role name")]
        return [
            .admin(
                .get, "/v2/roles",
                .init(
                    "List the tenant's roles: the built-ins (owner > admin > member > viewer), then custom roles by name",
                    query: QueryParameter.page, .ok(SharedSchemas.page("Role"))),
                use: list),
            .admin(
                .post, "/v2/roles",
                .init(
                    "Create a custom role", body: .ref("RoleInput"), .created(.ref("Role")),
                    .error(409, "the name is taken, the parent is unknown, or the tenant has 1000 custom roles")),
                use: create),
            .admin(.get, "/v2/roles/{role}", .init("Get a role with its effective permissions", pathSchemas: role, .ok(.ref("Role"))), use: get),
            .admin(
                .put, "/v2/roles/{role}",
                .init(
                    "Change a custom role (the fields given; null clears description or parent)", body: .ref("RoleChanges"),
                    pathSchemas: role, .ok(.ref("Role")), .error(409, "a built-in role, an unknown parent or a cycle")),
                use: update),
            .admin(
                .delete, "/v2/roles/{role}",
                .init("Delete a custom role", pathSchemas: role, .noContent, .error(409, "a built-in role, or one still held or still a parent")),
                use: delete),
            .admin(
                .get, "/v2/users/{id}/roles", .init("The user's tenant-wide roles", .ok(SharedSchemas.page("UserRole"))),
                use: listUserRoles),
            .admin(
                .post, "/v2/users/{id}/roles",
                .init(
                    "Give the user a tenant-wide role", body: .object(["role": .text(maxLength: RoleRules.maxNameBytes)], required: ["role"]),
                    .created(.ref("UserRole")), .error(404, "no such user"), .error(409, "the user already holds it")),
                use: grantUserRole),
            .admin(
                .delete, "/v2/users/{id}/roles/{role}",
                .init("Take a tenant-wide role from the user", pathSchemas: role, .noContent), use: revokeUserRole),
            .admin(
                .post, "/v2/keys/rotate",
                .init(
                    "A new current signing key for the tenant; the previous one stays in the JWKS until its tokens expire",
                    .ok(.object(["kid": .string()], required: ["kid"]))),
                use: rotate),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "Role",
            .object(
                [
                    "name": .string(), "description": .string(), "parent": .string(),
                    "permissions": .described(.array(.string()), "its own"),
                    "effectivePermissions": .described(.array(.string()), "its own and its parent chain's"),
                    "builtIn": .boolean, "createdAt": .dateTime, "updatedAt": .dateTime,
                ], required: ["name", "permissions", "effectivePermissions", "builtIn"])
        ),
        (
            "RoleInput",
            .object(
                [
                    "name": .text(maxLength: RoleRules.maxNameBytes, description: "lower-case letters, digits, '-', '_', '.'"),
                    "description": .text(maxLength: RoleRules.maxDescriptionBytes),
                    "parent": .text(maxLength: RoleRules.maxNameBytes, description: "the role whose permissions this one includes"),
                    "permissions": .array(.text(maxLength: RoleRules.maxPermissionBytes, description: "resource:action")),
                ], required: ["name"])
        ),
        (
            "RoleChanges",
            .object([
                "description": .nullable(.text(maxLength: RoleRules.maxDescriptionBytes)),
                "parent": .nullable(.text(maxLength: RoleRules.maxNameBytes)),
                "permissions": .array(.text(maxLength: RoleRules.maxPermissionBytes)),
            ])
        ),
        ("UserRole", .object(["userId": .uuid, "role": .string(), "createdAt": .dateTime], required: ["userId", "role", "createdAt"])),
    ]

    struct RoleBody: Encodable {
        var name: String
        var description: String?
        var parent: String?
        var permissions: [String]
        var effectivePermissions: [String]
        var builtIn: Bool
        var createdAt: String?
        var updatedAt: String?
        init(_ r: Role, effective: [String]) {
            name = r.name
            description = r.description
            parent = r.parent
            permissions = r.permissions
            effectivePermissions = effective
            builtIn = r.builtIn
            createdAt = r.createdAt?.rfc3339
            updatedAt = r.updatedAt?.rfc3339
        }
    }

    struct UserRoleBody: Encodable {
        var userId: String
        var role: String
        var createdAt: String
        init(_ g: UserRole) {
            userId = g.userId
            role = g.role
            createdAt = g.createdAt.rfc3339
        }
    }

    /// The path's role name, checked like a stored one (so a hostile segment never reaches a query).
    static func roleName(_ context: AdminContext) throws -> String {
        let name = context.parameters.get("role") ?? ""
        try RoleRules.checkName(name, field: "role")
        return name
    }

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        let page = try AdminController.pageRequest(request)
        let set = try await roles.list(tenantId: context.tenant.id)
        // The cursor is the last name shown: built-ins come first, then names in order.
        let all = set.ordered
        let start = page.cursor.flatMap { c in all.firstIndex { $0.name == c }.map { $0 + 1 } } ?? 0
        let slice = all.dropFirst(start).prefix(page.limit)
        let next = start + slice.count < all.count ? slice.last?.name : nil
        return try JSONBody.response(
            AdminController.ListBody(data: slice.map { RoleBody($0, effective: set.permissions(of: $0.name).sorted()) }, nextCursor: next))
    }

    struct CreateBody: Decodable {
        var name: String?
        var description: String?
        var parent: String?
        var permissions: [String]?
    }

    @Sendable func create(_ request: Request, context: AdminContext) async throws -> Response {
        let b = try await JSONBody.decode(CreateBody.self, from: request)
        let input = RoleInput(
            name: try Validate.required(b.name, "name", max: RoleRules.maxNameBytes), description: b.description, parent: b.parent,
            permissions: b.permissions ?? [])
        let (role, effective) = try await roles.create(tenantId: context.tenant.id, input, by: context.grant)
        return try JSONBody.response(RoleBody(role, effective: effective), status: .created)
    }

    @Sendable func get(_ request: Request, context: AdminContext) async throws -> Response {
        let (role, effective) = try await roles.get(tenantId: context.tenant.id, name: try Self.roleName(context))
        return try JSONBody.response(RoleBody(role, effective: effective))
    }

    struct UpdateBody: Decodable {
        var description: String??
        var parent: String??
        var permissions: [String]?

        enum Keys: String, CodingKey { case description, parent, permissions }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            func tri(_ k: Keys) throws -> String?? {
                guard c.contains(k) else { return nil }
                return .some(try c.decodeNil(forKey: k) ? nil : try c.decode(String.self, forKey: k))
            }
            description = try tri(.description)
            parent = try tri(.parent)
            permissions = try c.decodeIfPresent([String].self, forKey: .permissions)
        }
    }

    @Sendable func update(_ request: Request, context: AdminContext) async throws -> Response {
        let name = try Self.roleName(context)
        let b = try await JSONBody.decode(UpdateBody.self, from: request)
        let (role, effective) = try await roles.update(
            tenantId: context.tenant.id, name: name, RoleChanges(description: b.description, parent: b.parent, permissions: b.permissions),
            by: context.grant)
        return try JSONBody.response(RoleBody(role, effective: effective))
    }

    @Sendable func delete(_ request: Request, context: AdminContext) async throws -> Response {
        try await roles.delete(tenantId: context.tenant.id, name: try Self.roleName(context), by: context.grant)
        return Response(status: .noContent)
    }

    @Sendable func listUserRoles(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let list = try await roles.userRoles(tenantId: context.tenant.id, userId: id)
        return try JSONBody.response(AdminController.ListBody(data: list.map(UserRoleBody.init), nextCursor: nil))
    }

    struct GrantBody: Decodable { var role: String? }

    @Sendable func grantUserRole(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(GrantBody.self, from: request)
        let role = try Validate.required(b.role, "role", max: RoleRules.maxNameBytes)
        let held = try await roles.grantRole(tenantId: context.tenant.id, userId: id, role: role, by: context.grant)
        return try JSONBody.response(UserRoleBody(held), status: .created)
    }

    @Sendable func revokeUserRole(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await roles.revokeRole(tenantId: context.tenant.id, userId: id, role: try Self.roleName(context), by: context.grant)
        return Response(status: .noContent)
    }

    struct KidBody: Encodable { var kid: String }

    @Sendable func rotate(_ request: Request, context: AdminContext) async throws -> Response {
        try JSONBody.response(KidBody(kid: try await rotateKey(context.tenant.id)))
    }
}
