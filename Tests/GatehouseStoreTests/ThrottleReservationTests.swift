import Foundation
import GatehouseCore
import GatehouseStore
import Testing

/// The brute-force reservation of issue 10, item 2, against both databases: atomic under concurrency, and
/// a refused attempt stays counted on no key.
@Suite struct ThrottleReservationTests {
    static let lock: @Sendable (Int64) -> TimeInterval = { _ in 30 }

    @Test(arguments: StoreContractTests.kinds) func ofFiftyConcurrentAttemptsTheLimitGetsThrough(kind: String) async throws {
        try await StoreContractTests.withStore(kind) { store, _ async throws in
            let t = try await StoreContractTests.tenant(store)
            let now = Date(millis: Date().millis)
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await store.reserveAttempt(
                            tenantId: t.id, keys: [ThrottleKey(key: "acct:pwd:user:u1", limit: 5)], now: now, window: 900,
                            lockSeconds: Self.lock) == nil
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(granted == 5)
            #expect(try await store.lockedUntil(tenantId: t.id, keys: ["acct:pwd:user:u1"], now: now) != nil)
        }
    }

    @Test(arguments: StoreContractTests.kinds) func aRefusedAttemptGivesItsCountsBack(kind: String) async throws {
        try await StoreContractTests.withStore(kind) { store, _ async throws in
            let t = try await StoreContractTests.tenant(store)
            let now = Date(millis: Date().millis)
            func reserve(_ keys: [ThrottleKey]) async throws -> Bool {
                try await store.reserveAttempt(tenantId: t.id, keys: keys, now: now, window: 900, lockSeconds: Self.lock) == nil
            }
            let address = ThrottleKey(key: "addr:203.0.113.9", limit: 3)
            // The address's third attempt is its last; the fourth locks it and is refused on both keys.
            for name in ["a", "b", "c"] { #expect(try await reserve([ThrottleKey(key: "acct:\(name)", limit: 5), address])) }
            #expect(try await !reserve([ThrottleKey(key: "acct:d", limit: 5), address]))
            // "acct:d" did not keep the refused attempt: five more fit once the address is out of the way.
            for _ in 0..<5 { #expect(try await reserve([ThrottleKey(key: "acct:d", limit: 5)])) }
            #expect(try await !reserve([ThrottleKey(key: "acct:d", limit: 5)]))
            // Settling clears an account and gives the address one attempt back.
            try await store.settleAttempt(tenantId: t.id, clear: ["acct:a"], release: ["acct:b"])
            #expect(try await reserve([ThrottleKey(key: "acct:b", limit: 1)]), "b had 1, released to 0")
        }
    }

    @Test(arguments: StoreContractTests.kinds) func aPendingMFATokenTakesFiveCodes(kind: String) async throws {
        try await StoreContractTests.withStore(kind) { store, _ async throws in
            let t = try await StoreContractTests.tenant(store)
            let now = Date(millis: Date().millis)
            let u = try await store.insertLocalUser(
                User(id: UUID().uuidString, tenantId: t.id, username: "jane", createdAt: now, updatedAt: now), passwordHash: nil)
            try await store.insertMFAChallenge(
                hash: "h1", MFAChallenge(tenantId: t.id, userId: u.id, expiresAt: now.addingTimeInterval(300), failures: 0, consumedAt: nil))
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<30 { group.addTask { try await store.reserveMFAChallenge(hash: "h1", limit: 5, at: now) } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(granted == 5)
            try await store.insertMFAChallenge(
                hash: "h2", MFAChallenge(tenantId: t.id, userId: u.id, expiresAt: now.addingTimeInterval(300), failures: 0, consumedAt: nil))
            #expect(try await !store.reserveMFAChallenge(hash: "h2", limit: 5, at: now.addingTimeInterval(301)), "expired")
            #expect(try await store.consumeMFAChallenge(hash: "h2", at: now))
            #expect(try await !store.reserveMFAChallenge(hash: "h2", limit: 5, at: now), "spent")
        }
    }
}
