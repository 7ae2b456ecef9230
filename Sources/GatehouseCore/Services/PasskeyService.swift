import Foundation

/// Passkey registration and login (WebAuthn), credential management and the passkey prompt. Options follow
/// the W3C JSON shapes (PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON); the checks are
/// `WebAuthnVerifier`'s; here are the parts that need storage: challenges, the credential's owner, the
/// counter compare-and-set, sessions.
public struct PasskeyService: Sendable {
    let store: any GatehouseStore
    let sessions: SessionService
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let bruteForce: BruteForceGuard
    let defaults: RelyingParty.Defaults
    let sealer: ChallengeSealer
    let stepUp: StepUp
    let enrolments: EnrolmentNotifier
    /// Parsed credential keys by passkey id and key bytes: decoding CBOR at every login is waste.
    let keys = BoundedCache<COSEKey>(capacity: 10_000)

    static let loginPurpose = "passkey-login"
    /// The sealed subject of a discoverable-credential login (no user named at the start).
    static let anyUser = "*"

    public static let maxCredentialsPerUser = 50

    /// RegistrationResponseJSON's parts, bytes already base64url-decoded.
    public struct RegistrationResponse: Sendable {
        public var rawId: [UInt8]
        public var clientDataJSON: [UInt8]
        public var attestationObject: [UInt8]
        public var transports: [String]
        public init(rawId: [UInt8], clientDataJSON: [UInt8], attestationObject: [UInt8], transports: [String]) {
            self.rawId = rawId
            self.clientDataJSON = clientDataJSON
            self.attestationObject = attestationObject
            self.transports = transports
        }
    }

