import Foundation

public struct Session: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var userId: String?
    /// Subject of a session without a user (system, external).
    public var subject: String
    public var level: AuthLevel
    public var businessId: String?
    public var role: String?
    public var amr: [String]
    public var scope: String?
    public var createdAt: Date
    /// The last primary authentication (password, passkey, device key) of the session; a refresh or an OTP
    /// check leaves it as it is. Step-up compares it with `GATEHOUSE_STEP_UP_MAX_AGE`.
    public var authTime: Date
    public var expiresAt: Date
    public var revokedAt: Date?
    public var revokedReason: String?
    /// The OAuth client the session was issued to by the code flow (its refresh tokens work for it only).
    public var clientId: String?

    public init(
        id: String, tenantId: String, userId: String?, subject: String, level: AuthLevel, businessId: String? = nil,
        role: String? = nil, amr: [String], scope: String? = nil, createdAt: Date, authTime: Date? = nil, expiresAt: Date,
        revokedAt: Date? = nil, revokedReason: String? = nil, clientId: String? = nil
    ) {
        self.id = id
        self.tenantId = tenantId
        self.userId = userId
        self.subject = subject
        self.level = level
        self.businessId = businessId
        self.role = role
        self.amr = amr
        self.scope = scope
        self.createdAt = createdAt
        self.authTime = authTime ?? createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.revokedReason = revokedReason
        self.clientId = clientId
    }

    public func isActive(at now: Date) -> Bool { revokedAt == nil && expiresAt > now }
}

/// What authenticating a bearer token needs from the database: one short indexed read.
public struct SessionState: Sendable, Equatable {
    public var sessionId: String
    public var userId: String?
    public var revokedAt: Date?
    public var userEmail: String?
    public var userStatus: UserStatus?
    /// See `Session.authTime`.
    public var authTime: Date
    public init(
        sessionId: String, userId: String?, revokedAt: Date?, userEmail: String?, userStatus: UserStatus?, authTime: Date
    ) {
        self.sessionId = sessionId
        self.userId = userId
        self.revokedAt = revokedAt
        self.userEmail = userEmail
        self.userStatus = userStatus
        self.authTime = authTime
    }
}

/// One refresh token; only its SHA-256 is stored.
public struct RefreshTokenRecord: Sendable, Equatable {
    public var hash: String
    public var tenantId: String
    public var sessionId: String
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    public var successorHash: String?
    /// The successor pair sealed with the master key, kept for the grace window so a retried request
    /// gets the same answer.
    public var successorSealed: String?
    /// SHA-256 of the access token issued together with this refresh token.
    public var accessHash: String?
    /// SHA-256 of the client (address and User-Agent) whose request spent it.
    public var spentBy: String?

    public init(
        hash: String, tenantId: String, sessionId: String, createdAt: Date, expiresAt: Date, usedAt: Date? = nil,
        successorHash: String? = nil, successorSealed: String? = nil, accessHash: String? = nil, spentBy: String? = nil
    ) {
        self.hash = hash
        self.tenantId = tenantId
        self.sessionId = sessionId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.successorHash = successorHash
        self.successorSealed = successorSealed
        self.accessHash = accessHash
        self.spentBy = spentBy
    }
}
