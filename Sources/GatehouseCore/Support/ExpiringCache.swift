import Foundation
import Synchronization

/// A node's copy of rows another node may change (tenants by key, OAuth clients), each trusted for `ttl`
/// seconds from when it was read; a change made on this node is dropped with `invalidate`. Bounded: when
/// full it starts over. Unknown keys are remembered too when `remembersAbsence` (so a burst naming one
/// causes one read), else read again every time.
public final class ExpiringCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (value: Value?, at: Date)]>([:])
    let ttl: TimeInterval
    let capacity: Int
    let remembersAbsence: Bool

    public init(ttl: TimeInterval, capacity: Int = 10_000, remembersAbsence: Bool = false) {
        self.ttl = ttl
        self.capacity = capacity
        self.remembersAbsence = remembersAbsence
    }

    /// The value for `key`: the copy when younger than `ttl` at `now`, else `load`'s answer, remembered.
    public func value(_ key: String, now: Date, load: () async throws -> Value?) async rethrows -> Value? {
        if let hit = entries.withLock({ $0[key] }), abs(now.timeIntervalSince(hit.at)) < ttl { return hit.value }
        let value = try await load()
        if value != nil || remembersAbsence {
            entries.withLock {
                if $0.count >= capacity { $0.removeAll() }
                $0[key] = (value, now)
            }
        }
        return value
    }

    public func invalidate(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
