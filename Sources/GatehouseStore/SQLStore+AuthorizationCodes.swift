import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: AuthorizationCodeStore {
    static let authorizationCodeColumns = """
        code_hash, tenant_id, client_id, user_id, browser_session_id, redirect_uri, code_challenge, scopes, nonce, auth_time,
        amr, created_at, expires_at, used_at, issued_session_id
        """

    public func insertAuthorizationCode(_ c: AuthorizationCode) async throws {
        try await write("insertAuthorizationCode") { db in
            try await db.raw(
                """
                INSERT INTO oauth_codes (\(unsafeRaw: Self.authorizationCodeColumns)) VALUES (
                \(bind: c.hash), \(bind: c.tenantId), \(bind: c.clientId), \(bind: c.userId), \(bind: c.browserSessionId),
                \(bind: c.redirectURI), \(bind: c.codeChallenge), \(bind: Self.jsonList(c.scopes)), \(bind: c.nonce),
                \(bind: c.authTime.millis), \(bind: c.amr.joined(separator: " ")), \(bind: c.createdAt.millis),
                \(bind: c.expiresAt.millis), \(bind: c.usedAt?.millis), \(bind: c.issuedSessionId))
                """
            ).run()
        }
    }

    public func authorizationCode(tenantId: String, hash: String) async throws -> AuthorizationCode? {
        try await read("authorizationCode") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.authorizationCodeColumns) FROM oauth_codes
                WHERE tenant_id = \(bind: tenantId) AND code_hash = \(bind: hash)
                """
            ).first().map { row in
                AuthorizationCode(
                    hash: try row.string("code_hash"), tenantId: try row.string("tenant_id"), clientId: try row.string("client_id"),
                    userId: try row.string("user_id"), browserSessionId: try row.string("browser_session_id"),
                    redirectURI: try row.string("redirect_uri"), codeChallenge: try row.optionalString("code_challenge"),
                    scopes: Self.list(try row.string("scopes")), nonce: try row.optionalString("nonce"),
                    authTime: try row.date("auth_time"), amr: try row.string("amr").split(separator: " ").map(String.init),
                    createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"),
                    usedAt: try row.optionalDate("used_at"), issuedSessionId: try row.optionalString("issued_session_id"))
            }
        }
    }
}

extension SQLStore: ConsentStore {
    public func consentedScopes(tenantId: String, userId: String, clientId: String) async throws -> [String]? {
        try await read("consentedScopes") { db in
            try await db.raw(
                """
                SELECT scopes FROM oauth_consents
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND client_id = \(bind: clientId)
                """
            ).first().map { Self.list(try $0.string("scopes")) }
        }
    }

    public func saveConsent(tenantId: String, userId: String, clientId: String, scopes: [String], at: Date) async throws {
        try await write("saveConsent") { db in
            try await db.raw(
                """
                INSERT INTO oauth_consents (tenant_id, user_id, client_id, scopes, created_at)
                VALUES (\(bind: tenantId), \(bind: userId), \(bind: clientId), \(bind: Self.jsonList(scopes)), \(bind: at.millis))
                ON CONFLICT (tenant_id, user_id, client_id) DO UPDATE SET scopes = excluded.scopes, created_at = excluded.created_at
                """
            ).run()
        }
    }

    public func consents(tenantId: String, userId: String) async throws -> [Consent] {
        try await read("consents") { db in
            try await db.raw(
                """
                SELECT client_id, scopes, created_at FROM oauth_consents
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) ORDER BY created_at, client_id
                """
            ).all().map {
                Consent(clientId: try $0.string("client_id"), scopes: Self.list(try $0.string("scopes")), createdAt: try $0.date("created_at"))
            }
        }
    }

    public func deleteConsent(tenantId: String, userId: String, clientId: String) async throws -> Bool {
        try await write("deleteConsent") { db in
            try await db.raw(
                """
                DELETE FROM oauth_consents WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND client_id = \(bind: clientId)
                RETURNING client_id
                """
            ).first() != nil
        }
    }
}
