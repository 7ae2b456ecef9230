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

    /// Throws 429 while the account or the address is locked.
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

    public func succeeded(tenantId: String, kind: String, account: String) async throws {
        try await store.clearThrottle(tenantId: tenantId, key: Self.accountKey(kind, account))
    }

    static func throttled(until: Date, now: Date) -> GatehouseError {
        GatehouseError(
            .throttled, "Too many failed attempts; try again later",
            retryAfterSeconds: max(1, Int((until.millis - now.millis + 999) / 1000)))
    }
}
