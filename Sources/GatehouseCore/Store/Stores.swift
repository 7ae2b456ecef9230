import Foundation

/// A page of a list ordered by creation; `nextCursor` is opaque to clients.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct PageRequest: Sendable {
    public var limit: Int
    public var cursor: String?
    public init(limit: Int = 50, cursor: String? = nil) {
        self.limit = max(1, min(limit, 200))
        self.cursor = cursor
    }
}

public protocol SettingsStore: Sendable {
    func setting(_ key: String) async throws -> String?
    /// Writes only when absent; returns the value that is stored afterwards (first writer wins).
    func insertSettingIfAbsent(_ key: String, value: String) async throws -> String
}

public protocol TenantStore: Sendable {
    func insertTenant(_ tenant: Tenant) async throws
    func tenant(id: String) async throws -> Tenant?
    func tenant(projectKey: String) async throws -> Tenant?
    func defaultTenant() async throws -> Tenant?
    func updateTenant(_ tenant: Tenant) async throws
    /// Inserts unless the id exists; true when this call inserted it.
    func insertTenantIfAbsent(_ tenant: Tenant) async throws -> Bool
    func tenants(page: PageRequest) async throws -> Page<Tenant>
    /// Every origin any tenant allows for CORS (duplicates possible).
    func tenantCORSOrigins() async throws -> [String]
}

public protocol SigningKeyStore: Sendable {
    func insertSigningKey(_ key: SigningKeyRecord) async throws
    /// Keys not yet retired at `now`, newest first.
    func signingKeys(tenantId: String, now: Date) async throws -> [SigningKeyRecord]
    /// Marks every current key of the tenant rotated; they leave the JWKS at `retireAt`.
    func rotateSigningKeys(tenantId: String, rotatedAt: Date, retireAt: Date) async throws
}

public protocol UserStore: Sendable {
    /// Inserts unless a user with the same (tenant, issuer, subject) exists; returns the stored user either way.
    func findOrCreateExternalUser(_ user: User) async throws -> User
    func insertUser(_ user: User) async throws -> User
    func user(tenantId: String, id: String) async throws -> User?
    func user(tenantId: String, username: String) async throws -> User?
    /// By the integer identity the Enterprise dialect shows.
    func user(tenantId: String, number: Int64) async throws -> User?
    /// Users ordered by creation; `email` filters on the normalised email.
    func users(tenantId: String, page: PageRequest, email: String?) async throws -> Page<User>
    /// A local account; `conflict` when the email or username is taken (case-insensitively, by the database).
    func insertLocalUser(_ user: User, passwordHash: String?) async throws -> User
    /// The account a login names, by normalised username or email, with its password hash.
    func credentials(tenantId: String, login: String) async throws -> (User, String?)?
    func setPasswordHash(tenantId: String, userId: String, hash: String) async throws
    /// Writes the mutable fields (email, username, profile, flags, status); `conflict` on a taken email or username.
    func updateUser(_ user: User) async throws
    /// Deletes the user and revokes their sessions.
    func deleteUser(tenantId: String, id: String, at: Date) async throws -> Bool
}

public struct TOTPState: Sendable, Equatable {
    public var sealedSecret: String?
    public var confirmed: Bool
    public var lastStep: Int64
    public init(sealedSecret: String?, confirmed: Bool, lastStep: Int64) {
        self.sealedSecret = sealedSecret
        self.confirmed = confirmed
        self.lastStep = lastStep
    }
}

public struct MFAChallenge: Sendable, Equatable {
    public var tenantId: String
    public var userId: String
    public var expiresAt: Date
    public var failures: Int64
    public var consumedAt: Date?
    public init(tenantId: String, userId: String, expiresAt: Date, failures: Int64, consumedAt: Date?) {
        self.tenantId = tenantId
        self.userId = userId
        self.expiresAt = expiresAt
        self.failures = failures
        self.consumedAt = consumedAt
    }
}

