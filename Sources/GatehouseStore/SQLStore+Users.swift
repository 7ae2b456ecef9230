import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: UserStore {
    static let userColumns = """
        number, id, tenant_id, email, username, external_issuer, external_subject, is_super_admin, mfa_enabled,
        status, attributes, created_at, updated_at
        """

    func user(from row: any SQLRow) throws -> User {
        User(
            id: try row.string("id"), number: try row.int("number"), tenantId: try row.string("tenant_id"),
            email: try row.optionalString("email"), username: try row.optionalString("username"),
            externalIssuer: try row.optionalString("external_issuer"),
            externalSubject: try row.optionalString("external_subject"), isSuperAdmin: try row.bool("is_super_admin"),
            mfaEnabled: try row.bool("mfa_enabled"),
            status: UserStatus(rawValue: try row.string("status")) ?? .disabled,
            attributes: try row.optionalString("attributes"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    private func insertUserSQL(_ u: User, emailNormalized: String?) -> SQLQueryString {
        """
        INSERT INTO users (id, tenant_id, email, email_normalized, username, username_normalized, external_issuer,
          external_subject, is_super_admin, mfa_enabled, status, attributes, created_at, updated_at)
        VALUES (\(bind: u.id), \(bind: u.tenantId), \(bind: u.email), \(bind: emailNormalized), \(bind: u.username),
          \(bind: u.username?.lowercased()), \(bind: u.externalIssuer), \(bind: u.externalSubject),
          \(bind: u.isSuperAdmin.sqlInt), \(bind: u.mfaEnabled.sqlInt), \(bind: u.status.rawValue),
          \(bind: u.attributes), \(bind: u.createdAt.millis), \(bind: u.updatedAt.millis))
        ON CONFLICT DO NOTHING RETURNING \(unsafeRaw: Self.userColumns)
        """
    }

    public func findOrCreateExternalUser(_ candidate: User) async throws -> User {
        guard let issuer = candidate.externalIssuer, let subject = candidate.externalSubject else {
            throw GatehouseError(.internalError, "external user needs issuer and subject")
        }
        let select: SQLQueryString = """
            SELECT \(unsafeRaw: Self.userColumns) FROM users
            WHERE tenant_id = \(bind: candidate.tenantId) AND external_issuer = \(bind: issuer)
              AND external_subject = \(bind: subject)
            """
        if let existing = try await read("findExternalUser", { db in try await db.raw(select).first().map(user(from:)) }) {
            return existing
        }
        // The email of an external identity is not trusted to be unique or verified, so it is not
        // normalised into the unique column local accounts use.
        return try await write("createExternalUser") { db in
            if let inserted = try await db.raw(insertUserSQL(candidate, emailNormalized: nil)).first() {
                return try user(from: inserted)
            }
            guard let row = try await db.raw(select).first() else {
                throw GatehouseError(.conflict, "user could not be created")
            }
            return try user(from: row)
        }
    }

    public func insertUser(_ u: User) async throws -> User {
        try await write("insertUser") { db in
            guard let row = try await db.raw(insertUserSQL(u, emailNormalized: nil)).first() else {
                throw GatehouseError(.conflict, "a user with this email or username exists")
            }
            return try user(from: row)
        }
    }

    public func user(tenantId: String, id: String) async throws -> User? {
        try await read("userById") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).first().map(user(from:))
        }
    }

    public func user(tenantId: String, username: String) async throws -> User? {
        try await read("userByUsername") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE tenant_id = \(bind: tenantId) AND username_normalized = \(bind: username.lowercased())"
            ).first().map(user(from:))
        }
    }

    public func users(tenantId: String, page: PageRequest) async throws -> Page<User> {
        let after = try Cursor.decode(page.cursor)
        return try await read("users") { db in
            let (millis, id) = after ?? (Int64.min, "")
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE tenant_id = \(bind: tenantId)
                AND (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id)))
                ORDER BY created_at, id LIMIT \(unsafeRaw: String(page.limit + 1))
                """
            ).all()
            return Cursor.page(try rows.map(user(from:)), limit: page.limit) { ($0.createdAt, $0.id) }
        }
    }
}
