import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: OAuthClientStore {
    static let oauthClientColumns = """
        id, tenant_id, name, redirect_uris, post_logout_redirect_uris, grant_types, scopes, auth_method, require_pkce,
        first_party, access_token_ttl, id_token_alg, secret_hash, created_at, updated_at
        """

    static func jsonList(_ list: [String]) -> String {
        (try? JSONEncoder().encode(list)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func list(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    func oauthClient(from row: any SQLRow) throws -> OAuthClient {
        OAuthClient(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), name: try row.string("name"),
            redirectUris: Self.list(try row.string("redirect_uris")),
            postLogoutRedirectUris: Self.list(try row.string("post_logout_redirect_uris")),
            grantTypes: Self.list(try row.string("grant_types")).compactMap(OAuthClient.GrantType.init(rawValue:)),
            scopes: Self.list(try row.string("scopes")),
            tokenEndpointAuthMethod: OAuthClient.AuthMethod(rawValue: try row.string("auth_method")) ?? .clientSecretBasic,
            requirePkce: try row.bool("require_pkce"), firstParty: try row.bool("first_party"),
            accessTokenTTL: try row.optionalInt("access_token_ttl").map { Int($0) },
            idTokenSignedResponseAlg: OAuthClient.IDTokenAlgorithm(rawValue: try row.string("id_token_alg")) ?? .RS256,
            secretHash: try row.optionalString("secret_hash"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    public func insertOAuthClient(_ c: OAuthClient) async throws {
        try await write("insertOAuthClient") { db in
            try await db.raw(
                """
                INSERT INTO oauth_clients (\(unsafeRaw: Self.oauthClientColumns)) VALUES (
                \(bind: c.id), \(bind: c.tenantId), \(bind: c.name), \(bind: Self.jsonList(c.redirectUris)),
                \(bind: Self.jsonList(c.postLogoutRedirectUris)), \(bind: Self.jsonList(c.grantTypes.map(\.rawValue))),
                \(bind: Self.jsonList(c.scopes)), \(bind: c.tokenEndpointAuthMethod.rawValue), \(bind: c.requirePkce.sqlInt),
                \(bind: c.firstParty.sqlInt), \(bind: c.accessTokenTTL.map { Int64($0) }), \(bind: c.idTokenSignedResponseAlg.rawValue),
                \(bind: c.secretHash), \(bind: c.createdAt.millis), \(bind: c.updatedAt.millis))
                """
            ).run()
        }
    }

    public func oauthClient(tenantId: String, id: String) async throws -> OAuthClient? {
        try await read("oauthClient") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.oauthClientColumns) FROM oauth_clients WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).first().map(oauthClient(from:))
        }
    }

    public func oauthClients(tenantId: String, page: PageRequest) async throws -> Page<OAuthClient> {
        let after = try Cursor.decode(page.cursor)
        return try await read("oauthClients") { db in
            let limit = String(page.limit + 1)
            let rows: [any SQLRow]
            if let (millis, id) = after {
                rows = try await db.raw(
                    "SELECT \(unsafeRaw: Self.oauthClientColumns) FROM oauth_clients WHERE tenant_id = \(bind: tenantId) AND (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id))) ORDER BY created_at, id LIMIT \(unsafeRaw: limit)"
                ).all()
            } else {
                rows = try await db.raw(
                    "SELECT \(unsafeRaw: Self.oauthClientColumns) FROM oauth_clients WHERE tenant_id = \(bind: tenantId) ORDER BY created_at, id LIMIT \(unsafeRaw: limit)"
                ).all()
            }
            return Cursor.page(try rows.map(oauthClient(from:)), limit: page.limit) { ($0.createdAt, $0.id) }
        }
    }

    public func updateOAuthClient(_ c: OAuthClient) async throws -> Bool {
        try await write("updateOAuthClient") { db in
            try await db.raw(
                """
                UPDATE oauth_clients SET name = \(bind: c.name), redirect_uris = \(bind: Self.jsonList(c.redirectUris)),
                post_logout_redirect_uris = \(bind: Self.jsonList(c.postLogoutRedirectUris)),
                grant_types = \(bind: Self.jsonList(c.grantTypes.map(\.rawValue))), scopes = \(bind: Self.jsonList(c.scopes)),
                auth_method = \(bind: c.tokenEndpointAuthMethod.rawValue), require_pkce = \(bind: c.requirePkce.sqlInt),
                first_party = \(bind: c.firstParty.sqlInt), access_token_ttl = \(bind: c.accessTokenTTL.map { Int64($0) }),
                id_token_alg = \(bind: c.idTokenSignedResponseAlg.rawValue), secret_hash = \(bind: c.secretHash),
                updated_at = \(bind: c.updatedAt.millis)
                WHERE tenant_id = \(bind: c.tenantId) AND id = \(bind: c.id) RETURNING id
                """
            ).first() != nil
        }
    }

    public func deleteOAuthClient(tenantId: String, id: String) async throws -> Bool {
        try await write("deleteOAuthClient") { db in
            try await db.raw("DELETE FROM oauth_clients WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING id")
                .first() != nil
        }
    }
}

extension SQLStore: RevokedTokenStore {
    public func insertRevokedToken(tenantId: String, jti: String, expiresAt: Date) async throws -> Bool {
        try await write("insertRevokedToken") { db in
            try await db.raw(
                """
                INSERT INTO revoked_tokens (tenant_id, jti, expires_at) VALUES (\(bind: tenantId), \(bind: jti), \(bind: expiresAt.millis))
                ON CONFLICT DO NOTHING RETURNING jti
                """
            ).first() != nil
        }
    }

    public func isTokenRevoked(tenantId: String, jti: String) async throws -> Bool {
        try await read("isTokenRevoked") { db in
            try await db.raw("SELECT jti FROM revoked_tokens WHERE tenant_id = \(bind: tenantId) AND jti = \(bind: jti)").first() != nil
        }
    }

    public func revokedTokens(now: Date, limit: Int) async throws -> [(tenantId: String, jti: String)] {
        try await read("revokedTokens") { db in
            try await db.raw(
                "SELECT tenant_id, jti FROM revoked_tokens WHERE expires_at > \(bind: now.millis) LIMIT \(bind: limit)"
            ).all().map { (try $0.decode(column: "tenant_id", as: String.self), try $0.decode(column: "jti", as: String.self)) }
        }
    }
}