    /// AuthenticationResponseJSON's parts, decoded.
    public struct AssertionResponse: Sendable {
        public var rawId: [UInt8]
        public var clientDataJSON: [UInt8]
        public var authenticatorData: [UInt8]
        public var signature: [UInt8]
        public var userHandle: [UInt8]?
        public init(rawId: [UInt8], clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8], userHandle: [UInt8]?) {
            self.rawId = rawId
            self.clientDataJSON = clientDataJSON
            self.authenticatorData = authenticatorData
            self.signature = signature
            self.userHandle = userHandle
        }
    }

    public func relyingParty(_ tenant: Tenant) -> RelyingParty { RelyingParty(tenant: tenant, defaults: defaults) }

    /// The user handle (user.id of the options): the user's opaque id, never an email (§14.6.1).
    public static func userHandle(_ user: User) -> [UInt8] { Array(user.id.utf8) }

    static func descriptor(_ p: Passkey) -> JSONValue {
        var d: [String: JSONValue] = ["type": "public-key", "id": .string(p.credentialId)]
        if !p.transports.isEmpty { d["transports"] = .array(p.transports.map { .string($0) }) }
        return .object(d)
    }

    static let invalidCeremony = GatehouseError(.invalidToken, "invalid, spent or expired WebAuthn session")

    func verificationError(_ e: WebAuthnError) -> GatehouseError {
        switch e {
        case .malformed(let why): GatehouseError.field("response", why)
        case .unsupported(let why): GatehouseError.field("response", why)
        case .verification(let why): GatehouseError(.unauthorized, why)
        case .counterRegression: GatehouseError(.unauthorized, e.description)
        }
    }

    /// Needs a recent sign-in (step-up): a stolen access token cannot add a passkey.
    public func beginRegistration(tenant: Tenant, user: User, session: Principal, name: String) async throws
        -> (WebAuthnChallenge, JSONValue)
    {
        try stepUp.require(session)
        let sessionId = session.state.sessionId
        let existing = try await store.passkeys(tenantId: tenant.id, userId: user.id)
        guard existing.count < Self.maxCredentialsPerUser else {
            throw GatehouseError(.conflict, "at most \(Self.maxCredentialsPerUser) passkeys per user")
        }
        let rp = relyingParty(tenant)
        let c = WebAuthnChallenge(
            id: random.uuidString(), tenantId: tenant.id, challenge: random.token(bytes: 32), userId: user.id,
            boundSessionId: sessionId, name: name,
            expiresAt: clock.now.addingTimeInterval(ChallengeSealer.lifetime))
        try await store.insertWebAuthnChallenge(c)
        let account = user.email ?? user.username ?? user.id
        let options: JSONValue = [
            "rp": ["id": .string(rp.id), "name": .string(rp.name)],
            "user": [
                "id": .string(Base64URL.encode(Self.userHandle(user))), "name": .string(account),
                "displayName": .string(user.employee?.name ?? account),
            ],
            "challenge": .string(c.challenge),
            "pubKeyCredParams": .array(COSEKey.supportedAlgorithms.map { ["type": "public-key", "alg": .number(Double($0))] }),
            "timeout": .number(ChallengeSealer.lifetime * 1000),
            "excludeCredentials": .array(existing.map(Self.descriptor)),
            "authenticatorSelection": [
                "residentKey": "preferred", "requireResidentKey": false,
                "userVerification": .string(rp.userVerificationRequired ? "required" : "preferred"),
            ],
            "attestation": .string(rp.attestation.rawValue),
        ]
        return (c, options)
    }

    public func finishRegistration(
        tenant: Tenant, user: User, sessionId: String, challengeId: String, response: RegistrationResponse
    ) async throws -> Passkey {
        let now = clock.now
        guard let c = try await store.consumeWebAuthnChallenge(id: challengeId, tenantId: tenant.id, at: now),
            c.userId == user.id, c.boundSessionId == sessionId, c.expiresAt > now
        else { throw Self.invalidCeremony }
        let verified: WebAuthnVerifier.NewCredential
        do {
            verified = try WebAuthnVerifier.verifyRegistration(
                clientDataJSON: response.clientDataJSON, attestationObject: response.attestationObject, challenge: c.challenge,
                rp: relyingParty(tenant))
        } catch let e as WebAuthnError {
            try await events.record(.passkeyRegistrationFailed, tenantId: tenant.id, subject: user.id, data: ["reason": .string(e.description)])
            throw verificationError(e)
        }
        // The id the client reports must be the one the authenticator attested.
        guard response.rawId == verified.credentialId else {
            throw GatehouseError.field("response.rawId", "is not the attested credential id")
        }
        let passkey = Passkey(
            id: random.uuidString(), tenantId: tenant.id, userId: user.id,
            credentialId: Base64URL.encode(verified.credentialId), name: c.name,
            publicKeyCBOR: verified.publicKeyCBOR, algorithm: verified.algorithm, signCount: verified.signCount,
            aaguid: Digest.hex(verified.aaguid), transports: response.transports, backupEligible: verified.backupEligible,
            backedUp: verified.backedUp, attestationFormat: verified.format, attestationType: verified.attestationType,
            createdAt: now)
        // Step 26: a credential id already registered in the tenant is refused.
        let attestation = verified.attestationType
        let pushed = try await store.unitOfWork { [events, enrolments] tx in
            guard try await tx.insertPasskey(passkey) else {
                throw GatehouseError(.conflict, "this credential is already registered")
            }
            try await events.append(
                .passkeyRegistered, tenantId: tenant.id, subject: user.id,
                data: ["passkeyId": .string(passkey.id), "attestation": .string(attestation)], in: tx)
            return try await enrolments.enrolled(.passkey, id: passkey.id, name: passkey.name, user: user, in: tx)
        }
        if pushed { enrolments.wakeup.signal() }
        return passkey
    }

    /// With an email: that user's credentials in `allowCredentials` (none for an unknown email). Without:
    /// an empty list, for a discoverable credential that names its user by `userHandle`. The ceremony is
    /// sealed into its session id (nothing stored until the login spends it).
    public func beginLogin(tenant: Tenant, email: String?) async throws -> (sessionId: String, options: JSONValue) {
        var subject = Self.anyUser
        var allowed: [Passkey] = []
        if let email {
            // An unknown email names no one: any credential presented will fail the owner check.
            subject = "user:-"
            if let (found, _) = try await store.credentials(tenantId: tenant.id, login: email), found.status == .active {
                subject = "user:" + found.id
                allowed = try await store.passkeys(tenantId: tenant.id, userId: found.id).filter { $0.isActive && !$0.cloneWarning }
            }
        }
        let rp = relyingParty(tenant)
        let (sessionId, challenge) = sealer.seal(
            tenantId: tenant.id, purpose: Self.loginPurpose, subject: subject,
            expiresAt: clock.now.addingTimeInterval(ChallengeSealer.lifetime))
        let options: JSONValue = [
            "challenge": .string(challenge), "timeout": .number(ChallengeSealer.lifetime * 1000), "rpId": .string(rp.id),
            "allowCredentials": .array(allowed.map(Self.descriptor)),
            "userVerification": .string(rp.userVerificationRequired ? "required" : "preferred"),
        ]
        return (sessionId, options)
    }

    public func finishLogin(
        tenant: Tenant, sessionId: String, response: AssertionResponse, rememberMe: Bool, clientAddress: String?
    ) async throws -> (User, TokenPair) {
        let (user, _, pair) = try await finish(
            tenant: tenant, sessionId: sessionId, response: response, rememberMe: rememberMe, clientAddress: clientAddress, dialect: "enterprise")
        return (user, pair)
    }

    /// The hosted sign-in page's passkey button, or nil when a browser on the page would refuse the ceremony:
    /// the page's origin (the public URL's) must be one of the tenant's WebAuthn origins, on its rpId
    /// (WebAuthn §5.1.4.1 step 8 and §13.4.9). A discoverable-credential request, sealed, nothing stored.
    public func hostedPageOptions(tenant: Tenant) async throws -> (sessionId: String, options: JSONValue)? {
        let rp = relyingParty(tenant)
        guard rp.origins.contains(defaults.origin), defaults.rpId == rp.id || defaults.rpId.hasSuffix("." + rp.id) else { return nil }
        return try await beginLogin(tenant: tenant, email: nil)
    }

    /// The hosted page's passkey sign-in: the same checks, counters and locks as `finishLogin`, giving the
    /// browser's session.
    public func finishHostedLogin(tenant: Tenant, sessionId: String, response: AssertionResponse, clientAddress: String?)
        async throws -> (User, Session)
    {
        let (user, session, _) = try await finish(
            tenant: tenant, sessionId: sessionId, response: response, rememberMe: false, clientAddress: clientAddress, dialect: "oauth")
        return (user, session)
    }

    private func finish(
        tenant: Tenant, sessionId: String, response: AssertionResponse, rememberMe: Bool, clientAddress: String?, dialect: String
    ) async throws -> (User, Session, TokenPair) {
        guard let c = sealer.open(sessionId, tenantId: tenant.id, purpose: Self.loginPurpose), c.expiresAt > clock.now else {
            throw Self.invalidCeremony
        }
        let credentialId = Base64URL.encode(response.rawId)
        try await bruteForce.check(tenantId: tenant.id, kind: "passkey", account: credentialId, address: clientAddress)
        do {
            return try await assert(
                tenant: tenant, ceremony: c, credentialId: credentialId, response: response, rememberMe: rememberMe, dialect: dialect)
        } catch let error as GatehouseError where error.code == .unauthorized {
            let locked = try await bruteForce.failed(tenantId: tenant.id, kind: "passkey", account: credentialId, address: clientAddress)
            try await events.record(.loginFailed, tenantId: tenant.id, subject: nil, data: ["method": .string(LoginMethod.passkey.rawValue), "reason": .string(error.message)])
            throw locked ?? error
        }
    }

    private func assert(
        tenant: Tenant, ceremony c: ChallengeSealer.Opened, credentialId: String, response: AssertionResponse, rememberMe: Bool,
        dialect: String
    ) async throws -> (User, Session, TokenPair) {
        let unknown = GatehouseError(.unauthorized, "unknown credential")
        let named: String? = c.subject == Self.anyUser ? nil : String(c.subject.dropFirst("user:".count))
        // §7.2 steps 5–7: the credential, allowed for the user named at the start, owned by the user the
        // userHandle names (required when no user was named).
        guard let passkey = try await store.passkey(tenantId: tenant.id, credentialId: credentialId), passkey.isActive else {
            throw unknown
        }
        if let named, named != passkey.userId { throw unknown }
        guard let user = try await store.user(tenantId: tenant.id, id: passkey.userId), user.status == .active else { throw unknown }
        if let handle = response.userHandle, !handle.isEmpty {
            guard handle == Self.userHandle(user) else { throw GatehouseError(.unauthorized, "userHandle is not the credential's owner") }
        } else if named == nil {
            throw GatehouseError(.unauthorized, "a discoverable credential login needs userHandle")
        }
        guard !passkey.cloneWarning else {
            throw GatehouseError(.unauthorized, "this passkey is blocked: its signature counter went backwards")
        }
        let key = try keys.value(passkey.id + ":" + Base64URL.encode(passkey.publicKeyCBOR)) {
            do { return try COSEKey(cbor: passkey.publicKeyCBOR) } catch {
                throw GatehouseError(.internalError, "stored passkey key does not parse")
            }
        }
        let assertion: WebAuthnVerifier.Assertion
        do {
            assertion = try WebAuthnVerifier.verifyAssertion(
                clientDataJSON: response.clientDataJSON, authenticatorData: response.authenticatorData,
                signature: response.signature, challenge: c.challenge, rp: relyingParty(tenant), key: key,
                storedSignCount: passkey.signCount)
        } catch WebAuthnError.counterRegression {
            try await counterWentBack(passkey, ceremony: c)
        } catch let e as WebAuthnError {
            throw verificationError(e)
        }
        // A passkey is a second factor only when the authenticator verified the user (LoginPolicy).
        guard LoginPolicy.admitsPasskey(userVerified: assertion.userVerified, user: user, tenant: tenant) else {
            throw GatehouseError(.unauthorized, "this account needs a passkey that verifies the user (UV)")
        }
        // In the login's own transaction: the ceremony is spent (single use), and step 25's counter moves
        // by compare-and-set — of two assertions racing with one counter value only one logs in, and the
        // counter never moves without a session.
        var start = SessionService.Start(tenantId: tenant.id, user: user, subject: user.id, level: .user, amr: ["webauthn"])
        start.rememberMe = rememberMe
        start.event = events.draft(
            .loginSucceeded, subject: user.id,
            data: ["method": .string(LoginMethod.passkey.rawValue), "dialect": .string(dialect), "passkeyId": .string(passkey.id)])
        var stored = passkey.signCount
        for _ in 0..<Self.counterRetries {
            start.preconditions = [
                .spendChallenge(key: c.challenge, expiresAt: c.expiresAt),
                .passkeyCounter(
                    tenantId: tenant.id, passkeyId: passkey.id, from: stored, to: assertion.signCount,
                    backedUp: assertion.backedUp, at: clock.now),
            ]
            do {
                let (session, pair) = try await sessions.start(start)
                return (user, session, pair)
            } catch is SessionPreconditionFailed {
                if assertion.signCount == 0 { throw Self.invalidCeremony }
                if try await store.challengeSpent(key: c.challenge) { throw Self.invalidCeremony }
                let now = try await store.passkey(tenantId: tenant.id, credentialId: credentialId)
                switch Self.afterLostSwap(presented: assertion.signCount, reread: now) {
                case .clone:
                    // The ceremony's spent state was read just above: not a replay, so a clone.
                    try await cloned(passkey)
                    throw verificationError(.counterRegression)
                case .gone: throw unknown
                case .lostRace(let current): stored = current
                }
            }
        }
        throw GatehouseError(.conflict, "the passkey was used by another sign-in at the same moment; try again")
    }

    static let counterRetries = 3

    public enum SwapOutcome: Equatable, Sendable {
        /// The stored counter is at or past the presented one: another authenticator holds this credential.
        case clone
        /// Deleted, deactivated or blocked meanwhile.
        case gone
        /// A concurrent genuine login moved the counter, still below ours: try again from `current`.
        case lostRace(current: UInt32)
    }

    /// Why the counter's compare-and-set failed, judged on the passkey as it is now (W3C WebAuthn §7.2 step
    /// 22 compares with the stored counter; a value read before a concurrent login committed is no longer it).
    public static func afterLostSwap(presented: UInt32, reread: Passkey?) -> SwapOutcome {
        guard let reread, reread.isActive, !reread.cloneWarning else { return .gone }
        return presented <= reread.signCount ? .clone : .lostRace(current: reread.signCount)
    }

    /// A counter that did not rise: the same response sent again (its ceremony already spent — a replay,
    /// refused as such), or another authenticator with this credential (a clone: the passkey is blocked).
    private func counterWentBack(_ passkey: Passkey, ceremony c: ChallengeSealer.Opened) async throws -> Never {
        if try await store.challengeSpent(key: c.challenge) { throw Self.invalidCeremony }
        try await cloned(passkey)
        throw verificationError(.counterRegression)
    }

    private func cloned(_ passkey: Passkey) async throws {
        try await store.unitOfWork { [events] tx in
            try await tx.markPasskeyCloned(tenantId: passkey.tenantId, id: passkey.id)
            try await events.append(
                .passkeyCloneWarning, tenantId: passkey.tenantId, subject: passkey.userId,
                data: ["passkeyId": .string(passkey.id)], in: tx)
        }
    }

    public func hasPasskeys(tenant: Tenant, email: String) async throws -> Bool {
        guard let (user, _) = try await store.credentials(tenantId: tenant.id, login: email), user.status == .active else {
            return false
        }
        return try await store.passkeys(tenantId: tenant.id, userId: user.id).contains { $0.isActive && !$0.cloneWarning }
    }

    public func list(user: User) async throws -> [Passkey] { try await store.passkeys(tenantId: user.tenantId, userId: user.id) }

    public func rename(user: User, id: String, name: String) async throws {
        guard try await store.renamePasskey(tenantId: user.tenantId, userId: user.id, id: id, name: name) else {
            throw GatehouseError.notFound("passkey")
        }
    }

    public func delete(user: User, id: String) async throws {
        try await store.unitOfWork { [events] tx in
            guard try await tx.deletePasskey(tenantId: user.tenantId, userId: user.id, id: id) else {
                throw GatehouseError.notFound("passkey")
            }
            try await events.append(
                .passkeyDeleted, tenantId: user.tenantId, subject: user.id, data: ["passkeyId": .string(id)], in: tx)
        }
    }

    public func setPrompt(user: User, status: PasskeyPromptStatus) async throws {
        try await store.setPasskeyPrompt(tenantId: user.tenantId, userId: user.id, status: status)
    }

    public func prompt(user: User) async throws -> PasskeyPromptStatus {
        try await store.passkeyPrompt(tenantId: user.tenantId, userId: user.id) ?? .pending
    }
}
