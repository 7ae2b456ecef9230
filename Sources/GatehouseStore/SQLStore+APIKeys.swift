import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: APIKeyStore {
    func apiKey(from row: any SQLRow) throws -> APIKey {
        APIKey(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), userId: try row.string("user_id"),
            name: try row.string("name"), keyHash: try row.string("key_hash"), createdAt: try row.date("created_at"),
            lastUsedAt: try row.optionalDate("last_used_at"), expiresAt: try row.optionalDate("expires_at"))
    }

    static let apiKeyColumns = "id, tenant_id, user_id, name, key_hash, created_at, last_used_at, expires_at"

    public func insertAPIKey(_ k: APIKey) async throws {
        try await write("insertAPIKey") { db in
            try await db.raw(
                """
                INSERT INTO api_keys (\(unsafeRaw: Self.apiKeyColumns)) VALUES (\(bind: k.id), \(bind: k.tenantId),
                  \(bind: k.userId), \(bind: k.name), \(bind: k.keyHash), \(bind: k.createdAt.millis), \(bind: k.lastUsedAt?.millis),
                  \(bind: k.expiresAt?.millis))
                """
            ).run()
        }
    }

    public func apiKeys(tenantId: String, userId: String) async throws -> [APIKey] {
        try await read("apiKeys") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.apiKeyColumns) FROM api_keys WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) ORDER BY created_at, id"
            ).all().map(apiKey(from:))
        }
    }

    public func apiKey(hash: String) async throws -> APIKey? {
        try await read("apiKeyByHash") { db in
            try await db.raw("SELECT \(unsafeRaw: Self.apiKeyColumns) FROM api_keys WHERE key_hash = \(bind: hash)")
                .first().map(apiKey(from:))
        }
    }

    public func deleteAPIKey(tenantId: String, userId: String, id: String) async throws -> Bool {
        try await write("deleteAPIKey") { db in
            try await db.raw(
                "DELETE FROM api_keys WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND id = \(bind: id) RETURNING id"
            ).first() != nil
        }
    }

    public func revokeAPIKeys(tenantId: String, userId: String) async throws -> Int {
        try await write("revokeAPIKeys") { db in
            try await db.raw(
                "DELETE FROM api_keys WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) RETURNING id"
            ).all().count
        }
    }

    public func recordAPIKeyUse(_ uses: [String: Date]) async throws {
        guard !uses.isEmpty else { return }
        try await transaction("recordAPIKeyUse") { db in
            for (id, at) in uses {
                try await db.raw(
                    "UPDATE api_keys SET last_used_at = \(bind: at.millis) WHERE id = \(bind: id) AND (last_used_at IS NULL OR last_used_at < \(bind: at.millis))"
                ).run()
            }
        }
    }
}
