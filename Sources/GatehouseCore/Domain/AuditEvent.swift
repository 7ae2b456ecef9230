import Foundation

/// An event not yet in the chain: appended by the store in the same transaction as the act it records.
public struct EventDraft: Sendable, Equatable {
    public var id: String
    public var type: String
    public var subject: String?
    public var data: String
    public var at: Date
    public var context: EventContext
    public init(id: String, type: String, subject: String?, data: String, at: Date, context: EventContext = EventContext()) {
        self.id = id
        self.type = type
        self.subject = subject
        self.data = data
        self.at = at
        self.context = context
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
    /// Who acted, from where, in which request (events written since hash version 2; nil before).
    public var context: EventContext
    /// 1: the hash covers the fields events had first; 2: every field returned, the context included.
    public var hashVersion: Int64

    public init(
        id: String, tenantId: String, sequence: Int64, type: String, subject: String?, data: String, createdAt: Date,
        previousHash: String, hash: String, context: EventContext = EventContext(), hashVersion: Int64 = 2
    ) {
        self.context = context
        self.hashVersion = hashVersion
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

    /// This event's link as its hash version computes it over `previousHash`.
    public func link(after previousHash: String) -> String {
        hashVersion >= 2
            ? Self.chainHashV2(
                previousHash: previousHash, tenantId: tenantId, sequence: sequence, id: id, type: type, subject: subject, data: data,
                createdAtMillis: createdAt.millis, context: context)
            : Self.chainHash(
                previousHash: previousHash, tenantId: tenantId, sequence: sequence, id: id, type: type, subject: subject, data: data,
                createdAtMillis: createdAt.millis)
    }

    /// Hash version 2: version 1's fields and the context, so no returned field can change unseen.
    public static func chainHashV2(
        previousHash: String, tenantId: String, sequence: Int64, id: String, type: String, subject: String?,
        data: String, createdAtMillis: Int64, context: EventContext
    ) -> String {
        let material = [
            "v2", previousHash, tenantId, String(sequence), id, type, subject ?? "", data, String(createdAtMillis),
            context.actor ?? "", context.ip ?? "", context.userAgent ?? "", context.requestId ?? "",
        ].joined(separator: "\u{1F}")
        return Digest.sha256Hex(material)
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