/// TOTP enrollment and the MFA-pending tokens of password logins.
public protocol MFAStore: Sendable {
    func totpState(tenantId: String, userId: String) async throws -> TOTPState?
    /// A new (unconfirmed) secret, or nil to remove TOTP; either way the user's MFA flag follows.
    func setTOTPSecret(tenantId: String, userId: String, sealed: String?) async throws
    /// First good code: enrollment confirmed and MFA on.
    func confirmTOTP(tenantId: String, userId: String) async throws
    /// Atomically records `step` as used; false when it (or a later one) was used already — a replay.
    func claimTOTPStep(tenantId: String, userId: String, step: Int64) async throws -> Bool
    func insertMFAChallenge(hash: String, _ challenge: MFAChallenge) async throws
    func mfaChallenge(hash: String) async throws -> MFAChallenge?
    /// Counts a code attempt before it is checked: false when the challenge is spent, expired at `at`, or
    /// has had its `limit` attempts (dead).
    func reserveMFAChallenge(hash: String, limit: Int64, at: Date) async throws -> Bool
    /// Spends the challenge once; false when already spent.
    func consumeMFAChallenge(hash: String, at: Date) async throws -> Bool
}

/// Failure counters for brute-force protection, shared by every node through the database.
public protocol ThrottleStore: Sendable {
    /// The latest `locked_until` among `keys` (nil when none is locked at `now`).
    func lockedUntil(tenantId: String, keys: [String], now: Date) async throws -> Date?
    /// Counts one attempt on every key in one transaction, before it is checked. Refused (nil is granted,
    /// else the latest lock end) when a key is locked or this attempt would pass its limit — which locks
    /// that key; a refused attempt stays counted on no key.
    func reserveAttempt(
        tenantId: String, keys: [ThrottleKey], now: Date, window: TimeInterval,
        lockSeconds: @Sendable (Int64) -> TimeInterval
    ) async throws -> Date?
    /// After a reserved attempt succeeded: `clear` keys start over, `release` keys get the attempt back.
    func settleAttempt(tenantId: String, clear: [String], release: [String]) async throws
    /// Counts a failure (atomically); when the count reaches `limit` within `window`, locks the key for
    /// `lockSeconds(previousLocks)` and returns the lock's end.
    func recordFailure(
        tenantId: String, key: String, now: Date, window: TimeInterval, limit: Int,
        lockSeconds: @Sendable (Int64) -> TimeInterval
    ) async throws -> Date?
}

public protocol APIKeyStore: Sendable {
    func insertAPIKey(_ key: APIKey) async throws
    func apiKeys(tenantId: String, userId: String) async throws -> [APIKey]
    func apiKey(hash: String) async throws -> APIKey?
    func deleteAPIKey(tenantId: String, userId: String, id: String) async throws -> Bool
    /// Revokes every key of the user for good (they are deleted: nothing can bring them back); returns how many.
    func revokeAPIKeys(tenantId: String, userId: String) async throws -> Int
    /// Batched bookkeeping: the latest use of each key.
    func recordAPIKeyUse(_ uses: [String: Date]) async throws
}

public protocol BusinessStore: Sendable {
    func insertBusiness(_ business: Business) async throws
    func business(tenantId: String, id: String) async throws -> Business?
    func businesses(tenantId: String, page: PageRequest) async throws -> Page<Business>
    func deleteBusiness(tenantId: String, id: String) async throws -> Bool
    /// false when the user already belongs to the business.
    func insertMembership(_ membership: Membership) async throws -> Bool
    func memberships(tenantId: String, businessId: String) async throws -> [Membership]
    func membershipOptions(tenantId: String, userId: String) async throws -> [MembershipOption]
    func deleteMembership(tenantId: String, businessId: String, userId: String) async throws -> Bool
    /// false when already an admin.
    func insertTenantAdmin(_ admin: TenantAdmin) async throws -> Bool
    func isTenantAdmin(tenantId: String, userId: String) async throws -> Bool
    func tenantAdmins(tenantId: String) async throws -> [TenantAdmin]
    func deleteTenantAdmin(tenantId: String, userId: String) async throws -> Bool
}

