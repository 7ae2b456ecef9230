import Foundation
import GatehouseCore
import SQLKit

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

    public func recordFailure(
        tenantId: String, key: String, now: Date, window: TimeInterval, limit: Int,
        lockSeconds: @Sendable (Int64) -> TimeInterval
    ) async throws -> Date? {
        let nowMillis = now.millis
        let windowStart = nowMillis - Int64(window * 1000)
        return try await write("recordFailure") { db in
            // One statement counts the failure, restarting the count when its window has passed.
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO login_throttle (tenant_id, key, failures, window_start, locked_until, lock_count)
                    VALUES (\(bind: tenantId), \(bind: key), 1, \(bind: nowMillis), 0, 0)
                    ON CONFLICT (tenant_id, key) DO UPDATE SET
                      failures = CASE WHEN login_throttle.window_start < \(bind: windowStart) THEN 1 ELSE login_throttle.failures + 1 END,
                      window_start = CASE WHEN login_throttle.window_start < \(bind: windowStart) THEN \(bind: nowMillis) ELSE login_throttle.window_start END
                    RETURNING failures, lock_count
                    """
                ).first()
            else { return nil }
            let failures = try row.int("failures")
            guard failures >= Int64(limit) else { return nil }
            let until = nowMillis + Int64(lockSeconds(try row.int("lock_count")) * 1000)
            // Only the failure that reached the limit locks (the WHERE makes a concurrent twin a no-op).
            let locked = try await db.raw(
                """
                UPDATE login_throttle SET locked_until = \(bind: until), lock_count = lock_count + 1, failures = 0,
                  window_start = \(bind: nowMillis)
                WHERE tenant_id = \(bind: tenantId) AND key = \(bind: key) AND failures >= \(bind: Int64(limit))
                RETURNING locked_until
                """
            ).first()
            return try locked.map { Date(millis: try $0.int("locked_until")) }
        }
    }

    public func clearThrottle(tenantId: String, key: String) async throws {
        try await write("clearThrottle") { db in
            try await db.raw("DELETE FROM login_throttle WHERE tenant_id = \(bind: tenantId) AND key = \(bind: key)").run()
        }
    }
}
