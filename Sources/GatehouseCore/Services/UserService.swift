import Foundation

public struct NewLocalUser: Sendable {
    public var email: String?
    public var username: String?
    public var password: String?
    public var isSuperAdmin = false
    public var department: Department?
    public var employee: Employee?
    public init(email: String?, username: String?, password: String?) {
        self.email = email
        self.username = username
        self.password = password
    }
}

/// Changes to a user; nil leaves a field as it is, `.some(nil)` clears it.
public struct UserChanges: Sendable {
    public var email: String??
    public var username: String??
    public var isSuperAdmin: Bool?
    public var department: Department??
    public var employee: Employee??
    public var status: UserStatus?
    /// false turns MFA off (an admin's reset); TOTP enrollment is the only way to turn it on.
    public var mfaEnabled: Bool?
    public init() {}
}

/// Local accounts: creation, profile changes, password login.
public struct UserService: Sendable {
    let store: any GatehouseStore
    let sessions: SessionService
    let passwords: PasswordHasher
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let bruteForce: BruteForceGuard
    let access: AccessPolicy

    public static let invalidCredentials = GatehouseError(.unauthorized, "Invalid credentials", reason: .invalidCredentials)

    public func create(tenantId: String, _ n: NewLocalUser) async throws -> User {
        guard n.email != nil || n.username != nil else { throw GatehouseError.field("email", "email or username is required") }
        if let e = n.email, !Identifiers.isPlausibleEmail(e) { throw GatehouseError.field("email", "is not an email address") }
        if let u = n.username, let why = Identifiers.usernameProblem(u) { throw GatehouseError.field("username", why) }
        if let p = n.password { try PasswordHasher.check(p) }
        var hash: String?
        if let p = n.password { hash = try await passwords.hash(p) }
        let now = clock.now
        var user = User(
            id: random.uuidString(), tenantId: tenantId, email: n.email?.trimmingCharacters(in: .whitespaces),
            username: n.username?.trimmingCharacters(in: .whitespaces), isSuperAdmin: n.isSuperAdmin, createdAt: now,
            updatedAt: now)
        user.department = n.department
        user.employee = n.employee
        let draft = user
        let passwordHash = hash
        return try await store.unitOfWork { [events] tx in
            let created = try await tx.insertLocalUser(draft, passwordHash: passwordHash)
            try await events.append(.userCreated, tenantId: tenantId, subject: created.id, in: tx)
            return created
        }
    }

    /// `grant`: the administrator asking, who may not change a user holding more than they do.
    public func update(_ user: User, _ c: UserChanges, by grant: AdminGrant) async throws -> User {
        try await access.requireCovers(grant, user: user.id, tenantId: user.tenantId, act: "change")
        var u = user
        if let e = c.email {
            if let e, !Identifiers.isPlausibleEmail(e) { throw GatehouseError.field("email", "is not an email address") }
            u.email = e
        }
        if let v = c.username {
            if let v, let why = Identifiers.usernameProblem(v) { throw GatehouseError.field("username", why) }
            u.username = v
        }
        guard u.email != nil || u.username != nil || u.externalSubject != nil || u.status == .anonymous else {
            throw GatehouseError.field("email", "a user keeps an email or a username")
        }
        if let v = c.isSuperAdmin { u.isSuperAdmin = v }
        if let v = c.department { u.department = v }
        if let v = c.employee { u.employee = v }
        if let v = c.status { u.status = v }
        if let v = c.mfaEnabled { u.mfaEnabled = v }
        u.updatedAt = clock.now
        let updated = u
        let resetMfa = c.mfaEnabled == false
        // Disabled is an end, not a pause: re-enabling the user brings back no session and no API key.
        let disabling = u.status == .disabled && user.status != .disabled
        try await store.unitOfWork { [events] tx in
            if disabling { try await Self.keepAnAdmin(tenantId: updated.tenantId, losing: updated.id, in: tx) }
            try await tx.updateUser(updated)
            if resetMfa { try await tx.setTOTPSecret(tenantId: updated.tenantId, userId: updated.id, sealed: nil) }
            try await events.append(.userUpdated, tenantId: updated.tenantId, subject: updated.id, in: tx)
            if disabling { try await endAccess(updated, reason: "user_disabled", in: tx) }
        }
        return u
    }

