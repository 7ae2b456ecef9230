import Foundation
import GatehouseCore
import SQLKit
import Synchronization

struct ChainHead: Sendable {
    var sequence: Int64
    var hash: String
}

/// Rolls back a transaction whose audit event lost the race for its sequence number, so that it reruns.
struct AuditChainRace: Error {}

/// The chain-head hints, shared by a store and the stores it binds to units of work.
final class ChainHeads: Sendable {
    let heads = Mutex<[String: ChainHead]>([:])
    func withLock<T: Sendable>(_ body: (inout sending [String: ChainHead]) -> sending T) -> sending T { heads.withLock(body) }
}

extension SQLStore: EventStore {
    public func appendEvent(
        tenantId: String, id: String, type: String, subject: String?, data: String, at: Date, context: EventContext
    ) async throws -> AuditEvent {
        let draft = EventDraft(id: id, type: type, subject: subject, data: data, at: at, context: context)
        return try await retryingAuditChainRaces {
            try await transaction("appendEvent") { db in
                guard let appended = try await append(draft, tenantId: tenantId, on: db) else { throw AuditChainRace() }
                return appended
            }
        }
    }

    /// Appends inside the caller's transaction (and moves the chain-head hint); nil when a concurrent append
    /// took the sequence number: the caller throws `AuditChainRace` so that its whole transaction reruns.
    func append(_ e: EventDraft, tenantId: String, on db: any SQLDatabase) async throws -> AuditEvent? {
        if let hint = chainHeads.withLock({ $0[tenantId] }), let event = try await insert(e, after: hint, tenantId: tenantId, on: db) {
            committed(event)
            return event
        }
        let last = try await db.raw(
            "SELECT seq, hash FROM events WHERE tenant_id = \(bind: tenantId) ORDER BY seq DESC LIMIT 1"
        ).first()
        let head = ChainHead(sequence: try last?.int("seq") ?? 0, hash: try last?.string("hash") ?? "")
        let event = try await insert(e, after: head, tenantId: tenantId, on: db)
        if let event { committed(event) }
        return event
    }

    /// Remembers an appended event as its tenant's chain head (never moving the hint backwards). Called
    /// inside the appending transaction, so the next writer (which waits for this one's commit) already
    /// builds on it; should that transaction roll back, the hint names a link that does not exist and the
    /// next insert, which requires its predecessor, falls back to reading the head.
    func committed(_ event: AuditEvent) {
        chainHeads.withLock {
            if ($0[event.tenantId]?.sequence ?? 0) < event.sequence {
                $0[event.tenantId] = ChainHead(sequence: event.sequence, hash: event.hash)
            }
        }
    }

    private func insert(_ e: EventDraft, after head: ChainHead, tenantId: String, on db: any SQLDatabase) async throws
        -> AuditEvent?
    {
        let seq = head.sequence + 1
        let millis = e.at.millis
        let hash = AuditEvent.chainHashV2(
            previousHash: head.hash, tenantId: tenantId, sequence: seq, id: e.id, type: e.type, subject: e.subject,
            data: e.data, createdAtMillis: millis, context: e.context)
        // Taken already (a concurrent append, or a stale hint), or a predecessor that does not exist (a hint
        // from a transaction that rolled back): the insert is a no-op.
        let values: SQLQueryString = """
            \(bind: tenantId), \(bind: seq), \(bind: e.id), \(bind: e.type), \(bind: e.subject), \(bind: e.data),
              \(bind: millis), \(bind: head.hash), \(bind: hash), \(bind: e.context.actor), \(bind: e.context.ip),
              \(bind: e.context.userAgent), \(bind: e.context.requestId), 2
            """
        let sql: SQLQueryString =
            head.sequence == 0
            ? """
                INSERT INTO events (tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash, actor, ip, user_agent, request_id, hash_version)
                VALUES (\(values)) ON CONFLICT DO NOTHING RETURNING seq
                """
            : """
                INSERT INTO events (tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash, actor, ip, user_agent, request_id, hash_version)
                SELECT \(values) WHERE EXISTS (
                  SELECT 1 FROM events WHERE tenant_id = \(bind: tenantId) AND seq = \(bind: head.sequence)
                    AND hash = \(bind: head.hash))
                ON CONFLICT DO NOTHING RETURNING seq
                """
        let inserted = try await db.raw(sql).first() != nil
        guard inserted else { return nil }
        let event = AuditEvent(
            id: e.id, tenantId: tenantId, sequence: seq, type: e.type, subject: e.subject, data: e.data,
            createdAt: Date(millis: millis), previousHash: head.hash, hash: hash, context: e.context, hashVersion: 2)
        try await queueDeliveries(of: event, on: db)
        return event
    }

