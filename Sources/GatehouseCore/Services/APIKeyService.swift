import Foundation
import Synchronization

/// Users' API keys (seed 003): `sk_live_` + 43 base62 characters (256 bits), stored as SHA-256, shown once.
public struct APIKeyService: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let stepUp: StepUp
    public let lastUsed: LastUsedRecorder

    public static let prefix = "sk_live_"
    static let managing = "manage API keys"

    /// A new key for the caller, who must have signed in recently (step-up); an API key cannot make keys.
    /// `expiresAt`, when given, must lie in the future.
    /// A new key for the caller; without a name it is called "API key <date>" (UTC).
    public func create(caller: Caller, name: String?, expiresAt: Date? = nil) async throws -> (APIKey, String) {
        try stepUp.require(caller, act: Self.managing)
        let user = caller.user
        let now = clock.now
        let name = name ?? "API key " + String(now.rfc3339.prefix(10))
        if let expiresAt, expiresAt <= now { throw GatehouseError.field("expiresAt", "must be in the future") }
        let plaintext = Self.prefix + random.base62(length: 43)
        let key = APIKey(
            id: "key_" + random.base62(length: 16), tenantId: user.tenantId, userId: user.id, name: name,
            keyHash: Digest.sha256Hex(plaintext), createdAt: now, expiresAt: expiresAt)
        try await store.unitOfWork { [events] tx in
            try await tx.insertAPIKey(key)
            try await events.append(
                .apiKeyCreated, tenantId: user.tenantId, subject: user.id, data: ["keyId": .string(key.id)], in: tx)
        }
        return (key, plaintext)
    }

    /// Keys with the latest use folded in, including uses not yet written. Not for an API key.
    public func list(caller: Caller) async throws -> [APIKey] {
        let user = try caller.signedIn(toDo: Self.managing).1
        return try await store.apiKeys(tenantId: user.tenantId, userId: user.id).map { key in
            var k = key
            k.lastUsedAt = lastUsed.latest(key.id, stored: key.lastUsedAt)
            return k
        }
    }

    /// Not for an API key (a stolen key must not be able to remove the others, nor itself from sight).
    public func delete(caller: Caller, id: String) async throws {
        let user = try caller.signedIn(toDo: Self.managing).1
        try await store.unitOfWork { [events] tx in
            guard try await tx.deleteAPIKey(tenantId: user.tenantId, userId: user.id, id: id) else {
                throw GatehouseError(.notFound, "API key not found")
            }
            try await events.append(
                .apiKeyDeleted, tenantId: user.tenantId, subject: user.id, data: ["keyId": .string(id)], in: tx)
        }
    }

    /// The key and its owner, for a presented key; nil when unknown, deleted, or the owner is gone or disabled.
    public func authenticate(_ presented: String, tenantId: String) async throws -> (APIKey, User)? {
        guard presented.hasPrefix(Self.prefix), presented.utf8.count <= 128 else { return nil }
        guard let key = try await store.apiKey(hash: Digest.sha256Hex(presented)), key.tenantId == tenantId,
            key.isUsable(at: clock.now),
            let user = try await store.user(tenantId: tenantId, id: key.userId), user.status == .active
        else { return nil }
        lastUsed.note(key.id, at: clock.now)
        return (key, user)
    }
}

/// `lastUsed` bookkeeping in batches (API keys, devices): uses are noted in memory and written by `flush`
/// (every few seconds and at shutdown), so a request costs no write.
public final class LastUsedRecorder: Sendable {
    private let write: @Sendable ([String: Date]) async throws -> Void
    private let pendingUses = Mutex<[String: Date]>([:])

    public init(write: @escaping @Sendable ([String: Date]) async throws -> Void) { self.write = write }

    func note(_ id: String, at: Date) { pendingUses.withLock { $0[id] = at } }
    func pending(_ id: String) -> Date? { pendingUses.withLock { $0[id] } }

    /// The later of a stored last use and one noted but not yet written.
    func latest(_ id: String, stored: Date?) -> Date? {
        guard let pending = pending(id), (stored ?? .distantPast) < pending else { return stored }
        return pending
    }

    public func flush() async throws {
        let batch = pendingUses.withLock { p -> [String: Date] in
            defer { p.removeAll() }
            return p
        }
        guard !batch.isEmpty else { return }
        do {
            try await write(batch)
        } catch {
            // Not lost: merged back for the next flush (newest wins).
            pendingUses.withLock { p in for (k, v) in batch where (p[k] ?? .distantPast) < v { p[k] = v } }
            throw error
        }
    }
}