public protocol IdentityProviderStore: Sendable {
    /// false when the tenant already has a provider for this issuer.
    func insertIdentityProvider(_ provider: IdentityProvider) async throws -> Bool
    func identityProviders(tenantId: String) async throws -> [IdentityProvider]
    func identityProvider(tenantId: String, id: String) async throws -> IdentityProvider?
    func deleteIdentityProvider(tenantId: String, id: String) async throws -> Bool
    /// False when the tenant has no such provider.
    func setIdentityProviderAudiences(tenantId: String, id: String, audiences: [String]) async throws -> Bool
    /// Providers of every tenant that name no audience (stored before one was required).
    func identityProvidersWithoutAudience() async throws -> [IdentityProvider]
}

/// The outcome of the atomic compare-and-set that spends a refresh token.
public enum RefreshSpendResult: Sendable, Equatable {
    /// This caller spent it; the successor row is written in the same transaction.
    case spent
    /// Someone else spent it first (or it was already spent); here is the row as it now stands.
    case alreadySpent(RefreshTokenRecord)
    case notFound
    /// The user is gone or disabled, or the membership or admin right the session was issued for is gone.
    case rightsLost
}

/// Which of a user's sessions an act revokes.
public enum SessionFilter: Sendable, Equatable {
    case all
    /// Sessions scoped to this business (issued for a membership of it).
    case business(String)
    /// Sessions of this auth level (`tenant` for a tenant admin's).
    case level(AuthLevel)
}

/// What a session's tokens stand for that may be taken away after it began: re-read at every refresh.
public struct SessionRights: Sendable, Equatable {
    public var tenantId: String
    public var userId: String?
    /// The membership (business and role) a business-scoped session was issued for.
    public var businessId: String?
    public var role: String?
    /// A tenant-level session needs its user to be a tenant admin still.
    public var tenantAdmin: Bool

    public init(_ session: Session) {
        tenantId = session.tenantId
        userId = session.userId
        businessId = session.businessId
        role = session.role
        tenantAdmin = session.level == .tenant
    }
}

/// A compare-and-set that must hold for a session to be created, checked in the same transaction.
public enum SessionPrecondition: Sendable, Equatable {
    /// A passkey's signature counter moves from `from` to `to` (and its backup state is stored).
    case passkeyCounter(tenantId: String, passkeyId: String, from: UInt32, to: UInt32, backedUp: Bool, at: Date)
    /// A sealed challenge is spent: its key enters the spent set (kept until it expires) unless already there.
    case spendChallenge(key: String, expiresAt: Date)
    /// An authorization code is used, by the session being inserted, unless it was used already.
    case spendAuthorizationCode(tenantId: String, hash: String, at: Date)
}

/// Thrown by `insertSession` when its precondition no longer holds; nothing was written.
public struct SessionPreconditionFailed: Error, Equatable {
    public init() {}
}

public protocol SessionStore: Sendable {
    /// Inserts a session with its first refresh token and, atomically with them, its login event, when
    /// every precondition holds (else throws `SessionPreconditionFailed` and writes nothing).
    func insertSession(
        _ session: Session, firstRefreshToken: RefreshTokenRecord?, event: EventDraft?, preconditions: [SessionPrecondition]
    ) async throws
    func session(tenantId: String, id: String) async throws -> Session?
    /// One indexed read that answers "is this session live, and whose is it": the session joined with its user.
    func sessionState(tenantId: String, id: String) async throws -> SessionState?
    func revokeSession(tenantId: String, id: String, at: Date, reason: String) async throws -> Bool
    /// Revokes the user's live sessions that `filter` names; returns how many.
    func revokeSessions(tenantId: String, userId: String, _ filter: SessionFilter, at: Date, reason: String) async throws -> Int
    /// Ends every live session issued to an OAuth client (the client is gone) or, with `userId`, to that
    /// client for one user (a consent withdrawn); returns how many.
    func revokeClientSessions(tenantId: String, clientId: String, userId: String?, at: Date, reason: String) async throws -> Int
    /// A user's sessions that are neither revoked nor expired at `now`, newest first.
    func activeSessions(tenantId: String, userId: String, now: Date) async throws -> [Session]
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// Atomically: if `hash` is unspent and `rights` still hold, mark it spent with its successor and insert
    /// the successor, and append `event` (the spend and its audit commit together). The rights are read in
    /// the same transaction as the spend.
    func spendRefreshToken(
        hash: String, at: Date, successor: RefreshTokenRecord, successorSealed: String, spentBy: String,
        rights: SessionRights, event: EventDraft?
    ) async throws -> RefreshSpendResult
}

