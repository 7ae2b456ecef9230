import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: EventStore {
    public func appendEvent(
        tenantId: String, id: String, type: String, subject: String?, data: String, at: Date
    ) async throws -> AuditEvent {
        for _ in 0..<20 {
            let appended = try await transaction("appendEvent") { db -> AuditEvent? in
                let last = try await db.raw(
                    "SELECT seq, hash FROM events WHERE tenant_id = \(bind: tenantId) ORDER BY seq DESC LIMIT 1"
                ).first()
                let seq = (try last?.int("seq") ?? 0) + 1
                let previous = try last?.string("hash") ?? ""
                let hash = AuditEvent.chainHash(
                    previousHash: previous, tenantId: tenantId, sequence: seq, id: id, type: type, subject: subject,
                    data: data, createdAtMillis: at.millis)
                // A concurrent append that took this sequence number makes the insert a no-op; try again.
                let inserted = try await db.raw(
                    """
                    INSERT INTO events (tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash)
                    VALUES (\(bind: tenantId), \(bind: seq), \(bind: id), \(bind: type), \(bind: subject), \(bind: data),
                      \(bind: at.millis), \(bind: previous), \(bind: hash))
                    ON CONFLICT DO NOTHING RETURNING seq
                    """
                ).first() != nil
                guard inserted else { return nil }
                return AuditEvent(
                    id: id, tenantId: tenantId, sequence: seq, type: type, subject: subject, data: data,
                    createdAt: Date(millis: at.millis), previousHash: previous, hash: hash)
            }
            if let appended { return appended }
        }
        throw GatehouseError(.unavailable, "audit log is busy", retryAfterSeconds: 1)
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
