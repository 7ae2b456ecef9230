import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: UserStore {
    static let userColumns = """
        number, id, tenant_id, email, username, external_issuer, external_subject, is_super_admin, mfa_enabled,
        status, attributes, department, employee, created_at, updated_at
        """

    func user(from row: any SQLRow) throws -> User {
        var u = User(
            id: try row.string("id"), number: try row.int("number"), tenantId: try row.string("tenant_id"),
            email: try row.optionalString("email"), username: try row.optionalString("username"),
            externalIssuer: try row.optionalString("external_issuer"),
            externalSubject: try row.optionalString("external_subject"), isSuperAdmin: try row.bool("is_super_admin"),
            mfaEnabled: try row.bool("mfa_enabled"),
            status: UserStatus(rawValue: try row.string("status")) ?? .disabled,
            attributes: try row.optionalString("attributes"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
        u.department = try row.optionalString("department").flatMap { try? JSONDecoder().decode(Department.self, from: Data($0.utf8)) }
        u.employee = try row.optionalString("employee").flatMap { try? JSONDecoder().decode(Employee.self, from: Data($0.utf8)) }
        return u
    }

    static func json(_ value: (some Encodable)?) -> String? {
        value.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    private func insertUserSQL(_ u: User, emailNormalized: String?, passwordHash: String? = nil) -> SQLQueryString {
        """
        INSERT INTO users (id, tenant_id, email, email_normalized, username, username_normalized, password_hash,
          external_issuer, external_subject, is_super_admin, mfa_enabled, status, attributes, department, employee,
          created_at, updated_at)
        VALUES (\(bind: u.id), \(bind: u.tenantId), \(bind: u.email), \(bind: emailNormalized), \(bind: u.username),
          \(bind: u.username.map(Identifiers.normalizedUsername)), \(bind: passwordHash), \(bind: u.externalIssuer),
          \(bind: u.externalSubject), \(bind: u.isSuperAdmin.sqlInt), \(bind: u.mfaEnabled.sqlInt),
          \(bind: u.status.rawValue), \(bind: u.attributes), \(bind: Self.json(u.department)), \(bind: Self.json(u.employee)),
          \(bind: u.createdAt.millis), \(bind: u.updatedAt.millis))
        ON CONFLICT DO NOTHING RETURNING \(unsafeRaw: Self.userColumns)
        """
    }

    public func insertLocalUser(_ u: User, passwordHash: String?) async throws -> User {
        try await write("insertLocalUser") { db in
            guard
                let row = try await db.raw(
                    insertUserSQL(u, emailNormalized: u.email.map(Identifiers.normalizedEmail), passwordHash: passwordHash)
                ).first()
            else { throw GatehouseError(.conflict, "a user with this email or username exists") }
            return try user(from: row)
        }
    }

    public func credentials(tenantId: String, login: String) async throws -> (User, String?)? {
        let username = Identifiers.normalizedUsername(login)
        let email = Identifiers.normalizedEmail(login)
        return try await read("credentials") { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.userColumns), password_hash FROM users WHERE tenant_id = \(bind: tenantId)
                    AND (username_normalized = \(bind: username) OR email_normalized = \(bind: email))
                    ORDER BY CASE WHEN username_normalized = \(bind: username) THEN 0 ELSE 1 END, number LIMIT 1
                    """
                ).first()
            else { return nil }
            return (try user(from: row), try row.optionalString("password_hash"))
        }
    }

    public func setPasswordHash(tenantId: String, userId: String, hash: String) async throws {
        try await write("setPasswordHash") { db in
            try await db.raw(
                "UPDATE users SET password_hash = \(bind: hash) WHERE tenant_id = \(bind: tenantId) AND id = \(bind: userId)"
            ).run()
        }
    }

    public func updateUser(_ u: User) async throws {
        let updated = try await write("updateUser") { db in
            // A taken email or username fails the unique index: answered as a conflict, not a 503.
            let taken = try await db.raw(
                """
                SELECT id FROM users WHERE tenant_id = \(bind: u.tenantId) AND id <> \(bind: u.id)
                AND (email_normalized = \(bind: u.email.map(Identifiers.normalizedEmail)) OR username_normalized = \(bind: u.username.map(Identifiers.normalizedUsername)))
                LIMIT 1
                """
            ).first()
            if taken != nil { return false }
            try await db.raw(
                """
                UPDATE users SET email = \(bind: u.email), email_normalized = CASE WHEN external_issuer IS NULL THEN \(bind: u.email.map(Identifiers.normalizedEmail)) ELSE NULL END,
                  username = \(bind: u.username), username_normalized = \(bind: u.username.map(Identifiers.normalizedUsername)),
                  is_super_admin = \(bind: u.isSuperAdmin.sqlInt), mfa_enabled = \(bind: u.mfaEnabled.sqlInt),
                  status = \(bind: u.status.rawValue), department = \(bind: Self.json(u.department)),
                  employee = \(bind: Self.json(u.employee)), updated_at = \(bind: u.updatedAt.millis)
                WHERE tenant_id = \(bind: u.tenantId) AND id = \(bind: u.id)
                """
            ).run()
            return true
        }
        guard updated else { throw GatehouseError(.conflict, "a user with this email or username exists") }
    }

    public func deleteUser(tenantId: String, id: String, at: Date) async throws -> Bool {
        try await transaction("deleteUser") { db in
            try await db.raw(
                "UPDATE sessions SET revoked_at = \(bind: at.millis), revoked_reason = 'user_deleted' WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: id) AND revoked_at IS NULL"
            ).run()
            try await db.raw("DELETE FROM memberships WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: id)").run()
            try await db.raw("DELETE FROM tenant_admins WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: id)").run()
            try await db.raw("DELETE FROM user_roles WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: id)").run()
            try await db.raw("DELETE FROM api_keys WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: id)").run()
            return try await db.raw(
                "DELETE FROM users WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING id"
            ).first() != nil
        }
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

    public func user(tenantId: String, number: Int64) async throws -> User? {
        try await read("userByNumber") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE tenant_id = \(bind: tenantId) AND number = \(bind: number)"
            ).first().map(user(from:))
        }
    }

    public func user(tenantId: String, username: String) async throws -> User? {
        try await read("userByUsername") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE tenant_id = \(bind: tenantId) AND username_normalized = \(bind: Identifiers.normalizedUsername(username))"
            ).first().map(user(from:))
        }
    }

    public func users(tenantId: String, page: PageRequest, email: String?) async throws -> Page<User> {
        let after = try Cursor.decode(page.cursor)
        let emailFilter: SQLQueryString =
            email.map { "AND lower(email) = \(bind: Identifiers.normalizedEmail($0))" } ?? ""
        return try await read("users") { db in
            let (millis, id) = after ?? (Int64.min, "")
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE tenant_id = \(bind: tenantId) \(emailFilter)
                AND (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id)))
                ORDER BY created_at, id LIMIT \(unsafeRaw: String(page.limit + 1))
                """
            ).all()
            return Cursor.page(try rows.map(user(from:)), limit: page.limit) { ($0.createdAt, $0.id) }
        }
    }
}
