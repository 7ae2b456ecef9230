import DequeModule
import Synchronization

/// A fixed set of resources handed out one caller at a time; callers beyond the set wait in order.
/// A mutex rather than an actor: taking a free connection costs no executor hop.
final class AsyncPool<Resource: Sendable>: Sendable {
    private struct State {
        var available: [Resource]
        var waiters: Deque<CheckedContinuation<Resource, Never>> = []
    }

    private let state: Mutex<State>
    let all: [Resource]

    init(_ resources: [Resource]) {
        state = Mutex(State(available: resources))
        all = resources
    }

    func acquire() async -> Resource {
        if let r = state.withLock({ $0.available.popLast() }) { return r }
        return await withCheckedContinuation { continuation in
            let ready: Resource? = state.withLock { s in
                if let r = s.available.popLast() { return r }
                s.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func release(_ r: Resource) {
        let waiter = state.withLock { s -> CheckedContinuation<Resource, Never>? in
            if let w = s.waiters.popFirst() { return w }
            s.available.append(r)
            return nil
        }
        waiter?.resume(returning: r)
    }

    func with<T: Sendable>(_ body: (Resource) async throws -> T) async throws -> T {
        let r = await acquire()
        do {
            let result = try await body(r)
            release(r)
            return result
        } catch {
            release(r)
            throw error
        }
    }
}
