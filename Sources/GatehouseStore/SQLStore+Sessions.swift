import Foundation
import GatehouseCore
import SQLKit


extension SQLStore: SessionStore {
    static let sessionColumns = """
        s.id AS s_id, s.tenant_id AS s_tenant_id, s.user_id AS s_user_id, s.subject AS s_subject, s.level AS s_level,
        s.business_id AS s_business_id, s.role AS s_role, s.amr AS s_amr, s.scope AS s_scope,
        s.created_at AS s_created_at, s.auth_time AS s_auth_time, s.expires_at AS s_expires_at, s.revoked_at AS s_revoked_at,
        s.revoked_reason AS s_revoked_reason, s.client_id AS s_client_id
        """

    func session(from row: any SQLRow) throws -> Session {
        Session(
            id: try row.string("s_id"), tenantId: try row.string("s_tenant_id"), userId: try row.optionalString("s_user_id"),
            subject: try row.string("s_subject"), level: AuthLevel(rawValue: try row.string("s_level")) ?? .user,
            businessId: try row.optionalString("s_business_id"), role: try row.optionalString("s_role"),
            amr: try row.string("s_amr").split(separator: " ").map(String.init), scope: try row.optionalString("s_scope"),
            createdAt: try row.date("s_created_at"), authTime: try row.optionalDate("s_auth_time"),
            expiresAt: try row.date("s_expires_at"),
            revokedAt: try row.optionalDate("s_revoked_at"), revokedReason: try row.optionalString("s_revoked_reason"),
            clientId: try row.optionalString("s_client_id"))
    }

    func refresh(from row: any SQLRow) throws -> RefreshTokenRecord {
        RefreshTokenRecord(
            hash: try row.string("hash"), tenantId: try row.string("tenant_id"), sessionId: try row.string("session_id"),
            createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"),
            usedAt: try row.optionalDate("used_at"), successorHash: try row.optionalString("successor_hash"),
            successorSealed: try row.optionalString("successor_sealed"), accessHash: try row.optionalString("access_hash"),
            spentBy: try row.optionalString("spent_by"))
    }

    private func insertRefreshSQL(_ r: RefreshTokenRecord) -> SQLQueryString {
        """
        INSERT INTO refresh_tokens (hash, tenant_id, session_id, created_at, expires_at, access_hash)
        VALUES (\(bind: r.hash), \(bind: r.tenantId), \(bind: r.sessionId), \(bind: r.createdAt.millis), \(bind: r.expiresAt.millis),
          \(bind: r.accessHash))
        """
    }

    public func insertSession(
        _ s: Session, firstRefreshToken: RefreshTokenRecord?, event: EventDraft?, preconditions: [SessionPrecondition]
    ) async throws {
        try await retryingAuditChainRaces {
            try await transaction("insertSession") { db in
                for precondition in preconditions { try await check(precondition, sessionId: s.id, on: db) }
                try await db.raw(
                    """
                    INSERT INTO sessions (id, tenant_id, user_id, subject, level, business_id, role, amr, scope, created_at, auth_time,
                      expires_at, client_id)
                    VALUES (\(bind: s.id), \(bind: s.tenantId), \(bind: s.userId), \(bind: s.subject), \(bind: s.level.rawValue),
                      \(bind: s.businessId), \(bind: s.role), \(bind: s.amr.joined(separator: " ")), \(bind: s.scope),
                      \(bind: s.createdAt.millis), \(bind: s.authTime.millis), \(bind: s.expiresAt.millis), \(bind: s.clientId))
                    """
                ).run()
                if let r = firstRefreshToken { try await db.raw(insertRefreshSQL(r)).run() }
                if let event, try await append(event, tenantId: s.tenantId, on: db) == nil { throw AuditChainRace() }
            }
        }
    }

    private func check(_ precondition: SessionPrecondition, sessionId: String, on db: any SQLDatabase) async throws {
        switch precondition {
        case .passkeyCounter(let tenantId, let passkeyId, let from, let to, let backedUp, let at):
            let moved = try await db.raw(
                """
                UPDATE passkeys SET sign_count = \(bind: Int64(to)), backed_up = \(bind: backedUp.sqlInt),
                  last_used_at = \(bind: at.millis)
                WHERE tenant_id = \(bind: tenantId) AND id = \(bind: passkeyId) AND sign_count = \(bind: Int64(from))
                  AND clone_warning = 0 AND is_active = 1
                RETURNING id
                """
            ).first()
            if moved == nil { throw SessionPreconditionFailed() }
        case .spendChallenge(let key, let expiresAt):
            let spent = try await db.raw(
                """
                INSERT INTO spent_challenges (key, expires_at) VALUES (\(bind: key), \(bind: expiresAt.millis))
                ON CONFLICT DO NOTHING RETURNING key
                """
            ).first()
            if spent == nil { throw SessionPreconditionFailed() }
        case .spendAuthorizationCode(let tenantId, let hash, let at):
            let spent = try await db.raw(
                """
                UPDATE oauth_codes SET used_at = \(bind: at.millis), issued_session_id = \(bind: sessionId)
                WHERE tenant_id = \(bind: tenantId) AND code_hash = \(bind: hash) AND used_at IS NULL RETURNING code_hash
                """
            ).first()
            if spent == nil { throw SessionPreconditionFailed() }
        }
    }

