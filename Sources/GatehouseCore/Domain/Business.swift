import Foundation

public struct Business: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var name: String
    public var createdAt: Date
    public init(id: String, tenantId: String, name: String, createdAt: Date) {
        self.id = id
        self.tenantId = tenantId
        self.name = name
        self.createdAt = createdAt
    }
}

public struct Membership: Sendable, Equatable {
    public var tenantId: String
    public var businessId: String
    public var userId: String
    public var role: String
    public var createdAt: Date
    public init(tenantId: String, businessId: String, userId: String, role: String, createdAt: Date) {
        self.tenantId = tenantId
        self.businessId = businessId
        self.userId = userId
        self.role = role
        self.createdAt = createdAt
    }
}

/// A membership joined with its business name: what business login chooses between.
public struct MembershipOption: Sendable, Equatable {
    public var businessId: String
    public var name: String
    public var role: String
    public init(businessId: String, name: String, role: String) {
        self.businessId = businessId
        self.name = name
        self.role = role
    }
}

public struct TenantAdmin: Sendable, Equatable {
    public var tenantId: String
    public var userId: String
    public var createdAt: Date
    public init(tenantId: String, userId: String, createdAt: Date) {
        self.tenantId = tenantId
        self.userId = userId
        self.createdAt = createdAt
    }
}

/// The built-in role chain; a role has its own and its ancestors' permissions.
public enum BuiltInRole: String, CaseIterable, Sendable {
    case owner, admin, member, viewer
}

extension BuiltInRole {
    /// The chain a role inherits from: owner > admin > member > viewer.
    public var parent: BuiltInRole? {
        switch self {
        case .owner: .admin
        case .admin: .member
        case .member: .viewer
        case .viewer: nil
        }
    }

    var summary: String {
        switch self {
        case .owner: "built in: everything an admin may do, and deleting or transferring the business"
        case .admin: "built in: a member who manages members and settings"
        case .member: "built in: a viewer who writes documents and requests confirmations"
        case .viewer: "built in: reads documents and profiles"
        }
    }

    var ownPermissions: [String] {
        switch self {
        case .owner: ["business:delete", "business:transfer"]
        case .admin: ["members:manage", "settings:write"]
        case .member: ["documents:write", "confirmations:request"]
        case .viewer: ["documents:read", "profile:read"]
        }
    }

    /// Its own permissions and every ancestor's, sorted.
    public var permissions: [String] {
        var all = Set(ownPermissions)
        var next = parent
        while let r = next {
            all.formUnion(r.ownPermissions)
            next = r.parent
        }
        return all.sorted()
    }

    /// The built-in role a role name grants (custom names carry no built-in permissions).
    public static func named(_ name: String?) -> BuiltInRole? { name.flatMap { BuiltInRole(rawValue: $0.lowercased()) } }
}
