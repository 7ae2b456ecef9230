import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: MFAStore {
    public func totpState(tenantId: String, userId: String) async throws -> TOTPState? {
        try await read("totpState") { db in
            try await db.raw(
                "SELECT totp_secret_sealed, totp_confirmed, totp_last_step FROM users WHERE tenant_id = \(bind: tenantId) AND id = \(bind: userId)"
            ).first().map {
                TOTPState(
                    sealedSecret: try $0.optionalString("totp_secret_sealed"), confirmed: try $0.bool("totp_confirmed"),
                    lastStep: try $0.int("totp_last_step"))
            }
        }
    }

    public func setTOTPSecret(tenantId: String, userId: String, sealed: String?) async throws {
        try await write("setTOTPSecret") { db in
            try await db.raw(
                """
                UPDATE users SET totp_secret_sealed = \(bind: sealed), totp_confirmed = 0,
                  mfa_enabled = CASE WHEN \(bind: sealed) IS NULL THEN 0 ELSE mfa_enabled END
                WHERE tenant_id = \(bind: tenantId) AND id = \(bind: userId)
                """
            ).run()
        }
    }

    public func confirmTOTP(tenantId: String, userId: String) async throws {
        try await write("confirmTOTP") { db in
            try await db.raw(
                "UPDATE users SET totp_confirmed = 1, mfa_enabled = 1 WHERE tenant_id = \(bind: tenantId) AND id = \(bind: userId) AND totp_secret_sealed IS NOT NULL"
            ).run()
        }
    }

    public func claimTOTPStep(tenantId: String, userId: String, step: Int64) async throws -> Bool {
        try await write("claimTOTPStep") { db in
            try await db.raw(
                "UPDATE users SET totp_last_step = \(bind: step) WHERE tenant_id = \(bind: tenantId) AND id = \(bind: userId) AND totp_last_step < \(bind: step) RETURNING id"
            ).first() != nil
        }
    }

    public func insertMFAChallenge(hash: String, _ c: MFAChallenge) async throws {
        try await write("insertMFAChallenge") { db in
            try await db.raw(
                """
                INSERT INTO mfa_challenges (hash, tenant_id, user_id, expires_at, failures)
                VALUES (\(bind: hash), \(bind: c.tenantId), \(bind: c.userId), \(bind: c.expiresAt.millis), 0)
                """
            ).run()
        }
    }

    public func mfaChallenge(hash: String) async throws -> MFAChallenge? {
        try await read("mfaChallenge") { db in
            try await db.raw(
                "SELECT tenant_id, user_id, expires_at, failures, consumed_at FROM mfa_challenges WHERE hash = \(bind: hash)"
            ).first().map {
                MFAChallenge(
                    tenantId: try $0.string("tenant_id"), userId: try $0.string("user_id"), expiresAt: try $0.date("expires_at"),
                    failures: try $0.int("failures"), consumedAt: try $0.optionalDate("consumed_at"))
            }
        }
    }

    public func reserveMFAChallenge(hash: String, limit: Int64, at: Date) async throws -> Bool {
        try await write("reserveMFAChallenge") { db in
            try await db.raw(
                """
                UPDATE mfa_challenges SET failures = failures + 1
                WHERE hash = \(bind: hash) AND consumed_at IS NULL AND failures < \(bind: limit) AND expires_at > \(bind: at.millis)
                RETURNING hash
                """
            ).first() != nil
        }
    }

    public func consumeMFAChallenge(hash: String, at: Date) async throws -> Bool {
        try await write("consumeMFAChallenge") { db in
            try await db.raw(
                "UPDATE mfa_challenges SET consumed_at = \(bind: at.millis) WHERE hash = \(bind: hash) AND consumed_at IS NULL RETURNING hash"
            ).first() != nil
        }
    }
}
