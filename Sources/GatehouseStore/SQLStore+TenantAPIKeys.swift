import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: TenantAPIKeyStore {
    static let tenantKeyColumns =
        "id, tenant_id, name, key_hash, business_id, permissions, created_by, created_at, expires_at, last_used_at, test"

    func tenantAPIKey(from row: any SQLRow) throws -> TenantAPIKey {
        TenantAPIKey(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), name: try row.string("name"),
            keyHash: try row.string("key_hash"), businessId: try row.optionalString("business_id"),
            permissions: try row.string("permissions").split(separator: " ").map(String.init), createdBy: try row.string("created_by"),
            createdAt: try row.date("created_at"), expiresAt: try row.optionalDate("expires_at"),
            lastUsedAt: try row.optionalDate("last_used_at"), test: try row.bool("test"))
    }

    public func insertTenantAPIKey(_ k: TenantAPIKey) async throws {
        try await write("insertTenantAPIKey") { db in
            try await db.raw(
                """
                INSERT INTO tenant_api_keys (\(unsafeRaw: Self.tenantKeyColumns))
                VALUES (\(bind: k.id), \(bind: k.tenantId), \(bind: k.name), \(bind: k.keyHash), \(bind: k.businessId),
                  \(bind: k.permissions.joined(separator: " ")), \(bind: k.createdBy), \(bind: k.createdAt.millis),
                  \(bind: k.expiresAt?.millis), NULL, \(bind: k.test ? 1 : 0))
                """
            ).run()
        }
    }

    public func tenantAPIKey(hash: String) async throws -> TenantAPIKey? {
        try await read("tenantAPIKey") { db in
            try await db.raw("SELECT \(unsafeRaw: Self.tenantKeyColumns) FROM tenant_api_keys WHERE key_hash = \(bind: hash)")
                .first().map(tenantAPIKey(from:))
        }
    }

    public func tenantAPIKeys(tenantId: String, page: PageRequest) async throws -> Page<TenantAPIKey> {
        let after = try Cursor.decode(page.cursor)
        return try await read("tenantAPIKeys") { db in
            let (millis, id) = after ?? (Int64.min, "")
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.tenantKeyColumns) FROM tenant_api_keys WHERE tenant_id = \(bind: tenantId)
                AND (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id)))
                ORDER BY created_at, id LIMIT \(unsafeRaw: String(page.limit + 1))
                """
            ).all()
            return Cursor.page(try rows.map(tenantAPIKey(from:)), limit: page.limit) { ($0.createdAt, $0.id) }
        }
    }

    public func deleteTenantAPIKey(tenantId: String, id: String) async throws -> Bool {
        try await write("deleteTenantAPIKey") { db in
            try await db.raw("DELETE FROM tenant_api_keys WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING id").first() != nil
        }
    }

    public func recordTenantAPIKeyUse(_ uses: [String: Date]) async throws {
        guard !uses.isEmpty else { return }
        try await transaction("recordTenantAPIKeyUse") { db in
            for (id, at) in uses {
                try await db.raw(
                    "UPDATE tenant_api_keys SET last_used_at = \(bind: at.millis) WHERE id = \(bind: id) AND (last_used_at IS NULL OR last_used_at < \(bind: at.millis))"
                ).run()
            }
        }
    }
}
