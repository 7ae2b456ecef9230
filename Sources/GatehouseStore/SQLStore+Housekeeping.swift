import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: HousekeepingStore {
    public func purge(before: Date, now: Date) async throws -> Int {
        let cutoff = before.millis
        let statements: [SQLQueryString] = [
            "DELETE FROM refresh_tokens WHERE expires_at < \(bind: cutoff) RETURNING hash",
            """
            DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions
              WHERE expires_at < \(bind: cutoff) OR revoked_at < \(bind: cutoff)) RETURNING hash
            """,
            "DELETE FROM sessions WHERE expires_at < \(bind: cutoff) OR revoked_at < \(bind: cutoff) RETURNING id",
            "DELETE FROM mfa_challenges WHERE expires_at < \(bind: cutoff) RETURNING hash",
            "DELETE FROM device_challenges WHERE expires_at < \(bind: cutoff) RETURNING id",
            "DELETE FROM webauthn_challenges WHERE expires_at < \(bind: cutoff) RETURNING id",
            "DELETE FROM spent_challenges WHERE expires_at < \(bind: cutoff) RETURNING key",
            "DELETE FROM revoked_tokens WHERE expires_at < \(bind: cutoff) RETURNING jti",
            "DELETE FROM oauth_codes WHERE expires_at < \(bind: cutoff) RETURNING code_hash",
            "DELETE FROM push_outbox WHERE status <> 'pending' AND created_at < \(bind: cutoff) RETURNING id",
            """
            DELETE FROM login_throttle WHERE window_start < \(bind: cutoff) AND locked_until < \(bind: now.millis)
            RETURNING key
            """,
        ]
        var removed = 0
        for statement in statements {
            removed += try await write("purge") { db in try await db.raw(statement).all().count }
        }
        return removed
    }
}
