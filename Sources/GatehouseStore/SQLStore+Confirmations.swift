import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: ConfirmationStore {
    static let confirmationColumns = """
        id, tenant_id, user_id, action_type, action_payload, nonce, status, reason, device_id, created_at, updated_at,
        expires_at
        """

    func confirmation(from row: any SQLRow) throws -> Confirmation {
        Confirmation(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), userId: try row.string("user_id"),
            actionType: try row.string("action_type"), actionPayload: try row.string("action_payload"),
            nonce: try row.string("nonce"), status: ConfirmationStatus(rawValue: try row.string("status")) ?? .pending,
            reason: try row.optionalString("reason"), deviceId: try row.optionalString("device_id"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), expiresAt: try row.date("expires_at"))
    }

    public func insertConfirmation(_ c: Confirmation, pushes: [PushMessage]) async throws {
        let insert: SQLQueryString = """
            INSERT INTO confirmations (id, tenant_id, user_id, action_type, action_payload, nonce, status, created_at,
              updated_at, expires_at)
            VALUES (\(bind: c.id), \(bind: c.tenantId), \(bind: c.userId), \(bind: c.actionType), \(bind: c.actionPayload),
              \(bind: c.nonce), \(bind: c.status.rawValue), \(bind: c.createdAt.millis), \(bind: c.updatedAt.millis),
              \(bind: c.expiresAt.millis))
            """
        if pushes.isEmpty {
            try await write("insertConfirmation") { db in try await db.raw(insert).run() }
            return
        }
        try await transaction("insertConfirmation") { db in
            try await db.raw(insert).run()
            try await insertPushes(pushes, on: db)
        }
    }

    public func insertPushes(_ pushes: [PushMessage]) async throws {
        guard !pushes.isEmpty else { return }
        try await transaction("insertPushes") { db in try await insertPushes(pushes, on: db) }
    }

    private func insertPushes(_ pushes: [PushMessage], on db: any SQLDatabase) async throws {
        for p in pushes {
            try await db.raw(
                """
                INSERT INTO push_outbox (tenant_id, device_id, fcm_token, data, status, attempts, next_attempt_at, created_at)
                VALUES (\(bind: p.tenantId), \(bind: p.deviceId), \(bind: p.fcmToken), \(bind: Self.encodeData(p.data)),
                  'pending', 0, \(bind: p.createdAt.millis), \(bind: p.createdAt.millis))
                """
            ).run()
        }
    }

    public func confirmation(tenantId: String, id: String) async throws -> Confirmation? {
        try await read("confirmation") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.confirmationColumns) FROM confirmations WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).first().map(confirmation(from:))
        }
    }

    public func transitionConfirmation(
        tenantId: String, id: String, to status: ConfirmationStatus, deviceId: String?, reason: String?, at: Date
    ) async throws -> Confirmation? {
        // Expiry is written only once due; every other change only while still due to run.
        let timing: SQLQueryString =
            status == .expired ? "expires_at <= \(bind: at.millis)" : "expires_at > \(bind: at.millis)"
        return try await write("transitionConfirmation") { db in
            try await db.raw(
                """
                UPDATE confirmations SET status = \(bind: status.rawValue), device_id = \(bind: deviceId),
                  reason = \(bind: reason), updated_at = \(bind: at.millis)
                WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) AND status = 'pending' AND \(timing)
                RETURNING \(unsafeRaw: Self.confirmationColumns)
                """
            ).first().map(confirmation(from:))
        }
    }

    static func encodeData(_ data: [String: String]) -> String {
        CanonicalJSON.encode(.object(data.mapValues { .string($0) }))
    }
}
