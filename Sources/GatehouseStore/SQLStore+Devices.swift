import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: DeviceStore {
    static let deviceColumns = """
        id, tenant_id, user_id, fingerprint, name, device_type, key_algorithm, public_key, fcm_token, is_active,
        created_at, updated_at, last_used_at
        """

    func device(from row: any SQLRow) throws -> Device {
        Device(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), userId: try row.string("user_id"),
            fingerprint: try row.string("fingerprint"), name: try row.string("name"),
            type: DeviceType(rawValue: try row.string("device_type")) ?? .mobile,
            algorithm: DeviceKeyAlgorithm(rawValue: try row.string("key_algorithm")) ?? .ES256,
            publicKey: try row.string("public_key"), fcmToken: try row.optionalString("fcm_token"),
            isActive: try row.bool("is_active"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
            lastUsedAt: try row.optionalDate("last_used_at"))
    }

    public func insertDeviceChallenge(_ c: DeviceChallenge) async throws {
        let d = c.device
        try await write("insertDeviceChallenge") { db in
            try await db.raw(
                """
                INSERT INTO device_challenges (id, tenant_id, purpose, challenge, fingerprint, user_id, device_id,
                  bound_session_id, device_name, device_type, key_algorithm, public_key, expires_at)
                VALUES (\(bind: c.id), \(bind: c.tenantId), 'register', \(bind: c.challenge), \(bind: d.fingerprint),
                  \(bind: d.userId), \(bind: d.id), \(bind: c.boundSessionId), \(bind: d.name), \(bind: d.type.rawValue),
                  \(bind: d.algorithm.rawValue), \(bind: d.publicKey), \(bind: c.expiresAt.millis))
                """
            ).run()
        }
    }

    public func consumeDeviceChallenge(id: String, tenantId: String, at: Date) async throws -> DeviceChallenge? {
        try await write("consumeDeviceChallenge") { db in
            guard
                let row = try await db.raw(
                    """
                    UPDATE device_challenges SET consumed_at = \(bind: at.millis)
                    WHERE id = \(bind: id) AND tenant_id = \(bind: tenantId) AND purpose = 'register' AND consumed_at IS NULL
                    RETURNING id, tenant_id, challenge, fingerprint, user_id, device_id, bound_session_id, device_name,
                      device_type, key_algorithm, public_key, expires_at
                    """
                ).first(),
                let userId = try row.optionalString("user_id"), let deviceId = try row.optionalString("device_id"),
                let sessionId = try row.optionalString("bound_session_id"), let name = try row.optionalString("device_name"),
                let type = try row.optionalString("device_type"), let alg = try row.optionalString("key_algorithm"),
                let key = try row.optionalString("public_key")
            else { return nil }
            let device = Device(
                id: deviceId, tenantId: tenantId, userId: userId, fingerprint: try row.string("fingerprint"), name: name,
                type: DeviceType(rawValue: type) ?? .mobile, algorithm: DeviceKeyAlgorithm(rawValue: alg) ?? .ES256,
                publicKey: key, createdAt: at, updatedAt: at)
            return DeviceChallenge(
                id: try row.string("id"), tenantId: tenantId, challenge: try row.string("challenge"),
                boundSessionId: sessionId, device: device, expiresAt: try row.date("expires_at"))
        }
    }

    public func device(tenantId: String, id: String) async throws -> Device? {
        try await read("device") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.deviceColumns) FROM devices WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).first().map(device(from:))
        }
    }

    public func device(tenantId: String, userId: String, fingerprint: String) async throws -> Device? {
        try await read("deviceByFingerprint") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.deviceColumns) FROM devices
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND fingerprint = \(bind: fingerprint)
                """
            ).first().map(device(from:))
        }
    }

    public func activeDevices(tenantId: String, fingerprint: String, limit: Int) async throws -> [Device] {
        try await read("activeDevices") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.deviceColumns) FROM devices
                WHERE tenant_id = \(bind: tenantId) AND fingerprint = \(bind: fingerprint) AND is_active = 1
                ORDER BY updated_at DESC LIMIT \(bind: limit)
                """
            ).all().map(device(from:))
        }
    }

    public func devices(tenantId: String, userId: String) async throws -> [Device] {
        try await read("devices") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.deviceColumns) FROM devices
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) ORDER BY created_at, id
                """
            ).all().map(device(from:))
        }
    }

    public func upsertDevice(_ d: Device) async throws -> Device {
        try await write("upsertDevice") { db in
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO devices (id, tenant_id, user_id, fingerprint, name, device_type, key_algorithm, public_key,
                      is_active, created_at, updated_at)
                    VALUES (\(bind: d.id), \(bind: d.tenantId), \(bind: d.userId), \(bind: d.fingerprint), \(bind: d.name),
                      \(bind: d.type.rawValue), \(bind: d.algorithm.rawValue), \(bind: d.publicKey), 1,
                      \(bind: d.createdAt.millis), \(bind: d.updatedAt.millis))
                    ON CONFLICT (tenant_id, user_id, fingerprint) DO UPDATE SET
                      name = excluded.name, device_type = excluded.device_type, key_algorithm = excluded.key_algorithm,
                      public_key = excluded.public_key, is_active = 1, updated_at = excluded.updated_at
                    RETURNING \(unsafeRaw: Self.deviceColumns)
                    """
                ).first()
            else { throw GatehouseError(.internalError, "device was not stored") }
            return try device(from: row)
        }
    }

    public func setDeviceFCMToken(tenantId: String, userId: String, deviceId: String, token: String?, at: Date) async throws
        -> Bool
    {
        try await write("setDeviceFCMToken") { db in
            try await db.raw(
                """
                UPDATE devices SET fcm_token = \(bind: token), updated_at = \(bind: at.millis)
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND id = \(bind: deviceId) RETURNING id
                """
            ).first() != nil
        }
    }

    public func clearDeviceFCMToken(deviceId: String, token: String, at: Date) async throws {
        try await write("clearDeviceFCMToken") { db in
            try await db.raw(
                """
                UPDATE devices SET fcm_token = NULL, updated_at = \(bind: at.millis)
                WHERE id = \(bind: deviceId) AND fcm_token = \(bind: token)
                """
            ).run()
        }
    }

    public func deactivateDevice(tenantId: String, userId: String, id: String, at: Date) async throws -> Bool {
        try await write("deactivateDevice") { db in
            try await db.raw(
                """
                UPDATE devices SET is_active = 0, fcm_token = NULL, updated_at = \(bind: at.millis)
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND id = \(bind: id) AND is_active = 1
                RETURNING id
                """
            ).first() != nil
        }
    }

    public func recordDeviceUse(_ uses: [String: Date]) async throws {
        guard !uses.isEmpty else { return }
        try await transaction("recordDeviceUse") { db in
            for (id, at) in uses {
                try await db.raw(
                    "UPDATE devices SET last_used_at = \(bind: at.millis) WHERE id = \(bind: id) AND (last_used_at IS NULL OR last_used_at < \(bind: at.millis))"
                ).run()
            }
        }
    }
}
