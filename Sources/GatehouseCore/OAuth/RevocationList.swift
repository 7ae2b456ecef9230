import Foundation
import Synchronization

/// A node's copy of the denylist of revoked client-credentials tokens (RFC 7009 §2.2: a revoked token is
/// refused from then on), so introspection (RFC 7662) of an access token reads no database. The copy is
/// read again at most once per `ttl`: another node's revocation is seen within it, this node's at once.
/// The table holds a token only until it expires; should it hold more than `capacity` tokens, the node
/// keeps no copy and asks the database at every check instead.
public final class RevocationList: Sendable {
    private enum Copy {
        case ids(Set<String>)
        case tooMany
    }

    let store: any RevokedTokenStore
    let clock: any GatehouseClock
    let ttl: TimeInterval
    let capacity: Int
    private let copy = Mutex<(copy: Copy, at: Date)?>(nil)
    /// This node's revocations of the last minute, added to every copy read: a read that began before one
    /// committed would otherwise drop it until the next read.
    private let recent = Mutex<[(key: String, at: Date)]>([])
    private let reload = SingleFlight<Int, Copy>()

    public init(store: any RevokedTokenStore, clock: any GatehouseClock, ttl: TimeInterval, capacity: Int) {
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.capacity = capacity
    }

    public func isRevoked(tenantId: String, jti: String) async throws -> Bool {
        let now = clock.now
        let current: Copy
        if let cached = copy.withLock({ $0 }), abs(now.timeIntervalSince(cached.at)) < ttl {
            current = cached.copy
        } else {
            current = try await read(now: now)
        }
        switch current {
        case .ids(let ids): return ids.contains(Self.key(tenantId, jti))
        case .tooMany: return try await store.isTokenRevoked(tenantId: tenantId, jti: jti)
        }
    }

    /// This node committed a revocation.
    public func added(tenantId: String, jti: String) {
        let key = Self.key(tenantId, jti)
        let now = clock.now
        recent.withLock { recent in
            recent.removeAll { abs(now.timeIntervalSince($0.at)) > 60 }
            recent.append((key, now))
        }
        copy.withLock { $0 = nil }  // the next check reads the table, which holds it now
    }

    private func read(now: Date) async throws -> Copy {
        let loaded = try await reload.run(0) { [store, capacity] in
            let rows = try await store.revokedTokens(now: now, limit: capacity + 1)
            return rows.count > capacity ? .tooMany : .ids(Set(rows.map { Self.key($0.tenantId, $0.jti) }))
        }
        let merged: Copy
        switch loaded {
        case .tooMany: merged = .tooMany
        case .ids(let ids): merged = .ids(ids.union(recent.withLock { $0.map(\.key) }))
        }
        copy.withLock { $0 = (merged, now) }
        return merged
    }

    private static func key(_ tenantId: String, _ jti: String) -> String { tenantId + "/" + jti }
}