    /// The outbox rows of an event, in its transaction: one per active webhook of the tenant subscribed to
    /// its type or to `*` (no event committed without its deliveries, none for an act rolled back). A row
    /// names the event by its place in the chain; the body is made from the event when it is sent, so an
    /// event going to several webhooks is not written again for each.
    private func queueDeliveries(of event: AuditEvent, on db: any SQLDatabase) async throws {
        let millis = event.createdAt.millis
        try await db.raw(
            """
            INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, event_type, event_seq, status, attempts, next_attempt_at, event_at)
            SELECT w.tenant_id, w.id, \(bind: event.id), \(bind: event.type), \(bind: event.sequence), 'pending', 0,
              \(bind: millis), \(bind: millis)
            FROM webhooks w WHERE w.tenant_id = \(bind: event.tenantId) AND w.active = 1 AND EXISTS (
              SELECT 1 FROM webhook_events s WHERE s.webhook_id = w.id AND (s.event_type = \(bind: event.type) OR s.event_type = '*'))
            """
        ).run()
    }

    public func events(tenantId: String, afterSequence: Int64, limit: Int) async throws -> [AuditEvent] {
        try await events(tenantId: tenantId, afterSequence: afterSequence, limit: limit, filter: EventFilter())
    }

    public func events(tenantId: String, afterSequence: Int64, limit: Int, filter: EventFilter) async throws -> [AuditEvent] {
        // substr rather than LIKE: '_' in a type is a LIKE wildcard.
        let prefix = filter.typePrefix ?? ""
        // '' names no type: it keeps the list from being empty, which SQL does not allow.
        let older: [any Encodable & Sendable] = filter.olderTypes + [""]
        let renamed: [any Encodable & Sendable] = filter.renamedTypes + [""]
        return try await read("events") { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.eventColumns) FROM events
                WHERE tenant_id = \(bind: tenantId) AND seq > \(bind: afterSequence)
                  AND (\(bind: prefix) = ''
                    OR (substr(type, 1, CAST(\(bind: prefix.utf8.count) AS INTEGER)) = \(bind: prefix) AND type NOT IN (\(binds: renamed)))
                    OR type IN (\(binds: older)))
                  AND (\(bind: filter.subject ?? "") = '' OR subject = \(bind: filter.subject ?? ""))
                  AND (\(bind: filter.actor ?? "") = '' OR actor = \(bind: filter.actor ?? ""))
                  AND created_at >= \(bind: filter.since?.millis ?? Int64.min) AND created_at <= \(bind: filter.until?.millis ?? Int64.max)
                ORDER BY seq LIMIT \(unsafeRaw: String(max(1, min(limit, 1000))))
                """
            ).all().map(auditEvent(from:))
        }
    }

    func auditEvent(from row: any SQLRow) throws -> AuditEvent {
        AuditEvent(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), sequence: try row.int("seq"),
            type: try row.string("type"), subject: try row.optionalString("subject"), data: try row.string("data"),
            createdAt: try row.date("created_at"), previousHash: try row.string("prev_hash"), hash: try row.string("hash"),
            context: EventContext(
                actor: try row.optionalString("actor"), ip: try row.optionalString("ip"), userAgent: try row.optionalString("user_agent"),
                requestId: try row.optionalString("request_id")),
            hashVersion: try row.int("hash_version"))
    }
}

extension SQLStore {
    static let eventColumns = "tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash, actor, ip, user_agent, request_id, hash_version"

    public func firstEvent(tenantId: String) async throws -> AuditEvent? {
        try await read("firstEvent") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.eventColumns) FROM events WHERE tenant_id = \(bind: tenantId) ORDER BY seq LIMIT 1"
            ).first().map(auditEvent(from:))
        }
    }

    public func lastEvent(tenantId: String, before date: Date) async throws -> AuditEvent? {
        try await read("lastEventBefore") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.eventColumns) FROM events WHERE tenant_id = \(bind: tenantId) AND created_at < \(bind: date.millis) ORDER BY seq DESC LIMIT 1"
            ).first().map(auditEvent(from:))
        }
    }

    public func pruneEvents(tenantId: String, through sequence: Int64, hash: String, at: Date) async throws -> Int {
        try await transaction("pruneEvents") { db in
            try await db.raw(
                "INSERT INTO event_checkpoints (tenant_id, through_seq, hash, created_at) VALUES (\(bind: tenantId), \(bind: sequence), \(bind: hash), \(bind: at.millis))"
            ).run()
            return try await db.raw(
                "DELETE FROM events WHERE tenant_id = \(bind: tenantId) AND seq <= \(bind: sequence) RETURNING seq"
            ).all().count
        }
    }

    public func latestCheckpoint(tenantId: String) async throws -> (sequence: Int64, hash: String)? {
        try await read("latestCheckpoint") { db in
            guard let row = try await db.raw(
                "SELECT through_seq, hash FROM event_checkpoints WHERE tenant_id = \(bind: tenantId) ORDER BY through_seq DESC LIMIT 1"
            ).first() else { return nil }
            return (try row.int("through_seq"), try row.string("hash"))
        }
    }
}
