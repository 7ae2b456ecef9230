import Foundation

/// TOTP second factor for password logins: the MFA-pending token (5 minutes, usable only at the OTP paths,
/// killed by 5 wrong codes), enrollment (confirmed by the first good code), and verification with ±1 step
/// of drift where each code is accepted once.
public struct MFAService: Sendable {
    let store: any GatehouseStore
    let box: SecretBox
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let bruteForce: BruteForceGuard
    let stepUp: StepUp

    public static let pendingPrefix = "mfa_"
    public static let pendingLifetime: TimeInterval = 5 * 60
    public static let maxFailures: Int64 = 5

    /// A pending token for a user who passed the password; `registerOtp` when they have no confirmed TOTP.
    public func beginPending(tenantId: String, user: User) async throws -> (token: String, registerOtp: Bool) {
        let token = Self.pendingPrefix + random.token(bytes: 32)
        try await store.insertMFAChallenge(
            hash: Digest.sha256Hex(token),
            MFAChallenge(
                tenantId: tenantId, userId: user.id, expiresAt: clock.now.addingTimeInterval(Self.pendingLifetime),
                failures: 0, consumedAt: nil))
        let confirmed = try await store.totpState(tenantId: tenantId, userId: user.id)?.confirmed ?? false
        return (token, !confirmed)
    }

    /// The user a live pending token stands for.
    public func pendingUser(_ token: String, tenantId: String) async throws -> User {
        try await pending(token, tenantId: tenantId).user
    }

    private func pending(_ token: String, tenantId: String) async throws -> (user: User, challenge: MFAChallenge) {
        guard token.hasPrefix(Self.pendingPrefix), token.utf8.count <= 128,
            let c = try await store.mfaChallenge(hash: Digest.sha256Hex(token)), c.tenantId == tenantId,
            c.consumedAt == nil, c.expiresAt > clock.now, c.failures < Self.maxFailures,
            let user = try await store.user(tenantId: tenantId, id: c.userId), user.status == .active
        else { throw Self.invalidPending }
        return (user, c)
    }

    static func sealContext(_ tenantId: String, _ userId: String) -> String { "totp:\(tenantId):\(userId)" }

    /// A new secret for a user not yet enrolled (an enrolled user must have MFA reset by an admin first).
    /// With an access token (`session`) it needs a recent sign-in (step-up); with the MFA-pending token of
    /// a password login (`session` nil) it is the first enrolment that login asks for.
    public func setup(tenantId: String, user: User, session: Principal?, issuer: String) async throws
        -> (secret: String, otpauthURL: String)
    {
        if let session { try stepUp.require(session) }
        if try await store.totpState(tenantId: tenantId, userId: user.id)?.confirmed == true {
            throw GatehouseError(.conflict, "TOTP is already enrolled; an admin can reset it")
        }
        let secret = TOTPSecret.generate(random)
        let sealed = try box.seal(secret.keyText, context: Self.sealContext(tenantId, user.id))
        try await store.unitOfWork { [events] tx in
            try await tx.setTOTPSecret(tenantId: tenantId, userId: user.id, sealed: sealed)
            try await events.append(.mfaTOTPSetup, tenantId: tenantId, subject: user.id, in: tx)
        }
        return (secret.base32, secret.otpauthURL(account: Self.account(user), issuer: issuer))
    }

    /// Checks a code for a user; a good code is claimed so it can never be used again.
    func check(_ otp: String, tenantId: String, user: User) async throws -> Bool {
        guard let state = try await store.totpState(tenantId: tenantId, userId: user.id), let sealed = state.sealedSecret
        else { return false }
        let secret = TOTPSecret(keyText: try box.openString(sealed, context: Self.sealContext(tenantId, user.id)))
        guard let step = secret.matchingStep(otp, now: clock.now), step > state.lastStep else { return false }
        return try await store.claimTOTPStep(tenantId: tenantId, userId: user.id, step: step)
    }

