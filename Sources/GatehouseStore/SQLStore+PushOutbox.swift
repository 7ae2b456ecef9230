import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: PushOutboxStore {
    public func claimDuePushes(now: Date, leaseUntil: Date, limit: Int) async throws -> [PushMessage] {
        // The outer conditions repeat the inner ones: PostgreSQL re-checks them on a row another node has
        // just leased, so two nodes never claim the same message.
        try await write("claimDuePushes") { db in
            try await db.raw(
                """
                UPDATE push_outbox SET lease_until = \(bind: leaseUntil.millis), attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM push_outbox
                    WHERE status = 'pending' AND next_attempt_at <= \(bind: now.millis)
                      AND (lease_until IS NULL OR lease_until <= \(bind: now.millis))
                    ORDER BY next_attempt_at, id LIMIT \(bind: limit))
                  AND status = 'pending' AND (lease_until IS NULL OR lease_until <= \(bind: now.millis))
                RETURNING id, tenant_id, device_id, fcm_token, data, attempts, created_at
                """
            ).all().map { row in
                let text = try row.string("data")
                let data = (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
                return PushMessage(
                    id: try row.int("id"), tenantId: try row.string("tenant_id"), deviceId: try row.string("device_id"),
                    fcmToken: try row.string("fcm_token"), data: data, attempts: try row.int("attempts"),
                    createdAt: try row.date("created_at"))
            }
        }
    }

    public func markPushSent(id: Int64, at: Date) async throws {
        try await write("markPushSent") { db in
            try await db.raw(
                "UPDATE push_outbox SET status = 'sent', sent_at = \(bind: at.millis), lease_until = NULL, last_error = NULL WHERE id = \(bind: id)"
            ).run()
        }
    }

    public func reschedulePush(id: Int64, at: Date, error: String) async throws {
        try await write("reschedulePush") { db in
            try await db.raw(
                """
                UPDATE push_outbox SET next_attempt_at = \(bind: at.millis), lease_until = NULL,
                  last_error = \(bind: String(error.prefix(500)))
                WHERE id = \(bind: id) AND status = 'pending'
                """
            ).run()
        }
    }

    public func closePush(id: Int64, status: String, error: String) async throws {
        try await write("closePush") { db in
            try await db.raw(
                """
                UPDATE push_outbox SET status = \(bind: status), lease_until = NULL, last_error = \(bind: String(error.prefix(500)))
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    public func pushCounts() async throws -> [String: Int] {
        try await read("pushCounts") { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw("SELECT status, COUNT(*) AS n FROM push_outbox GROUP BY status").all() {
                counts[try row.string("status")] = Int(try row.int("n"))
            }
            return counts
        }
    }
}
