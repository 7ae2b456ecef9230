import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: SettingsStore, TenantStore, HealthStore {
    public func setting(_ key: String) async throws -> String? {
        try await read("setting") { db in
            try await db.raw("SELECT value FROM settings WHERE key = \(bind: key)").first()?.string("value")
        }
    }

    public func insertSettingIfAbsent(_ key: String, value: String) async throws -> String {
        try await transaction("insertSetting") { db in
            try await db.raw("INSERT INTO settings (key, value) VALUES (\(bind: key), \(bind: value)) ON CONFLICT DO NOTHING")
                .run()
            return try await db.raw("SELECT value FROM settings WHERE key = \(bind: key)").first()?.string("value") ?? value
        }
    }

    static let tenantColumns = """
        id, project_name, acronym, project_description, project_website, project_email, project_image_url,
        project_api_key, testnet_project_api_key, api_private_key_hash, stripe_api_key_sealed,
        stripe_webhook_secret_sealed, stripe_publishable_key, login_token, allow_unauthenticated, firebase_tenant_id,
        default_wallet_management_type, is_default, created_at, updated_at, require_mfa, webauthn, infura_api_key,
        polyscan_api_key, cors_origins
        """

    func tenant(from row: any SQLRow) throws -> Tenant {
        var t = Tenant(
            id: try row.string("id"), projectName: try row.string("project_name"), acronym: try row.string("acronym"),
            projectApiKey: try row.string("project_api_key"),
            testnetProjectApiKey: try row.string("testnet_project_api_key"),
            allowJWTForUnauthenticatedUsers: try row.bool("allow_unauthenticated"),
            defaultWalletManagementType: try row.string("default_wallet_management_type"),
            isDefault: try row.bool("is_default"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
        t.projectDescription = try row.optionalString("project_description")
        t.projectWebsite = try row.optionalString("project_website")
        t.projectEmail = try row.optionalString("project_email")
        t.projectImageUrl = try row.optionalString("project_image_url")
        t.apiPrivateKeyHash = try row.optionalString("api_private_key_hash")
        t.stripeApiKeySealed = try row.optionalString("stripe_api_key_sealed")
        t.stripeWebhookSecretSealed = try row.optionalString("stripe_webhook_secret_sealed")
        t.stripePublishableKey = try row.optionalString("stripe_publishable_key")
        t.loginToken = try row.optionalString("login_token")
        t.firebaseTenantId = try row.optionalString("firebase_tenant_id")
        t.infuraApiKey = try row.optionalString("infura_api_key")
        t.polyScanApiKey = try row.optionalString("polyscan_api_key")
        t.requireMfa = try row.bool("require_mfa")
        t.webauthn = try row.optionalString("webauthn").flatMap {
            try? JSONDecoder().decode(WebAuthnSettings.self, from: Data($0.utf8))
        }
        t.corsOrigins = try Self.decodeOrigins(row.optionalString("cors_origins"))
        return t
    }

    private func insertTenantSQL(_ t: Tenant, ifAbsent: Bool) -> SQLQueryString {
        let tail: SQLQueryString = ifAbsent ? " ON CONFLICT DO NOTHING RETURNING id" : ""
        return """
            INSERT INTO tenants (\(unsafeRaw: Self.tenantColumns)) VALUES (
            \(bind: t.id), \(bind: t.projectName), \(bind: t.acronym), \(bind: t.projectDescription),
            \(bind: t.projectWebsite), \(bind: t.projectEmail), \(bind: t.projectImageUrl), \(bind: t.projectApiKey),
            \(bind: t.testnetProjectApiKey), \(bind: t.apiPrivateKeyHash), \(bind: t.stripeApiKeySealed),
            \(bind: t.stripeWebhookSecretSealed), \(bind: t.stripePublishableKey), \(bind: t.loginToken),
            \(bind: t.allowJWTForUnauthenticatedUsers.sqlInt), \(bind: t.firebaseTenantId),
            \(bind: t.defaultWalletManagementType), \(bind: t.isDefault.sqlInt), \(bind: t.createdAt.millis),
            \(bind: t.updatedAt.millis), \(bind: t.requireMfa.sqlInt), \(bind: Self.encode(t.webauthn)),
            \(bind: t.infuraApiKey), \(bind: t.polyScanApiKey), \(bind: Self.encodeOrigins(t.corsOrigins)))
            """ + tail
    }

    static func encode(_ settings: WebAuthnSettings?) -> String? {
        settings.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// A JSON array, or NULL for none (so the preflight query skips tenants without origins).
    static func encodeOrigins(_ origins: [String]) -> String? {
        origins.isEmpty ? nil : (try? JSONEncoder().encode(origins)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func decodeOrigins(_ text: String?) -> [String] {
        text.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }

    public func tenantCORSOrigins() async throws -> [String] {
        try await read("tenantCORSOrigins") { db in
            try await db.raw("SELECT cors_origins FROM tenants WHERE cors_origins IS NOT NULL").all()
                .flatMap { Self.decodeOrigins(try $0.optionalString("cors_origins")) }
        }
    }

    public func insertTenant(_ tenant: Tenant) async throws {
        try await write("insertTenant") { db in try await db.raw(insertTenantSQL(tenant, ifAbsent: false)).run() }
    }

    public func insertTenantIfAbsent(_ tenant: Tenant) async throws -> Bool {
        try await write("insertTenantIfAbsent") { db in
            try await db.raw(insertTenantSQL(tenant, ifAbsent: true)).first() != nil
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await read("tenantById") { db in
            try await db.raw("SELECT \(unsafeRaw: Self.tenantColumns) FROM tenants WHERE id = \(bind: id)").first()
                .map(tenant(from:))
        }
    }

    public func tenant(projectKey: String) async throws -> Tenant? {
        try await read("tenantByProjectKey") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.tenantColumns) FROM tenants WHERE project_api_key = \(bind: projectKey) OR testnet_project_api_key = \(bind: projectKey)"
            ).first().map(tenant(from:))
        }
    }

    public func defaultTenant() async throws -> Tenant? {
        try await read("defaultTenant") { db in
            try await db.raw("SELECT \(unsafeRaw: Self.tenantColumns) FROM tenants WHERE is_default = 1").first()
                .map(tenant(from:))
        }
    }

    public func updateTenant(_ t: Tenant) async throws {
        try await write("updateTenant") { db in
            try await db.raw(
                """
                UPDATE tenants SET project_name = \(bind: t.projectName), acronym = \(bind: t.acronym),
                project_description = \(bind: t.projectDescription), project_website = \(bind: t.projectWebsite),
                project_email = \(bind: t.projectEmail), project_image_url = \(bind: t.projectImageUrl),
                stripe_api_key_sealed = \(bind: t.stripeApiKeySealed),
                stripe_webhook_secret_sealed = \(bind: t.stripeWebhookSecretSealed),
                stripe_publishable_key = \(bind: t.stripePublishableKey), login_token = \(bind: t.loginToken),
                allow_unauthenticated = \(bind: t.allowJWTForUnauthenticatedUsers.sqlInt),
                firebase_tenant_id = \(bind: t.firebaseTenantId), infura_api_key = \(bind: t.infuraApiKey),
                polyscan_api_key = \(bind: t.polyScanApiKey),
                default_wallet_management_type = \(bind: t.defaultWalletManagementType),
                require_mfa = \(bind: t.requireMfa.sqlInt), webauthn = \(bind: Self.encode(t.webauthn)),
                cors_origins = \(bind: Self.encodeOrigins(t.corsOrigins)),
                updated_at = \(bind: t.updatedAt.millis)
                WHERE id = \(bind: t.id)
                """
            ).run()
        }
    }

    public func tenants(page: PageRequest) async throws -> Page<Tenant> {
        let after = try Cursor.decode(page.cursor)
        return try await read("tenants") { db in
            let rows: [any SQLRow]
            if let (millis, id) = after {
                rows = try await db.raw(
                    "SELECT \(unsafeRaw: Self.tenantColumns) FROM tenants WHERE (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id))) ORDER BY created_at, id LIMIT \(unsafeRaw: String(page.limit + 1))"
                ).all()
            } else {
                rows = try await db.raw(
                    "SELECT \(unsafeRaw: Self.tenantColumns) FROM tenants ORDER BY created_at, id LIMIT \(unsafeRaw: String(page.limit + 1))"
                ).all()
            }
            return Cursor.page(try rows.map(tenant(from:)), limit: page.limit) { ($0.createdAt, $0.id) }
        }
    }

    public func isReady() async -> Bool {
        do {
            let versions = try await database.read { db in
                try await db.raw("SELECT MAX(version) AS v FROM schema_migrations").first()?.optionalInt("v")
            }
            return versions == Migrator.latestVersion
        } catch {
            return false
        }
    }
}
