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
