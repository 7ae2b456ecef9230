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
    public func draft(_ type: EventType, subject: String?, data: [String: JSONValue] = [:]) -> EventDraft {
        EventDraft(id: random.uuidString(), type: type.rawValue, subject: subject, data: Self.encode(data), at: clock.now, context: EventContext.current)
    }

    /// Sorted keys, no whitespace (JSONEncoder here showed in login profiles).
    static func encode(_ data: [String: JSONValue]) -> String { CanonicalJSON.encode(.object(data)) }

    /// Appends through the unit of work `tx` of the act: the act and its event commit together or not at all.
    public func append(
        _ type: EventType, tenantId: String, subject: String?, data: [String: JSONValue] = [:], in tx: any EventStore
    ) async throws {
        _ = try await tx.appendEvent(
            tenantId: tenantId, id: random.uuidString(), type: type.rawValue, subject: subject, data: Self.encode(data), at: clock.now,
            context: EventContext.current)
    }

    public func record(_ type: EventType, tenantId: String, subject: String?, data: [String: JSONValue] = [:]) async throws {
        _ = try await store.appendEvent(
            tenantId: tenantId, id: random.uuidString(), type: type.rawValue, subject: subject, data: Self.encode(data), at: clock.now,
            context: EventContext.current)
    }

    /// Walks a tenant's chain; returns the first sequence number whose link does not hold, or nil when intact.
    public func verifyChain(tenantId: String) async throws -> Int64? { try await verify(tenantId: tenantId).brokenAt }

    /// What a walk of the chain found: where it first breaks (nil: nowhere), and the checkpoint it started
    /// from when the tenant's oldest events were pruned (nil: it started at the first event).
    public struct ChainVerdict: Sendable, Equatable {
        public let brokenAt: Int64?
        public let checkpoint: Int64?
    }

    /// Walks the chain from its start: the first event, or — after pruning — the event after the latest
    /// checkpoint, which must link to the pruned event's hash the checkpoint recorded, while the chain must
    /// hold the `audit.checkpoint` event that recorded it.
    public func verify(tenantId: String) async throws -> ChainVerdict {
        let checkpoint = try await store.latestCheckpoint(tenantId: tenantId)
        var previous = checkpoint?.hash ?? ""
        var after: Int64 = checkpoint?.sequence ?? 0
        var expected = after + 1
        var recorded = checkpoint == nil
        while true {
            let batch = try await store.events(tenantId: tenantId, afterSequence: after, limit: 500)
            if batch.isEmpty { break }
            for e in batch {
                let h = e.link(after: previous)
                if e.sequence != expected || e.previousHash != previous || e.hash != h {
                    return ChainVerdict(brokenAt: e.sequence, checkpoint: checkpoint?.sequence)
                }
                if let checkpoint, e.type == Self.checkpointType,
                    let data = try? JSONDecoder().decode([String: JSONValue].self, from: Data(e.data.utf8)),
                    data["prunedThrough"]?.numberValue == Double(checkpoint.sequence), data["prunedHash"]?.stringValue == checkpoint.hash
                {
                    recorded = true
                }
                previous = e.hash
                after = e.sequence
                expected += 1
            }
        }
        // A checkpoint row no checkpoint event vouches for is a forged licence to delete.
        return ChainVerdict(brokenAt: recorded ? nil : (checkpoint?.sequence ?? 0) + 1, checkpoint: checkpoint?.sequence)
    }

    public static let checkpointType = EventType.auditCheckpoint.rawValue

    /// Retention (`GATEHOUSE_EVENT_RETENTION_DAYS`): deletes the tenant's events created before `cutoff`.
    /// First an `audit.checkpoint` event joins the chain recording the last pruned event's sequence and
    /// hash, so the chain never empties and the cut is itself chained; then the checkpoint row and the
    /// deletion, which the database admits only at or below a checkpoint. Returns how many were deleted. A
    /// stop between the two steps leaves a checkpoint event without its cut: the next run cuts again.
    public func prune(tenantId: String, before cutoff: Date) async throws -> Int {
        guard let first = try await store.firstEvent(tenantId: tenantId), first.createdAt < cutoff,
            let last = try await store.lastEvent(tenantId: tenantId, before: cutoff)
        else { return 0 }
        _ = try await store.appendEvent(
            tenantId: tenantId, id: random.uuidString(), type: Self.checkpointType, subject: nil,
            data: Self.encode([
                "prunedThrough": .number(Double(last.sequence)), "prunedHash": .string(last.hash),
                "prunedBefore": .string(cutoff.rfc3339),
            ]), at: clock.now, context: EventContext(actor: EventActor.system.name))
        return try await store.pruneEvents(tenantId: tenantId, through: last.sequence, hash: last.hash, at: clock.now)
    }
}
