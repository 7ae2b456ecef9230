import Foundation

/// A user's API key for server-to-server calls (seed 003). Only the SHA-256 of the key is stored.
public struct APIKey: Sendable, Equatable {
    /// `key_…`, shown in lists.
    public var id: String
    public var tenantId: String
    public var userId: String
    public var name: String
    public var keyHash: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    /// Unusable from then on; nil: until deleted.
    public var expiresAt: Date?

    public init(
        id: String, tenantId: String, userId: String, name: String, keyHash: String, createdAt: Date, lastUsedAt: Date? = nil,
        expiresAt: Date? = nil
    ) {
        self.id = id
        self.tenantId = tenantId
        self.userId = userId
        self.name = name
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }

    public func isUsable(at now: Date) -> Bool { expiresAt.map { $0 > now } ?? true }
}

/// A tenant's API key for server-to-server administration (Project API `/v2/api-keys`, sent as
/// `x-api-key`): it holds exactly its permissions, within one business when it names one. Only the SHA-256
/// of the key is stored.
public struct TenantAPIKey: Sendable, Equatable {
    /// `tk_…`, shown in lists.
    public var id: String
    public var tenantId: String
    public var name: String
    public var keyHash: String
    public var businessId: String?
    public var permissions: [String]
    /// `user:<id>` or `api_key:<id>` of whoever made it.
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    /// Made through the testnet project key: its key starts `sk_test_`.
    public var test: Bool

    public init(
        id: String, tenantId: String, name: String, keyHash: String, businessId: String?, permissions: [String], createdBy: String,
        createdAt: Date, expiresAt: Date?, lastUsedAt: Date? = nil, test: Bool
    ) {
        self.id = id
        self.tenantId = tenantId
        self.name = name
        self.keyHash = keyHash
        self.businessId = businessId
        self.permissions = permissions
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.test = test
    }

    public func isUsable(at now: Date) -> Bool { expiresAt.map { $0 > now } ?? true }
}
