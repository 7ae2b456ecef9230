import Foundation

/// An event not yet in the chain: appended by the store in the same transaction as the act it records.
public struct EventDraft: Sendable, Equatable {
    public var id: String
    public var type: String
    public var subject: String?
    public var data: String
    public var at: Date
    public init(id: String, type: String, subject: String?, data: String, at: Date) {
        self.id = id
        self.type = type
        self.subject = subject
        self.data = data
        self.at = at
    }
}

public struct AuditEvent: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    /// Position in the tenant's chain, from 1.
    public var sequence: Int64
    public var type: String
    public var subject: String?
    public var data: String
    public var createdAt: Date
    public var previousHash: String
    public var hash: String

    public init(
        id: String, tenantId: String, sequence: Int64, type: String, subject: String?, data: String, createdAt: Date,
        previousHash: String, hash: String
    ) {
        self.id = id
        self.tenantId = tenantId
        self.sequence = sequence
        self.type = type
        self.subject = subject
        self.data = data
        self.createdAt = createdAt
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The chain link: SHA-256 over the previous hash and this event's immutable fields.
    public static func chainHash(
        previousHash: String, tenantId: String, sequence: Int64, id: String, type: String, subject: String?,
        data: String, createdAtMillis: Int64
    ) -> String {
        let material = [previousHash, tenantId, String(sequence), id, type, subject ?? "", data, String(createdAtMillis)]
            .joined(separator: "\u{1F}")
        return Digest.sha256Hex(material)
    }
}
