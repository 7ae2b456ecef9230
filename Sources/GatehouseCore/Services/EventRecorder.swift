import Foundation

/// Appends security events to the tenant's hash-chained audit log: inside the act's unit of work (`append`),
/// or on their own (`record`) for what changes nothing else — a refused attempt, a key rotation. Failing to
/// record fails the request either way: nothing is swallowed.
public struct EventRecorder: Sendable {
    let store: any EventStore
    let clock: any GatehouseClock
    let random: any RandomSource

    public init(store: any EventStore, clock: any GatehouseClock, random: any RandomSource) {
        self.store = store
        self.clock = clock
        self.random = random
    }

    /// An event to hand to a store call that appends it in its own transaction.
    public func draft(_ type: String, subject: String?, data: [String: JSONValue] = [:]) -> EventDraft {
        EventDraft(id: random.uuidString(), type: type, subject: subject, data: Self.encode(data), at: clock.now)
    }

    /// Sorted keys, no whitespace (JSONEncoder here showed in login profiles).
    static func encode(_ data: [String: JSONValue]) -> String { CanonicalJSON.encode(.object(data)) }

    /// Appends through the unit of work `tx` of the act: the act and its event commit together or not at all.
    public func append(
        _ type: String, tenantId: String, subject: String?, data: [String: JSONValue] = [:], in tx: any EventStore
    ) async throws {
        _ = try await tx.appendEvent(
            tenantId: tenantId, id: random.uuidString(), type: type, subject: subject, data: Self.encode(data), at: clock.now)
    }

    public func record(_ type: String, tenantId: String, subject: String?, data: [String: JSONValue] = [:]) async throws {
        _ = try await store.appendEvent(
            tenantId: tenantId, id: random.uuidString(), type: type, subject: subject, data: Self.encode(data), at: clock.now)
    }

    /// Walks a tenant's chain; returns the first sequence number whose link does not hold, or nil when intact.
    public func verifyChain(tenantId: String) async throws -> Int64? {
        var previous = ""
        var after: Int64 = 0
        var expected: Int64 = 1
        while true {
            let batch = try await store.events(tenantId: tenantId, afterSequence: after, limit: 500)
            if batch.isEmpty { return nil }
            for e in batch {
                let h = AuditEvent.chainHash(
                    previousHash: previous, tenantId: e.tenantId, sequence: e.sequence, id: e.id, type: e.type,
                    subject: e.subject, data: e.data, createdAtMillis: e.createdAt.millis)
                if e.sequence != expected || e.previousHash != previous || e.hash != h { return e.sequence }
                previous = e.hash
                after = e.sequence
                expected += 1
            }
        }
    }
}
