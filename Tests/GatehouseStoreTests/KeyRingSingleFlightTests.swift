import Foundation
import GatehouseCore
import GatehouseStore
import Synchronization
import Testing

/// Issue 10, item 14: tokens naming an unknown kid reload a tenant's keys once, however many arrive at once.
@Suite struct KeyRingSingleFlightTests {
    /// The real store, counting the key loads that reach it.
    final class CountingKeys: SigningKeyStore {
        let store: SQLStore
        let loads = Mutex(0)
        init(_ store: SQLStore) { self.store = store }
        func insertSigningKey(_ key: SigningKeyRecord) async throws { try await store.insertSigningKey(key) }
        func signingKeys(tenantId: String, now: Date) async throws -> [SigningKeyRecord] {
            loads.withLock { $0 += 1 }
            // Long enough for every concurrent caller to arrive while the first load is under way.
            try await Task.sleep(for: .milliseconds(50))
            return try await store.signingKeys(tenantId: tenantId, now: now)
        }
        func rotateSigningKeys(tenantId: String, rotatedAt: Date, retireAt: Date) async throws {
            try await store.rotateSigningKeys(tenantId: tenantId, rotatedAt: rotatedAt, retireAt: retireAt)
        }
    }

    @Test(arguments: StoreContractTests.kinds) func unknownKidsReloadOnce(kind: String) async throws {
        try await StoreContractTests.withStore(kind) { store, _ async throws in
            let t = try await StoreContractTests.tenant(store)
            let keys = CountingKeys(store)
            let clock = ManualClock(Date())
            let cache = KeyRingCache(
                store: keys, box: try SecretBox(masterKey: Array(repeating: 9, count: 32)), clock: clock,
                random: SystemRandomSource(), algorithm: .ES256, retention: 3600)
            // Fifty first uses at once: one load.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 { group.addTask { _ = try await cache.ring(tenantId: t.id) } }
                try await group.waitForAll()
            }
            #expect(keys.loads.withLock { $0 } <= 2, "the first load, and the one after creating the key")
            let afterFirst = keys.loads.withLock { $0 }
            clock.advance(by: 2)
            // Fifty tokens naming a kid nobody knows: one reload.
            let found = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 { group.addTask { try await cache.verifier(tenantId: t.id, kid: "no-such-kid") != nil } }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(!found.contains(true))
            #expect(keys.loads.withLock { $0 } == afterFirst + 1, "\(keys.loads.withLock { $0 } - afterFirst) reloads")
        }
    }
}