    /// An admin sets the user's password (a reset): every session and API key of the user ends with the old one.
    public func setPassword(_ user: User, _ password: String, by grant: AdminGrant) async throws {
        try await access.requireCovers(grant, user: user.id, tenantId: user.tenantId, act: "set the password of")
        try PasswordHasher.check(password)
        let hash = try await passwords.hash(password)
        try await store.unitOfWork { [events] tx in
            try await tx.setPasswordHash(tenantId: user.tenantId, userId: user.id, hash: hash)
            try await events.append(.userPasswordSet, tenantId: user.tenantId, subject: user.id, in: tx)
            try await endAccess(user, reason: "password_reset", in: tx)
        }
    }

    /// Revokes every session and API key of the user, for good, in the act's unit of work.
    private func endAccess(_ user: User, reason: String, in tx: any GatehouseStore) async throws {
        try await sessions.revokeAll(tenantId: user.tenantId, userId: user.id, .all, reason: reason, in: tx)
        let keys = try await tx.revokeAPIKeys(tenantId: user.tenantId, userId: user.id)
        if keys > 0 {
            try await events.append(
                .apiKeyRevoked, tenantId: user.tenantId, subject: user.id,
                data: ["count": .number(Double(keys)), "reason": .string(reason)], in: tx)
        }
    }

    /// `grant`: the administrator asking, who cannot delete their own account this way, nor a user holding
    /// more than they do, nor the tenant's last admin.
    public func delete(tenantId: String, id: String, by grant: AdminGrant) async throws {
        guard id != grant.userId else { throw GatehouseError(.conflict, "an admin cannot delete themselves") }
        try await access.requireCovers(grant, user: id, tenantId: tenantId, act: "delete")
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            try await Self.keepAnAdmin(tenantId: tenantId, losing: id, in: tx)
            guard try await tx.deleteUser(tenantId: tenantId, id: id, at: now) else { throw GatehouseError.notFound("user") }
            try await events.append(.userDeleted, tenantId: tenantId, subject: id, in: tx)
        }
    }

    /// The permissions the user holds now, read from their roles and never from a token's claim
    /// (`AccessPolicy.permissions(of:businessId:)`).
    public func permissions(_ user: User, businessId: String?) async throws -> [String] {
        try await access.permissions(of: user, businessId: businessId)
    }

    /// Refuses (409) an act that would leave the tenant without an admin: a tenant always keeps someone who
    /// can grant every right. Runs inside the act's unit of work, holding the tenant's roles row.
    static func keepAnAdmin(tenantId: String, losing userId: String, in tx: any GatehouseStore) async throws {
        try await tx.lockRoles(tenantId: tenantId)
        guard try await tx.isTenantAdmin(tenantId: tenantId, userId: userId) else { return }
        guard try await tx.tenantAdminCount(tenantId: tenantId) > 1 else {
            throw GatehouseError(.conflict, "the tenant's last admin cannot be removed, disabled or deleted")
        }
    }

    /// Checks a password login — only through `PasswordLogin`, which applies the login policy after it.
    /// Unknown user, no password, wrong password and disabled account all answer `invalidCredentials`
    /// after one bcrypt verification, so none can be told apart by time or message.
    ///
    /// The attempt is reserved before bcrypt runs (`BruteForceGuard.reserve`), per account and per client
    /// address: of a burst of guesses at most the limit are ever compared. The account is the user the name
    /// resolves to, so username and email share one budget; a name that resolves to nobody is counted by
    /// its normalised form, so unknown names lock too.
    func checkPassword(tenantId: String, login: String, password: String, clientAddress: String?) async throws -> User {
        let name = login.isEmpty || login.utf8.count > 320 ? nil : Identifiers.normalizedUsername(login)
        let found = name == nil ? nil : try await store.credentials(tenantId: tenantId, login: login)
        let account = found.map { "user:\($0.0.id)" } ?? name.map { "name:\($0)" }
        let reservation = try await bruteForce.reserve(tenantId: tenantId, kind: "pwd", account: account, address: clientAddress)
        let tooLong = password.utf8.count > PasswordHasher.maxBytes
        let ok = try await passwords.verify(tooLong ? "" : password, against: tooLong ? nil : found?.1)
        guard ok, let (user, hash) = found, let hash, user.status == .active else {
            try await events.record(
                .loginFailed, tenantId: tenantId, subject: found?.0.id,
                data: ["method": .string(LoginMethod.password.rawValue)])
            throw Self.invalidCredentials
        }
        try await bruteForce.settle(reservation)
        if passwords.needsRehash(hash) {
            try await store.setPasswordHash(tenantId: tenantId, userId: user.id, hash: try await passwords.hash(password))
        }
        return user
    }
}
