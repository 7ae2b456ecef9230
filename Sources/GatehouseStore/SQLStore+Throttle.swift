import Foundation
import GatehouseCore
import SQLKit

/// Refused by `reserveAttempt`: rolls the reservation's transaction back after its lock was written.
private struct AttemptRefused: Error {
    var until: Date
}

extension SQLStore: ThrottleStore {
    public func lockedUntil(tenantId: String, keys: [String], now: Date) async throws -> Date? {
        guard !keys.isEmpty else { return nil }
        return try await read("lockedUntil") { db in
            var latest: Int64 = 0
            for key in keys {
                let row = try await db.raw(
                    "SELECT locked_until FROM login_throttle WHERE tenant_id = \(bind: tenantId) AND key = \(bind: key)"
                ).first()
                latest = max(latest, try row?.int("locked_until") ?? 0)
            }
            return latest > now.millis ? Date(millis: latest) : nil
        }
    }

    /// Counts one failure on `key`, restarting the count when its window has passed; a locked key is left
    /// as it is. Returns the row as it now stands.
    private func count(
        _ tenantId: String, _ key: String, nowMillis: Int64, windowStart: Int64, on db: any SQLDatabase
    ) async throws -> (failures: Int64, lockedUntil: Int64, lockCount: Int64) {
        guard
            let row = try await db.raw(
                """
                INSERT INTO login_throttle (tenant_id, key, failures, window_start, locked_until, lock_count)
                VALUES (\(bind: tenantId), \(bind: key), 1, \(bind: nowMillis), 0, 0)
                ON CONFLICT (tenant_id, key) DO UPDATE SET
                  failures = CASE WHEN login_throttle.locked_until > \(bind: nowMillis) THEN login_throttle.failures
                    WHEN login_throttle.window_start < \(bind: windowStart) THEN 1 ELSE login_throttle.failures + 1 END,
                  window_start = CASE WHEN login_throttle.locked_until > \(bind: nowMillis) THEN login_throttle.window_start
                    WHEN login_throttle.window_start < \(bind: windowStart) THEN \(bind: nowMillis) ELSE login_throttle.window_start END
                RETURNING failures, locked_until, lock_count
                """
            ).first()
        else { return (0, 0, 0) }
        return (try row.int("failures"), try row.int("locked_until"), try row.int("lock_count"))
    }

    /// Locks `key` from now; its count starts again when the lock ends.
    private func lock(_ tenantId: String, _ key: String, until: Int64, nowMillis: Int64, on db: any SQLDatabase) async throws {
        try await db.raw(
            """
            UPDATE login_throttle SET locked_until = \(bind: until), lock_count = lock_count + 1, failures = 0,
              window_start = \(bind: nowMillis)
            WHERE tenant_id = \(bind: tenantId) AND key = \(bind: key)
            """
        ).run()
    }

    public func reserveAttempt(
        tenantId: String, keys: [ThrottleKey], now: Date, window: TimeInterval,
        lockSeconds: @Sendable (Int64) -> TimeInterval
    ) async throws -> Date? {
        guard !keys.isEmpty else { return nil }
        let nowMillis = now.millis
        let windowStart = nowMillis - Int64(window * 1000)
        return try await transaction("reserveAttempt") { db -> Date? in
            var refusedUntil: Int64 = 0
            var counted: [String] = []
            // Keys in one order on every node, so two reservations never wait on each other's rows crosswise.
            for k in keys.sorted(by: { $0.key < $1.key }) {
                let row = try await count(tenantId, k.key, nowMillis: nowMillis, windowStart: windowStart, on: db)
                if row.lockedUntil > nowMillis {
                    refusedUntil = max(refusedUntil, row.lockedUntil)
                } else if row.failures > Int64(k.limit) {
                    // This attempt would pass the limit: it is refused and locks the key.
                    let until = nowMillis + Int64(lockSeconds(row.lockCount) * 1000)
                    try await lock(tenantId, k.key, until: until, nowMillis: nowMillis, on: db)
                    refusedUntil = max(refusedUntil, until)
                } else {
                    counted.append(k.key)
                }
            }
            guard refusedUntil > 0 else { return nil }
            // Refused: the keys that counted this attempt give it back (locks just written stay).
            for key in counted {
                try await db.raw(
                    "UPDATE login_throttle SET failures = failures - 1 WHERE tenant_id = \(bind: tenantId) AND key = \(bind: key) AND failures > 0"
                ).run()
            }
            return Date(millis: refusedUntil)
        }
    }

    public func settleAttempt(tenantId: String, clear: [String], release: [String]) async throws {
        guard !clear.isEmpty || !release.isEmpty else { return }
        try await transaction("settleAttempt") { db in
            for key in clear {
                try await db.raw("DELETE FROM login_throttle WHERE tenant_id = \(bind: tenantId) AND key = \(bind: key)").run()
            }
            for key in release {
                try await db.raw(
                    "UPDATE login_throttle SET failures = failures - 1 WHERE tenant_id = \(bind: tenantId) AND key = \(bind: key) AND failures > 0"
                ).run()
            }
        }
    }

    public func recordFailure(
        tenantId: String, key: String, now: Date, window: TimeInterval, limit: Int,
        lockSeconds: @Sendable (Int64) -> TimeInterval
    ) async throws -> Date? {
        let nowMillis = now.millis
        let windowStart = nowMillis - Int64(window * 1000)
        return try await transaction("recordFailure") { db -> Date? in
            let row = try await count(tenantId, key, nowMillis: nowMillis, windowStart: windowStart, on: db)
            guard row.lockedUntil <= nowMillis, row.failures >= Int64(limit) else { return nil }
            // Only the failure that reached the limit locks (the count restarts with the lock).
            let until = nowMillis + Int64(lockSeconds(row.lockCount) * 1000)
            try await lock(tenantId, key, until: until, nowMillis: nowMillis, on: db)
            return Date(millis: until)
        }
    }
}