public protocol EventStore: Sendable {
    /// Appends to the tenant's hash chain; retries on a concurrent append.
    func appendEvent(
        tenantId: String, id: String, type: String, subject: String?, data: String, at: Date, context: EventContext
    ) async throws -> AuditEvent
    func events(tenantId: String, afterSequence: Int64, limit: Int) async throws -> [AuditEvent]
    /// The tenant's first event (nil when it has none).
    func firstEvent(tenantId: String) async throws -> AuditEvent?
    /// The newest event created before `date`.
    func lastEvent(tenantId: String, before date: Date) async throws -> AuditEvent?
    /// Records a checkpoint (the last pruned event's sequence and hash) and deletes every event up to it.
    /// Returns how many were deleted.
    func pruneEvents(tenantId: String, through sequence: Int64, hash: String, at: Date) async throws -> Int
    /// The latest checkpoint: the sequence and hash of the last event pruned.
    func latestCheckpoint(tenantId: String) async throws -> (sequence: Int64, hash: String)?
    /// As `events`, only those `filter` lets through.
    func events(tenantId: String, afterSequence: Int64, limit: Int, filter: EventFilter) async throws -> [AuditEvent]
}

/// Removal of rows nothing can use any more (the audit log is never purged).
public protocol HousekeepingStore: Sendable {
    /// Deletes refresh tokens expired before `before`, sessions expired or revoked before it, spent or
    /// expired MFA challenges and idle brute-force counters; returns how many rows went.
    func purge(before: Date, now: Date) async throws -> Int
}

public protocol HealthStore: Sendable {
    /// True when the database answers and every migration is applied.
    func isReady() async -> Bool
}

/// Devices with their keys and the challenges they sign.
public protocol DeviceStore: Sendable {
    func insertDeviceChallenge(_ challenge: DeviceChallenge) async throws
    /// Spends a registration challenge once (for its tenant): returns it when this call spent it, expired or
    /// not, and nil when it is unknown or already spent.
    func consumeDeviceChallenge(id: String, tenantId: String, at: Date) async throws -> DeviceChallenge?
    func device(tenantId: String, id: String) async throws -> Device?
    func device(tenantId: String, userId: String, fingerprint: String) async throws -> Device?
    /// Active devices of any user of the tenant with this fingerprint (a shared tablet may hold several).
    func activeDevices(tenantId: String, fingerprint: String, limit: Int) async throws -> [Device]
    /// The user's devices, active or not, oldest first.
    func devices(tenantId: String, userId: String) async throws -> [Device]
    /// Inserts the device, or — same user and fingerprint — replaces its name, type and key and activates it
    /// again under its old id. Returns the stored device.
    func upsertDevice(_ device: Device) async throws -> Device
    /// False when the user has no such device.
    func setDeviceFCMToken(tenantId: String, userId: String, deviceId: String, token: String?, at: Date) async throws -> Bool
    /// Clears a token FCM called unregistered, unless the device has since sent a new one.
    func clearDeviceFCMToken(deviceId: String, token: String, at: Date) async throws
    /// Deactivates (and forgets the push token of) one of the user's devices; false when there is none.
    func deactivateDevice(tenantId: String, userId: String, id: String, at: Date) async throws -> Bool
    /// Batched bookkeeping: the latest use of each device.
    func recordDeviceUse(_ uses: [String: Date]) async throws
}

