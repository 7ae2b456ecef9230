import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: EventStore {
    public func appendEvent(
        tenantId: String, id: String, type: String, subject: String?, data: String, at: Date
    ) async throws -> AuditEvent {
        let draft = EventDraft(id: id, type: type, subject: subject, data: data, at: at)
        for _ in 0..<20 {
            let appended = try await transaction("appendEvent") { db in
                try await Self.append(draft, tenantId: tenantId, on: db)
            }
            if let appended { return appended }
        }
        throw GatehouseError(.unavailable, "audit log is busy", retryAfterSeconds: 1)
    }

    /// Appends inside the caller's transaction; nil when a concurrent append took the sequence number
    /// (the caller's transaction then retries).
    static func append(_ e: EventDraft, tenantId: String, on db: any SQLDatabase) async throws -> AuditEvent? {
        let last = try await db.raw(
            "SELECT seq, hash FROM events WHERE tenant_id = \(bind: tenantId) ORDER BY seq DESC LIMIT 1"
        ).first()
        let seq = (try last?.int("seq") ?? 0) + 1
        let previous = try last?.string("hash") ?? ""
        let millis = e.at.millis
        let hash = AuditEvent.chainHash(
            previousHash: previous, tenantId: tenantId, sequence: seq, id: e.id, type: e.type, subject: e.subject,
            data: e.data, createdAtMillis: millis)
        let inserted = try await db.raw(
            """
            INSERT INTO events (tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash)
            VALUES (\(bind: tenantId), \(bind: seq), \(bind: e.id), \(bind: e.type), \(bind: e.subject), \(bind: e.data),
              \(bind: millis), \(bind: previous), \(bind: hash))
            ON CONFLICT DO NOTHING RETURNING seq
            """
        ).first() != nil
        guard inserted else { return nil }
        return AuditEvent(
            id: e.id, tenantId: tenantId, sequence: seq, type: e.type, subject: e.subject, data: e.data,
            createdAt: Date(millis: millis), previousHash: previous, hash: hash)
    }

    public func events(tenantId: String, afterSequence: Int64, limit: Int) async throws -> [AuditEvent] {
        try await read("events") { db in
            try await db.raw(
                """
                SELECT tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash FROM events
                WHERE tenant_id = \(bind: tenantId) AND seq > \(bind: afterSequence) ORDER BY seq LIMIT \(unsafeRaw: String(max(1, min(limit, 1000))))
                """
            ).all().map {
                AuditEvent(
                    id: try $0.string("id"), tenantId: try $0.string("tenant_id"), sequence: try $0.int("seq"),
                    type: try $0.string("type"), subject: try $0.optionalString("subject"), data: try $0.string("data"),
                    createdAt: try $0.date("created_at"), previousHash: try $0.string("prev_hash"), hash: try $0.string("hash"))
            }
        }
    }
}