    public func session(tenantId: String, id: String) async throws -> Session? {
        try await read("session") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.sessionColumns) FROM sessions s WHERE s.tenant_id = \(bind: tenantId) AND s.id = \(bind: id)"
            ).first().map(session(from:))
        }
    }

    public func sessionState(tenantId: String, id: String) async throws -> SessionState? {
        try await read("sessionState") { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT s.revoked_at AS revoked_at, s.user_id AS user_id, u.email AS email, u.status AS status,
                      COALESCE(s.auth_time, s.created_at) AS auth_time
                    FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.tenant_id = \(bind: tenantId) AND s.id = \(bind: id)
                    """
                ).first()
            else { return nil }
            return SessionState(
                sessionId: id, userId: try row.optionalString("user_id"), revokedAt: try row.optionalDate("revoked_at"),
                userEmail: try row.optionalString("email"),
                userStatus: try row.optionalString("status").flatMap(UserStatus.init(rawValue:)),
                authTime: try row.date("auth_time"))
        }
    }

    public func revokeSession(tenantId: String, id: String, at: Date, reason: String) async throws -> Bool {
        try await write("revokeSession") { db in
            try await db.raw(
                "UPDATE sessions SET revoked_at = \(bind: at.millis), revoked_reason = \(bind: reason) WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) AND revoked_at IS NULL RETURNING id"
            ).first() != nil
        }
    }

    public func revokeClientSessions(tenantId: String, clientId: String, userId: String?, at: Date, reason: String) async throws -> Int {
        let forUser: SQLQueryString = userId.map { " AND user_id = \(bind: $0)" } ?? ""
        return try await write("revokeClientSessions") { db in
            try await db.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: at.millis), revoked_reason = \(bind: reason)
                WHERE tenant_id = \(bind: tenantId) AND client_id = \(bind: clientId) AND revoked_at IS NULL\(forUser) RETURNING id
                """
            ).all().count
        }
    }

    public func revokeSessions(tenantId: String, userId: String, _ filter: SessionFilter, at: Date, reason: String) async throws -> Int {
        let condition: SQLQueryString
        switch filter {
        case .all: condition = ""
        case .business(let id): condition = " AND business_id = \(bind: id)"
        case .level(let level): condition = " AND level = \(bind: level.rawValue)"
        }
        return try await write("revokeSessions") { db in
            try await db.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: at.millis), revoked_reason = \(bind: reason)
                WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) AND revoked_at IS NULL\(condition) RETURNING id
                """
            ).all().count
        }
    }

    /// Whether a session's rights still hold, read on `db` (inside the refresh's transaction).
    private func rightsHold(_ r: SessionRights, on db: any SQLDatabase) async throws -> Bool {
        guard let userId = r.userId else { return true }
        guard
            let row = try await db.raw(
                """
                SELECT u.status AS status,
                  (SELECT m.role FROM memberships m WHERE m.tenant_id = \(bind: r.tenantId) AND m.business_id = \(bind: r.businessId)
                    AND m.user_id = \(bind: userId)) AS role,
                  (SELECT COUNT(*) FROM tenant_admins a WHERE a.tenant_id = \(bind: r.tenantId) AND a.user_id = \(bind: userId)) AS admin
                FROM users u WHERE u.tenant_id = \(bind: r.tenantId) AND u.id = \(bind: userId)
                """
            ).first()
        else { return false }
        guard try row.string("status") != UserStatus.disabled.rawValue else { return false }
        if r.businessId != nil, try row.optionalString("role") != r.role { return false }
        if r.tenantAdmin, try row.int("admin") == 0 { return false }
        return true
    }

    public func activeSessions(tenantId: String, userId: String, now: Date) async throws -> [Session] {
        try await read("activeSessions") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.sessionColumns) FROM sessions s WHERE s.tenant_id = \(bind: tenantId)
                AND s.user_id = \(bind: userId) AND s.revoked_at IS NULL AND s.expires_at > \(bind: now.millis)
                ORDER BY s.created_at DESC LIMIT 200
                """
            ).all().map(session(from:))
        }
    }

    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        try await read("refreshToken") { db in
            try await db.raw(
                "SELECT hash, tenant_id, session_id, created_at, expires_at, used_at, successor_hash, successor_sealed, access_hash, spent_by FROM refresh_tokens WHERE hash = \(bind: hash)"
            ).first().map(refresh(from:))
        }
    }

    public func spendRefreshToken(
        hash: String, at: Date, successor: RefreshTokenRecord, successorSealed: String, spentBy: String,
        rights: SessionRights, event: EventDraft?
    ) async throws -> RefreshSpendResult {
        let spent = try await retryingAuditChainRaces {
            try await transaction("spendRefreshToken") { db -> Bool? in
                guard try await rightsHold(rights, on: db) else { return nil }
                // The compare-and-set: only the caller whose UPDATE sees `used_at IS NULL` wins, on any node.
                let won = try await db.raw(
                    """
                    UPDATE refresh_tokens SET used_at = \(bind: at.millis), successor_hash = \(bind: successor.hash),
                      successor_sealed = \(bind: successorSealed), spent_by = \(bind: spentBy)
                    WHERE hash = \(bind: hash) AND used_at IS NULL RETURNING hash
                    """
                ).first() != nil
                if won {
                    try await db.raw(insertRefreshSQL(successor)).run()
                    if let event, try await append(event, tenantId: successor.tenantId, on: db) == nil { throw AuditChainRace() }
                }
                return won
            }
        }
        guard let spent else { return .rightsLost }
        if spent { return .spent }
        guard let current = try await refreshToken(hash: hash) else { return .notFound }
        return .alreadySpent(current)
    }
}