/// Action confirmations and the push outbox they fill.
public protocol ConfirmationStore: Sendable {
    /// The confirmation and its pushes, in one transaction: a push is never lost for a stored confirmation.
    func insertConfirmation(_ confirmation: Confirmation, pushes: [PushMessage]) async throws
    /// Queues messages in the outbox (one transaction).
    func insertPushes(_ pushes: [PushMessage]) async throws
    func confirmation(tenantId: String, id: String) async throws -> Confirmation?
    /// Moves a pending confirmation to `status` if it is still pending; for any status but `expired`, only
    /// while unexpired at `at`. Returns the updated row, or nil when another change came first.
    func transitionConfirmation(
        tenantId: String, id: String, to status: ConfirmationStatus, deviceId: String?, reason: String?, at: Date
    ) async throws -> Confirmation?
}

/// The durable outbox of push notifications, shared by every node.
public protocol PushOutboxStore: Sendable {
    /// Leases up to `limit` due messages (pending, due, not leased by a live lease) and counts the attempt.
    func claimDuePushes(now: Date, leaseUntil: Date, limit: Int) async throws -> [PushMessage]
    func markPushSent(id: Int64, at: Date) async throws
    func reschedulePush(id: Int64, at: Date, error: String) async throws
    /// Gives up on a message for good (`failed`, or `dropped` for a token FCM no longer knows).
    func closePush(id: Int64, status: String, error: String) async throws
    /// Message counts by status (what an operator or a test checks the outbox with).
    func pushCounts() async throws -> [String: Int]
}

/// Passkeys and their ceremonies.
public protocol WebAuthnStore: Sendable {
    func insertWebAuthnChallenge(_ challenge: WebAuthnChallenge) async throws
    /// Spends a registration challenge once (for its tenant): returns it when this call spent it.
    func consumeWebAuthnChallenge(id: String, tenantId: String, at: Date) async throws -> WebAuthnChallenge?
    /// False when the tenant already has this credential id (step 26 of §7.1).
    func insertPasskey(_ passkey: Passkey) async throws -> Bool
    func passkey(tenantId: String, credentialId: String) async throws -> Passkey?
    func passkeys(tenantId: String, userId: String) async throws -> [Passkey]
    func markPasskeyCloned(tenantId: String, id: String) async throws
    /// Whether a sealed challenge has been spent by a login.
    func challengeSpent(key: String) async throws -> Bool
    func renamePasskey(tenantId: String, userId: String, id: String, name: String) async throws -> Bool
    func deletePasskey(tenantId: String, userId: String, id: String) async throws -> Bool
    func passkeyPrompt(tenantId: String, userId: String) async throws -> PasskeyPromptStatus?
    func setPasskeyPrompt(tenantId: String, userId: String, status: PasskeyPromptStatus) async throws
}

extension SessionStore {
    public func insertSession(_ session: Session, firstRefreshToken: RefreshTokenRecord?, event: EventDraft?) async throws {
        try await insertSession(session, firstRefreshToken: firstRefreshToken, event: event, preconditions: [])
    }
}

/// A tenant's OAuth clients (RFC 6749 §2), by their `client_id`.
public protocol OAuthClientStore: Sendable {
    func insertOAuthClient(_ client: OAuthClient) async throws
    func oauthClient(tenantId: String, id: String) async throws -> OAuthClient?
    func oauthClients(tenantId: String, page: PageRequest) async throws -> Page<OAuthClient>
    /// False when the tenant has no such client.
    func updateOAuthClient(_ client: OAuthClient) async throws -> Bool
    func deleteOAuthClient(tenantId: String, id: String) async throws -> Bool
}

