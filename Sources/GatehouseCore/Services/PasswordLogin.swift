import Foundation

/// Every password sign-in, whatever the dialect: the password (with its brute-force reservation), then
/// the login policy. No controller checks a password or decides on MFA itself.
public struct PasswordLogin: Sendable {
    let users: UserService
    let mfa: MFAService
    let sessions: SessionService
    let events: EventRecorder

    /// Where a password arrives, and whether that dialect has a second step to offer.
    public struct EntryPoint: Sendable {
        public var dialect: String
        /// False for dialects without an MFA step (the Classic seed has none): a user who needs a second
        /// factor is refused there with `MFA_REQUIRED`, never given a token.
        public var offersSecondFactor: Bool

        public static let classic = EntryPoint(dialect: "classic", offersSecondFactor: false)
        public static let enterprise = EntryPoint(dialect: "enterprise", offersSecondFactor: true)
        /// The OAuth authorization server's hosted login page.
        public static let hosted = EntryPoint(dialect: "oauth", offersSecondFactor: true)
    }

    /// What the hosted login page gets: the browser's new session, or the second step to show.
    public enum BrowserOutcome: Sendable {
        case signedIn(User, Session)
        case secondFactorRequired(User, pendingToken: String)
        /// The login policy asks for a second factor the user has not set up: the page offers a new secret.
        case enrolmentRequired(User, pendingToken: String, MFAService.Enrolment)
    }

    /// The same rules as `login`, for the hosted page, which keeps the session (not tokens) in a cookie.
    public func browserLogin(tenant: Tenant, login: String, password: String, clientAddress: String?) async throws -> BrowserOutcome {
        let user = try await users.checkPassword(
            tenantId: tenant.id, login: login, password: password, clientAddress: clientAddress)
        guard LoginPolicy.needsSecondFactor(user, tenant: tenant) else {
            let (session, _) = try await sessions.startLoginSession(user, tenantId: tenant.id, amr: ["pwd"], dialect: EntryPoint.hosted.dialect)
            return .signedIn(user, session)
        }
        try await events.record(
            .loginMFARequired, tenantId: tenant.id, subject: user.id,
            data: ["dialect": .string(EntryPoint.hosted.dialect), "offered": .bool(true)])
        let (pending, registerOtp) = try await mfa.beginPending(tenantId: tenant.id, user: user)
        guard registerOtp else { return .secondFactorRequired(user, pendingToken: pending) }
        let enrolment = try await mfa.beginEnrolment(user: user, pending: pending, tenantId: tenant.id, issuer: tenant.projectName)
        return .enrolmentRequired(user, pendingToken: pending, enrolment)
    }

    /// The hosted page's TOTP step: as `completeWithOTP`, giving the session. With `enrolment` (the sealed
    /// secret the page offered) the code also enrols that secret.
    public func browserCompleteWithOTP(pending: String, otp: String, enrolment: String?, tenantId: String, clientAddress: String?)
        async throws -> (User, Session)
    {
        let (user, passwordAt) =
            if let enrolment {
                try await mfa.completeEnrolment(pending: pending, sealed: enrolment, otp: otp, tenantId: tenantId, clientAddress: clientAddress)
            } else {
                try await mfa.verifyPending(token: pending, otp: otp, tenantId: tenantId, clientAddress: clientAddress)
            }
        let (session, _) = try await sessions.startLoginSession(
            user, tenantId: tenantId, amr: ["pwd", "otp"], dialect: EntryPoint.hosted.dialect, authTime: passwordAt)
        return (user, session)
    }

    /// The offered secret again, for the page shown after a wrong code.
    public func browserEnrolment(pending: String, sealed: String, tenant: Tenant) async throws -> MFAService.Enrolment {
        try await mfa.reopenEnrolment(pending: pending, sealed: sealed, tenantId: tenant.id, issuer: tenant.projectName)
    }

    public enum Outcome: Sendable {
        case signedIn(User, TokenPair)
        /// The password was right; a 5-minute token usable only at the OTP step stands for the user.
        case secondFactorRequired(User, pendingToken: String, registerOtp: Bool)
    }

    public func login(
        tenant: Tenant, login: String, password: String, clientAddress: String?, via entry: EntryPoint
    ) async throws -> Outcome {
        let user = try await users.checkPassword(
            tenantId: tenant.id, login: login, password: password, clientAddress: clientAddress)
        guard LoginPolicy.needsSecondFactor(user, tenant: tenant) else {
            return .signedIn(user, try await sessions.startLogin(user, tenantId: tenant.id, amr: ["pwd"], dialect: entry.dialect))
        }
        try await events.record(
            .loginMFARequired, tenantId: tenant.id, subject: user.id,
            data: ["dialect": .string(entry.dialect), "offered": .bool(entry.offersSecondFactor)])
        guard entry.offersSecondFactor else { throw GatehouseError.mfaRequired }
        let (pending, registerOtp) = try await mfa.beginPending(tenantId: tenant.id, user: user)
        return .secondFactorRequired(user, pendingToken: pending, registerOtp: registerOtp)
    }

    /// The second step of an Enterprise password login: the TOTP code against the MFA-pending token, then
    /// a session whose sign-in time is the password's (amr pwd + otp, RFC 8176).
    public func completeWithOTP(pending: String, otp: String, tenantId: String, clientAddress: String?) async throws
        -> (User, TokenPair)
    {
        let (user, passwordAt) = try await mfa.verifyPending(token: pending, otp: otp, tenantId: tenantId, clientAddress: clientAddress)
        let pair = try await sessions.startLogin(user, tenantId: tenantId, amr: ["pwd", "otp"], dialect: "enterprise", authTime: passwordAt)
        return (user, pair)
    }
}
