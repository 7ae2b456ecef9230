import Synchronization

/// One piece of work per key at a time: callers that arrive while it runs wait for its result instead of
/// starting their own (a burst of tokens naming an unknown key causes one reload, one fetch).
public final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let running = Mutex<[Key: Task<Value, any Error>]>([:])

    public init() {}

    public func run(_ key: Key, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = running.withLock { map -> Task<Value, any Error> in
            if let existing = map[key] { return existing }
            let started = Task { try await work() }
            map[key] = started
            return started
        }
        defer { running.withLock { map in if map[key] == task { map[key] = nil } } }
        return try await task.value
    }
}