/// Revoked self-contained tokens (client credentials, RFC 7009): their `jti`, kept until they expire.
/// Authorization codes (RFC 6749 §4.1.2), by the SHA-256 of the code.
public protocol AuthorizationCodeStore: Sendable {
    func insertAuthorizationCode(_ code: AuthorizationCode) async throws
    func authorizationCode(tenantId: String, hash: String) async throws -> AuthorizationCode?
}

public protocol RevokedTokenStore: Sendable {
    /// False when it was revoked already.
    func insertRevokedToken(tenantId: String, jti: String, expiresAt: Date) async throws -> Bool
    func isTokenRevoked(tenantId: String, jti: String) async throws -> Bool
    /// The revoked tokens that have not expired at `now`, at most `limit` of them.
    func revokedTokens(now: Date, limit: Int) async throws -> [(tenantId: String, jti: String)]
}

/// One unit of work: an act and its audit event (and outbox rows) commit together or not at all.
public protocol UnitOfWorkStore: Sendable {
    /// Runs `body` in one transaction; everything done through the store it hands over commits with it. It
    /// may run `body` more than once (a concurrent append took the audit sequence number): `body` must have
    /// no effect outside that store.
    func unitOfWork<T: Sendable>(_ body: @Sendable (any GatehouseStore) async throws -> T) async throws -> T
}

/// What decides a caller's permissions, read in one round trip: the tenant's roles version (the key of
/// `RoleCatalog`), whether the user is a tenant admin, their tenant-wide roles and their business roles
/// (of `businessId` only, when given; else of every membership).
public struct AccessFacts: Sendable, Equatable {
    public var rolesVersion: Int64
    public var isAdmin: Bool
    public var tenantRoles: [String]
    public var businessRoles: [String]
    public init(rolesVersion: Int64, isAdmin: Bool, tenantRoles: [String], businessRoles: [String]) {
        self.rolesVersion = rolesVersion
        self.isAdmin = isAdmin
        self.tenantRoles = tenantRoles
        self.businessRoles = businessRoles
    }
}

/// Custom roles, the roles users hold tenant-wide, and the per-tenant roles version.
public protocol RoleStore: Sendable {
    /// Nil when the tenant does not exist.
    func accessFacts(tenantId: String, userId: String, businessId: String?) async throws -> AccessFacts?
    func rolesVersion(tenantId: String) async throws -> Int64
    func customRoles(tenantId: String) async throws -> [Role]
    /// Raises the tenant's roles version and returns the new one. Inside a unit of work it also holds the
    /// tenant's row, so role changes and the checks made before them are serialised per tenant.
    func bumpRolesVersion(tenantId: String) async throws -> Int64
    /// Holds the tenant's row for the rest of the unit of work without changing the version (a grant of a
    /// role waits for a concurrent deletion of it, and sees its outcome).
    func lockRoles(tenantId: String) async throws
    /// False when the name is taken.
    func insertRole(_ role: Role) async throws -> Bool
    func updateRole(_ role: Role) async throws -> Bool
    func deleteRole(tenantId: String, name: String) async throws -> Bool
    /// How many memberships and user grants hold the role.
    func roleHolders(tenantId: String, name: String) async throws -> Int
    func insertUserRole(_ grant: UserRole) async throws -> Bool
    func deleteUserRole(tenantId: String, userId: String, role: String) async throws -> Bool
    func userRoles(tenantId: String, userId: String) async throws -> [UserRole]
    func tenantAdminCount(tenantId: String) async throws -> Int
}

/// Tenant API keys (`/v2/api-keys`).
public protocol TenantAPIKeyStore: Sendable {
    func insertTenantAPIKey(_ key: TenantAPIKey) async throws
    func tenantAPIKey(hash: String) async throws -> TenantAPIKey?
    func tenantAPIKeys(tenantId: String, page: PageRequest) async throws -> Page<TenantAPIKey>
    func deleteTenantAPIKey(tenantId: String, id: String) async throws -> Bool
    func recordTenantAPIKeyUse(_ uses: [String: Date]) async throws
}

