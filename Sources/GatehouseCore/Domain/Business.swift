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
