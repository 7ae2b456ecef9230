/// A fixed set of resources handed out one caller at a time; callers beyond the set wait in order.
actor AsyncPool<Resource: Sendable> {
    private var available: [Resource]
    private var waiters: [CheckedContinuation<Resource, Never>] = []
    let all: [Resource]

    init(_ resources: [Resource]) {
        available = resources
        all = resources
    }

    func acquire() async -> Resource {
        if let r = available.popLast() { return r }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func release(_ r: Resource) {
        if waiters.isEmpty { available.append(r) } else { waiters.removeFirst().resume(returning: r) }
    }
}

extension AsyncPool {
    nonisolated func with<T: Sendable>(_ body: (Resource) async throws -> T) async throws -> T {
        let r = await acquire()
        do {
            let result = try await body(r)
            await release(r)
            return result
        } catch {
            await release(r)
            throw error
        }
    }
}
