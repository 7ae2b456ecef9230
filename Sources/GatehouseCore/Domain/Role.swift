import Foundation

/// A role of a tenant: a name, the role it extends (`parent`), and its own `resource:action` permissions.
/// It holds its own permissions and those of its whole parent chain. The four built-ins
/// (`owner > admin > member > viewer`) exist in every tenant, read-only; custom roles are stored.
public struct Role: Sendable, Equatable {
    public var tenantId: String
    public var name: String
    public var description: String?
    public var parent: String?
    public var permissions: [String]
    public var builtIn: Bool
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        tenantId: String, name: String, description: String? = nil, parent: String? = nil, permissions: [String],
        builtIn: Bool = false, createdAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.tenantId = tenantId
        self.name = name
        self.description = description
        self.parent = parent
        self.permissions = permissions
        self.builtIn = builtIn
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A built-in role as the tenant sees it.
    public static func builtIn(_ role: BuiltInRole, tenantId: String) -> Role {
        Role(
            tenantId: tenantId, name: role.rawValue, description: role.summary, parent: role.parent?.rawValue,
            permissions: role.ownPermissions.sorted(), builtIn: true)
    }
}

/// A tenant-wide role held by a user (beside the business roles of their memberships).
public struct UserRole: Sendable, Equatable {
    public var tenantId: String
    public var userId: String
    public var role: String
    public var createdAt: Date
    public init(tenantId: String, userId: String, role: String, createdAt: Date) {
        self.tenantId = tenantId
        self.userId = userId
        self.role = role
        self.createdAt = createdAt
    }
}

/// The permissions of the Project API's administration routes. A tenant admin holds all of them; anyone else
/// holds those their tenant roles (and, for a business-scoped token, their business role) grant.
public enum AdminPermission: String, CaseIterable, Sendable {
    case tenantRead = "tenant:read"
    case tenantWrite = "tenant:write"
    case usersRead = "users:read"
    case usersWrite = "users:write"
    case rolesRead = "roles:read"
    case rolesWrite = "roles:write"
    case businessesRead = "businesses:read"
    case businessesWrite = "businesses:write"
    case adminsWrite = "admins:write"
    case identityProvidersWrite = "identity-providers:write"
    case oauthClientsWrite = "oauth-clients:write"
    case apiKeysWrite = "api-keys:write"
    case webhooksWrite = "webhooks:write"
    case eventsRead = "events:read"
    case keysRotate = "keys:rotate"
}
