import Foundation
import Synchronization

/// A tenant's identity providers, read on every token exchange, cached for `ttl`. A change made on this
/// node is seen at once; one made on another node within `ttl`.
public final class IdentityProviderCache: Sendable {
    private let store: any IdentityProviderStore
    private let clock: any GatehouseClock
    private let ttl: TimeInterval
    private let entries = Mutex<[String: (providers: [IdentityProvider], loadedAt: Date)]>([:])

    public init(store: any IdentityProviderStore, clock: any GatehouseClock, ttl: TimeInterval = 5) {
        self.store = store
        self.clock = clock
        self.ttl = ttl
    }

    public func providers(tenantId: String) async throws -> [IdentityProvider] {
        let now = clock.now
        if let e = entries.withLock({ $0[tenantId] }), abs(now.timeIntervalSince(e.loadedAt)) < ttl { return e.providers }
        let providers = try await store.identityProviders(tenantId: tenantId)
        entries.withLock {
            if $0.count > 10_000 { $0.removeAll() }
            $0[tenantId] = (providers, now)
        }
        return providers
    }

    public func invalidate(tenantId: String) {
        _ = entries.withLock { $0.removeValue(forKey: tenantId) }
    }
}