    /// `/auth/otp/verify`: on success the pending token is spent and enrollment confirmed; answers the user
    /// and when their password was checked (the session's `authTime`: the OTP step is not a new primary
    /// sign-in). The attempt is counted before the code is looked at — against the user's OTP budget and
    /// the pending token's own five — so a burst of guesses at one token gets at most five looks.
    public func verifyPending(token: String, otp: String, tenantId: String, clientAddress: String?) async throws
        -> (user: User, passwordAt: Date)
    {
        let loaded = try await pending(token, tenantId: tenantId)
        let (user, passwordAt) = try await spendPending(token, loaded, tenantId: tenantId, clientAddress: clientAddress) { user in
            try await check(otp, tenantId: tenantId, user: user)
        }
        if try await store.totpState(tenantId: tenantId, userId: user.id)?.confirmed == false {
            try await store.unitOfWork { [events] tx in
                try await tx.confirmTOTP(tenantId: tenantId, userId: user.id)
                try await events.append(.mfaTOTPEnrolled, tenantId: tenantId, subject: user.id, in: tx)
            }
        }
        return (user, passwordAt)
    }

    /// The attempt is counted before the code is looked at — against the user's OTP budget and the pending
    /// token's own five — so a burst of guesses at one token gets at most five looks; on a good code the
    /// token is spent. Answers the user and when their password was checked.
    /// `loaded` is what `pending` read for the token.
    private func spendPending(
        _ token: String, _ loaded: (user: User, challenge: MFAChallenge), tenantId: String, clientAddress: String?,
        codeIsGood: (User) async throws -> Bool
    ) async throws -> (user: User, passwordAt: Date) {
        let (user, challenge) = loaded
        let reservation = try await bruteForce.reserve(tenantId: tenantId, kind: "otp", account: user.id, address: clientAddress)
        let hash = Digest.sha256Hex(token)
        guard try await store.reserveMFAChallenge(hash: hash, limit: Self.maxFailures, at: clock.now) else {
            throw Self.invalidPending
        }
        guard try await codeIsGood(user) else {
            try await events.record(.loginFailed, tenantId: tenantId, subject: user.id, data: ["method": .string(LoginMethod.otp.rawValue)])
            throw GatehouseError(.unauthorized, "invalid code")
        }
        guard try await store.consumeMFAChallenge(hash: hash, at: clock.now) else { throw Self.invalidPending }
        try await bruteForce.settle(reservation)
        return (user, challenge.expiresAt.addingTimeInterval(-Self.pendingLifetime))
    }

    // MARK: enrolment on the hosted page

    /// A secret offered to a user who must enrol before signing in, sealed to the pending token of this very
    /// sign-in: it becomes the user's only when its first good code comes back with that token. Nothing is
    /// stored before, so a second sign-in with the same password (an attacker's) cannot swap the secret the
    /// user is scanning for one it knows.
    public struct Enrolment: Sendable {
        public let secret: String
        public let otpauthURL: String
        /// Carried by the page's form; opens only with the same pending token.
        public let sealed: String
    }

    /// For `user`, who has just passed the password and has no confirmed TOTP (`beginPending` said so), and
    /// the pending token made for them: nothing is read again.
    public func beginEnrolment(user: User, pending token: String, tenantId: String, issuer: String) async throws -> Enrolment {
        let secret = TOTPSecret.generate(random)
        let sealed = try box.seal(secret.keyText, context: Self.enrolmentContext(tenantId, user.id, token))
        try await events.record(.mfaTOTPSetup, tenantId: tenantId, subject: user.id, data: ["via": .string("hosted")])
        return Enrolment(secret: secret.base32, otpauthURL: secret.otpauthURL(account: Self.account(user), issuer: issuer), sealed: sealed)
    }