/// Webhooks and their delivery outbox. `EventStore.appendEvent` (and every append inside a unit of work)
/// also queues, in the same transaction, one pending delivery per active webhook of the tenant subscribed
/// to the event's type or to `*`, whose payload is `WebhookPayload.json(event)`.
public protocol WebhookStore: Sendable {
    /// `events` are stored as the webhook's subscriptions.
    func insertWebhook(_ webhook: Webhook) async throws
    func webhook(tenantId: String, id: String) async throws -> Webhook?
    func webhooks(tenantId: String, page: PageRequest) async throws -> Page<Webhook>
    /// Writes every mutable field, subscriptions included.
    func updateWebhook(_ webhook: Webhook) async throws -> Bool
    /// With its subscriptions and deliveries.
    func deleteWebhook(tenantId: String, id: String) async throws -> Bool
    /// A delivery outside the event fan-out (a ping, a redelivery), due at once.
    func insertDelivery(tenantId: String, webhookId: String, eventId: String, eventType: String, payload: String, eventAt: Date, now: Date) async throws -> Int64
    /// Leases due pending deliveries and counts the attempt, so no two nodes send one at once.
    func claimDueDeliveries(now: Date, leaseUntil: Date, limit: Int) async throws -> [WebhookDelivery]
    /// Closes a delivery (succeeded or failed) with what the last attempt got.
    func closeDelivery(id: Int64, status: WebhookDelivery.Status, statusCode: Int?, response: String?, error: String?, at: Date) async throws
    func rescheduleDelivery(id: Int64, at: Date, statusCode: Int?, response: String?, error: String?) async throws
    /// Resets (success) or counts (a delivery given up) the webhook's failures in a row; returns the count.
    func recordWebhookOutcome(tenantId: String, id: String, succeeded: Bool) async throws -> Int64
    func deliveries(tenantId: String, webhookId: String, page: PageRequest) async throws -> Page<WebhookDelivery>
    func delivery(tenantId: String, webhookId: String, id: Int64) async throws -> WebhookDelivery?
    /// Pending deliveries and when the oldest pending event happened, for the metrics.
    func webhookOutbox() async throws -> (pending: Int, oldest: Date?)
}

extension EventStore {
    /// Without a request behind it (tests, tools).
    public func appendEvent(tenantId: String, id: String, type: String, subject: String?, data: String, at: Date) async throws -> AuditEvent {
        try await appendEvent(tenantId: tenantId, id: id, type: type, subject: subject, data: data, at: at, context: EventContext())
    }
}

/// What `/v2/events` narrows the log to; nil members do not filter.
public struct EventFilter: Sendable, Equatable {
    /// Types starting with this (`login.` for the whole family, or one whole type).
    public var typePrefix: String?
    /// Old names stored before the catalog that read as types this prefix matches (`EventType.aliases`).
    public var olderTypes: [String] = []
    /// Old names that read as something else today, so the prefix must not match them as stored.
    public var renamedTypes: [String] = []
    public var subject: String?
    /// `user:<id>`, `api_key:<id>`, `client:<id>` or `system`.
    public var actor: String?
    public var since: Date?
    public var until: Date?
    public init(typePrefix: String? = nil, subject: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.typePrefix = typePrefix
        self.subject = subject
        self.since = since
        self.until = until
    }
}

/// Everything the engine needs from storage.
public typealias GatehouseStore = SettingsStore & TenantStore & SigningKeyStore & UserStore & BusinessStore
    & IdentityProviderStore & SessionStore & EventStore & HealthStore & APIKeyStore & ThrottleStore & MFAStore
    & HousekeepingStore & DeviceStore & ConfirmationStore & PushOutboxStore & WebAuthnStore & OAuthClientStore
    & RevokedTokenStore & AuthorizationCodeStore & ConsentStore & RoleStore & TenantAPIKeyStore & WebhookStore & UnitOfWorkStore
