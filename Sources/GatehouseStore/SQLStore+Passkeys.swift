import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: WebAuthnStore {
    static let passkeyColumns = """
        id, tenant_id, user_id, credential_id, name, public_key, algorithm, sign_count, aaguid, transports,
        backup_eligible, backed_up, attestation_format, attestation_type, clone_warning, is_active, created_at,
        last_used_at
        """

    func passkey(from row: any SQLRow) throws -> Passkey {
        Passkey(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), userId: try row.string("user_id"),
            credentialId: try row.string("credential_id"), name: try row.string("name"),
            publicKeyCBOR: Base64URL.decode(try row.string("public_key")) ?? [], algorithm: try row.int("algorithm"),
            signCount: UInt32(clamping: try row.int("sign_count")), aaguid: try row.string("aaguid"),
            transports: try row.string("transports").split(separator: ",").map(String.init),
            backupEligible: try row.bool("backup_eligible"), backedUp: try row.bool("backed_up"),
            attestationFormat: try row.string("attestation_format"), attestationType: try row.string("attestation_type"),
            cloneWarning: try row.bool("clone_warning"), isActive: try row.bool("is_active"),
            createdAt: try row.date("created_at"), lastUsedAt: try row.optionalDate("last_used_at"))
    }

    public func insertWebAuthnChallenge(_ c: WebAuthnChallenge) async throws {
        try await write("insertWebAuthnChallenge") { db in
            try await db.raw(
                """
                INSERT INTO webauthn_challenges (id, tenant_id, purpose, challenge, user_id, bound_session_id, name, expires_at)
                VALUES (\(bind: c.id), \(bind: c.tenantId), 'register', \(bind: c.challenge), \(bind: c.userId),
                  \(bind: c.boundSessionId), \(bind: c.name), \(bind: c.expiresAt.millis))
                """
            ).run()
        }
    }

    public func consumeWebAuthnChallenge(id: String, tenantId: String, at: Date) async throws -> WebAuthnChallenge? {
        try await write("consumeWebAuthnChallenge") { db in
            guard
                let row = try await db.raw(
                    """
                    UPDATE webauthn_challenges SET consumed_at = \(bind: at.millis)
                    WHERE id = \(bind: id) AND tenant_id = \(bind: tenantId) AND purpose = 'register' AND consumed_at IS NULL
                    RETURNING id, challenge, user_id, bound_session_id, name, expires_at
                    """
                ).first(),
                let userId = try row.optionalString("user_id"), let sessionId = try row.optionalString("bound_session_id")
            else { return nil }
            return WebAuthnChallenge(
                id: try row.string("id"), tenantId: tenantId, challenge: try row.string("challenge"), userId: userId,
                boundSessionId: sessionId, name: try row.optionalString("name") ?? "Passkey",
                expiresAt: try row.date("expires_at"))
        }
    }

    public func insertPasskey(_ p: Passkey) async throws -> Bool {
        try await write("insertPasskey") { db in
            try await db.raw(
                """
                INSERT INTO passkeys (\(unsafeRaw: Self.passkeyColumns)) VALUES (
                  \(bind: p.id), \(bind: p.tenantId), \(bind: p.userId), \(bind: p.credentialId), \(bind: p.name),
                  \(bind: Base64URL.encode(p.publicKeyCBOR)), \(bind: p.algorithm), \(bind: Int64(p.signCount)),
                  \(bind: p.aaguid), \(bind: p.transports.joined(separator: ",")), \(bind: p.backupEligible.sqlInt),
                  \(bind: p.backedUp.sqlInt), \(bind: p.attestationFormat), \(bind: p.attestationType),
                  \(bind: p.cloneWarning.sqlInt), \(bind: p.isActive.sqlInt), \(bind: p.createdAt.millis),
                  \(bind: p.lastUsedAt?.millis))
                ON CONFLICT DO NOTHING RETURNING id
                """
            ).first() != nil
        }
    }

    public func passkey(tenantId: String, credentialId: String) async throws -> Passkey? {
        try await read("passkey") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.passkeyColumns) FROM passkeys
                WHERE tenant_id = \(bind: tenantId) AND credential_id = \(bind: credentialId)
                """
            ).first().map(passkey(from:))
        }
    }

    public func passkeys(tenantId: String, userId: String) async throws -> [Passkey] {
        try await read("passkeys") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.passkeyColumns) FROM passkeys
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) ORDER BY created_at, id
                """
            ).all().map(passkey(from:))
        }
    }

    public func challengeSpent(key: String) async throws -> Bool {
        try await read("challengeSpent") { db in
            try await db.raw("SELECT key FROM spent_challenges WHERE key = \(bind: key)").first() != nil
        }
    }

    public func markPasskeyCloned(tenantId: String, id: String) async throws {
        try await write("markPasskeyCloned") { db in
            try await db.raw(
                "UPDATE passkeys SET clone_warning = 1 WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).run()
        }
    }

    public func renamePasskey(tenantId: String, userId: String, id: String, name: String) async throws -> Bool {
        try await write("renamePasskey") { db in
            try await db.raw(
                """
                UPDATE passkeys SET name = \(bind: name)
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND id = \(bind: id) RETURNING id
                """
            ).first() != nil
        }
    }

    public func deletePasskey(tenantId: String, userId: String, id: String) async throws -> Bool {
        try await write("deletePasskey") { db in
            try await db.raw(
                """
                DELETE FROM passkeys WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND id = \(bind: id)
                RETURNING id
                """
            ).first() != nil
        }
    }

    public func passkeyPrompt(tenantId: String, userId: String) async throws -> PasskeyPromptStatus? {
        try await read("passkeyPrompt") { db in
            try await db.raw(
                "SELECT passkey_prompt FROM users WHERE tenant_id = \(bind: tenantId) AND id = \(bind: userId)"
            ).first()?.optionalString("passkey_prompt").flatMap(PasskeyPromptStatus.init(rawValue:))
        }
    }

    public func setPasskeyPrompt(tenantId: String, userId: String, status: PasskeyPromptStatus) async throws {
        try await write("setPasskeyPrompt") { db in
            try await db.raw(
                "UPDATE users SET passkey_prompt = \(bind: status.rawValue) WHERE tenant_id = \(bind: tenantId) AND id = \(bind: userId)"
            ).run()
        }
    }
}
