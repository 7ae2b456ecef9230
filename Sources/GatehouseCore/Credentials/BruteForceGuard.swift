import Foundation

/// Limits on failed logins, OTP and challenge answers (CONTRACT §4): per account and per client address,
/// counted in the database so every node sees them. A locked key answers 429 with `Retry-After`; each new
/// lock of the same key lasts twice as long, up to `maxLock`. Success clears the account's record.
public struct BruteForcePolicy: Sendable {
    public var accountLimit = 5
    public var addressLimit = 50
    public var window: TimeInterval = 15 * 60
    public var firstLock: TimeInterval = 30
    public var maxLock: TimeInterval = 15 * 60
    public init() {}

    func lockSeconds(afterLocks count: Int64) -> TimeInterval {
        min(maxLock, firstLock * pow(2, Double(min(count, 20))))
    }
}

/// One key of a reservation with the number of attempts it allows per window.
public struct ThrottleKey: Sendable, Equatable {
    public var key: String
    public var limit: Int
    public init(key: String, limit: Int) {
        self.key = key
        self.limit = limit
    }
}

public struct BruteForceGuard: Sendable {
    let store: any ThrottleStore
    let clock: any GatehouseClock
    public let policy: BruteForcePolicy

    public init(store: any ThrottleStore, clock: any GatehouseClock, policy: BruteForcePolicy) {
        self.store = store
        self.clock = clock
        self.policy = policy
    }

    static func accountKey(_ kind: String, _ account: String) -> String { "acct:\(kind):\(account)" }
    static func addressKey(_ address: String) -> String { "addr:\(address)" }

    /// An attempt counted before its expensive check (bcrypt, a TOTP code): settle it when the check passes.
    public struct Reservation: Sendable {
        let tenantId: String
        let account: String?
        let address: String?
    }

    /// Counts an attempt against the account and the address before it is checked, atomically: of any
    /// number of concurrent attempts at most the limit get through, the rest answer 429 (a check of the
    /// lock followed by a later count would let a whole burst through). The attempt that would pass a
    /// limit locks that key.
    public func reserve(tenantId: String, kind: String, account: String?, address: String?) async throws -> Reservation {
        var keys: [ThrottleKey] = []
        let accountKey = account.map { Self.accountKey(kind, $0) }
        let addressKey = address.map(Self.addressKey)
        if let accountKey { keys.append(ThrottleKey(key: accountKey, limit: policy.accountLimit)) }
        if let addressKey { keys.append(ThrottleKey(key: addressKey, limit: policy.addressLimit)) }
        let now = clock.now
        let p = policy
        if let until = try await store.reserveAttempt(
            tenantId: tenantId, keys: keys, now: now, window: p.window, lockSeconds: { p.lockSeconds(afterLocks: $0) })
        {
            throw Self.throttled(until: until, now: now)
        }
        return Reservation(tenantId: tenantId, account: accountKey, address: addressKey)
    }

    /// The reserved attempt succeeded: the account starts over, and the address gets its attempt back.
    public func settle(_ r: Reservation) async throws {
        try await store.settleAttempt(tenantId: r.tenantId, clear: r.account.map { [$0] } ?? [], release: r.address.map { [$0] } ?? [])
    }

    /// Throws 429 while the account or the address is locked. For checks that cost no more than the
    /// lookup of the lock (a signature), where a reservation would double the writes of every login.
    public func check(tenantId: String, kind: String, account: String?, address: String?) async throws {
        var keys: [String] = []
        if let account { keys.append(Self.accountKey(kind, account)) }
        if let address { keys.append(Self.addressKey(address)) }
        let now = clock.now
        if let until = try await store.lockedUntil(tenantId: tenantId, keys: keys, now: now) {
            throw Self.throttled(until: until, now: now)
        }
    }

    /// Counts a failure against both; when that locks either, the error to answer with now.
    public func failed(tenantId: String, kind: String, account: String?, address: String?) async throws -> GatehouseError? {
        let now = clock.now
        var until: Date?
        let p = policy
        if let account {
            until = try await store.recordFailure(
                tenantId: tenantId, key: Self.accountKey(kind, account), now: now, window: p.window, limit: p.accountLimit,
                lockSeconds: { p.lockSeconds(afterLocks: $0) })
        }
        if let address,
            let u = try await store.recordFailure(
                tenantId: tenantId, key: Self.addressKey(address), now: now, window: p.window, limit: p.addressLimit,
                lockSeconds: { p.lockSeconds(afterLocks: $0) })
        {
            until = max(until ?? u, u)
        }
        return until.map { Self.throttled(until: $0, now: now) }
    }

    static func throttled(until: Date, now: Date) -> GatehouseError {
        GatehouseError(
            .throttled, "Too many failed attempts; try again later",
            retryAfterSeconds: max(1, Int((until.millis - now.millis + 999) / 1000)))
    }
}
