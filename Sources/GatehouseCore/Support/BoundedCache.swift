import Synchronization

/// A thread-safe memo keyed by text, for values that are costly to compute and never change for their key
/// (verified tokens, parsed keys, derived keys). Bounded: when full it starts over.
public final class BoundedCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    private let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    public func lookup(_ key: String) -> Value? { entries.withLock { $0[key] } }

    public func remember(_ key: String, _ value: Value) {
        entries.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[key] = value
        }
    }

    /// The value for `key`, made (outside the lock) and remembered when absent.
    public func value(_ key: String, orMake make: () throws -> Value) rethrows -> Value {
        if let hit = lookup(key) { return hit }
        let made = try make()
        remember(key, made)
        return made
    }
}