    /// The same offer again (after a wrong code), from the form's sealed secret.
    public func reopenEnrolment(pending token: String, sealed: String, tenantId: String, issuer: String) async throws -> Enrolment {
        let user = try await unenrolled(token, tenantId: tenantId).user
        let secret = try openEnrolment(sealed, tenantId: tenantId, user: user, token: token)
        return Enrolment(secret: secret.base32, otpauthURL: secret.otpauthURL(account: Self.account(user), issuer: issuer), sealed: sealed)
    }

    /// The first code of the offered secret: the secret becomes the user's, confirmed, with the code's time
    /// step claimed, in one unit of work with its event; the pending token is spent as by `verifyPending`.
    public func completeEnrolment(pending token: String, sealed: String, otp: String, tenantId: String, clientAddress: String?)
        async throws -> (user: User, passwordAt: Date)
    {
        let loaded = try await unenrolled(token, tenantId: tenantId)
        let secret = try openEnrolment(sealed, tenantId: tenantId, user: loaded.user, token: token)
        let stored = try box.seal(secret.keyText, context: Self.sealContext(tenantId, loaded.user.id))
        return try await spendPending(token, loaded, tenantId: tenantId, clientAddress: clientAddress) { user in
            guard let step = secret.matchingStep(otp, now: clock.now) else { return false }
            do {
                try await store.unitOfWork { [events] tx in
                    try await tx.setTOTPSecret(tenantId: tenantId, userId: user.id, sealed: stored)
                    try await tx.confirmTOTP(tenantId: tenantId, userId: user.id)
                    // A code already used by this user (under an earlier secret's clock step) is not taken twice.
                    guard try await tx.claimTOTPStep(tenantId: tenantId, userId: user.id, step: step) else { throw StepTaken() }
                    try await events.append(.mfaTOTPEnrolled, tenantId: tenantId, subject: user.id, in: tx)
                }
                return true
            } catch is StepTaken {
                return false
            }
        }
    }

    /// The pending token's user, who must not have enrolled meanwhile (through the API, say).
    private func unenrolled(_ token: String, tenantId: String) async throws -> (user: User, challenge: MFAChallenge) {
        let loaded = try await pending(token, tenantId: tenantId)
        if try await store.totpState(tenantId: tenantId, userId: loaded.user.id)?.confirmed == true {
            throw GatehouseError(.conflict, "TOTP is already enrolled; sign in again")
        }
        return loaded
    }

    private func openEnrolment(_ sealed: String, tenantId: String, user: User, token: String) throws -> TOTPSecret {
        guard sealed.utf8.count <= Self.maxSealedEnrolment,
            let key = try? box.openString(sealed, context: Self.enrolmentContext(tenantId, user.id, token))
        else { throw Self.invalidPending }
        return TOTPSecret(keyText: key)
    }

    public static let maxSealedEnrolment = 512

    static func enrolmentContext(_ tenantId: String, _ userId: String, _ token: String) -> String {
        "totp-enrol:\(tenantId):\(userId):\(Digest.sha256Hex(token))"
    }

    static func account(_ user: User) -> String { user.email ?? user.username ?? user.id }

    private struct StepTaken: Error {}

    /// `/auth/otp/verify-service`: a service checks a user's current code (reserved like logins).
    public func verifyForService(tenantId: String, userNumber: Int64, otp: String, clientAddress: String?) async throws -> Bool {
        let reservation = try await bruteForce.reserve(
            tenantId: tenantId, kind: "otp-service", account: "user#\(userNumber)", address: clientAddress)
        guard let user = try await store.user(tenantId: tenantId, number: userNumber), user.status == .active,
            try await store.totpState(tenantId: tenantId, userId: user.id)?.confirmed == true,
            try await check(otp, tenantId: tenantId, user: user)
        else { return false }
        try await bruteForce.settle(reservation)
        return true
    }

    static let invalidPending = GatehouseError.invalidToken("invalid or expired MFA token")
}
