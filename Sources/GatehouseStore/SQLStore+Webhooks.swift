import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: WebhookStore {
    static let webhookColumns =
        "id, tenant_id, url, description, active, secret_sealed, previous_secret_sealed, previous_secret_until, consecutive_failures, created_at, updated_at"
    static let deliveryColumns =
        "id, tenant_id, webhook_id, event_id, event_type, event_seq, payload, status, attempts, next_attempt_at, last_status, last_response, last_error, event_at, completed_at"

    private func webhook(from row: any SQLRow, events: [String]) throws -> Webhook {
        Webhook(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), url: try row.string("url"), events: events,
            active: try row.bool("active"), description: try row.optionalString("description"), secretSealed: try row.string("secret_sealed"),
            previousSecretSealed: try row.optionalString("previous_secret_sealed"), previousSecretUntil: try row.optionalDate("previous_secret_until"),
            consecutiveFailures: try row.int("consecutive_failures"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }

    /// A delivery row; its body, when the row names an event instead of carrying one, is made from the
    /// event (`withBody`), else left empty (lists show no body).
    private func delivery(from row: any SQLRow, withBody db: (any SQLDatabase)? = nil) async throws -> WebhookDelivery {
        var payload = try row.optionalString("payload") ?? ""
        if payload.isEmpty, let db, let seq = try row.optionalInt("event_seq"),
            let event = try await db.raw(
                "SELECT \(unsafeRaw: Self.eventColumns) FROM events WHERE tenant_id = \(bind: try row.string("tenant_id")) AND seq = \(bind: seq)"
            ).first()
        {
            payload = WebhookPayload.json(try auditEvent(from: event))
        }
        return WebhookDelivery(
            id: try row.int("id"), tenantId: try row.string("tenant_id"), webhookId: try row.string("webhook_id"),
            eventId: try row.string("event_id"), eventType: EventType.current(try row.string("event_type")), payload: payload,
            status: WebhookDelivery.Status(rawValue: try row.string("status")) ?? .failed, attempts: try row.int("attempts"),
            nextAttemptAt: try row.optionalDate("next_attempt_at"), lastStatusCode: try row.optionalInt("last_status").map(Int.init),
            lastResponse: try row.optionalString("last_response"), lastError: try row.optionalString("last_error"),
            eventAt: try row.date("event_at"), completedAt: try row.optionalDate("completed_at"))
    }

    private func subscriptions(_ ids: [String], on db: any SQLDatabase) async throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for id in ids {
            out[id] = try await db.raw("SELECT event_type FROM webhook_events WHERE webhook_id = \(bind: id) ORDER BY event_type").all()
                .map { try $0.string("event_type") }
        }
        return out
    }

    private func writeSubscriptions(_ hook: Webhook, on db: any SQLDatabase) async throws {
        try await db.raw("DELETE FROM webhook_events WHERE webhook_id = \(bind: hook.id)").run()
        for e in hook.events {
            try await db.raw("INSERT INTO webhook_events (webhook_id, event_type) VALUES (\(bind: hook.id), \(bind: e))").run()
        }
    }

    public func insertWebhook(_ w: Webhook) async throws {
        try await transaction("insertWebhook") { db in
            try await db.raw(
                """
                INSERT INTO webhooks (\(unsafeRaw: Self.webhookColumns))
                VALUES (\(bind: w.id), \(bind: w.tenantId), \(bind: w.url), \(bind: w.description), \(bind: w.active ? 1 : 0),
                  \(bind: w.secretSealed), \(bind: w.previousSecretSealed), \(bind: w.previousSecretUntil?.millis),
                  \(bind: w.consecutiveFailures), \(bind: w.createdAt.millis), \(bind: w.updatedAt.millis))
                """
            ).run()
            try await writeSubscriptions(w, on: db)
        }
    }

    public func webhook(tenantId: String, id: String) async throws -> Webhook? {
        try await read("webhook") { db in
            guard let row = try await db.raw(
                "SELECT \(unsafeRaw: Self.webhookColumns) FROM webhooks WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).first() else { return nil }
            return try webhook(from: row, events: try await subscriptions([id], on: db)[id] ?? [])
        }
    }

    public func webhooks(tenantId: String, page: PageRequest) async throws -> Page<Webhook> {
        let after = try Cursor.decode(page.cursor)
        return try await read("webhooks") { db in
            let (millis, id) = after ?? (Int64.min, "")
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.webhookColumns) FROM webhooks WHERE tenant_id = \(bind: tenantId)
                AND (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id)))
                ORDER BY created_at, id LIMIT \(unsafeRaw: String(page.limit + 1))
                """
            ).all()
            let events = try await subscriptions(try rows.map { try $0.string("id") }, on: db)
            let hooks = try rows.map { try webhook(from: $0, events: events[try $0.string("id")] ?? []) }
            return Cursor.page(hooks, limit: page.limit) { ($0.createdAt, $0.id) }
        }
    }

    public func updateWebhook(_ w: Webhook) async throws -> Bool {
        try await transaction("updateWebhook") { db in
            let updated = try await db.raw(
                """
                UPDATE webhooks SET url = \(bind: w.url), description = \(bind: w.description), active = \(bind: w.active ? 1 : 0),
                  secret_sealed = \(bind: w.secretSealed), previous_secret_sealed = \(bind: w.previousSecretSealed),
                  previous_secret_until = \(bind: w.previousSecretUntil?.millis), consecutive_failures = \(bind: w.consecutiveFailures),
                  updated_at = \(bind: w.updatedAt.millis)
                WHERE tenant_id = \(bind: w.tenantId) AND id = \(bind: w.id) RETURNING id
                """
            ).first() != nil
            if updated { try await writeSubscriptions(w, on: db) }
            return updated
        }
    }

    public func deleteWebhook(tenantId: String, id: String) async throws -> Bool {
        try await transaction("deleteWebhook") { db in
            guard try await db.raw("DELETE FROM webhooks WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING id").first() != nil
            else { return false }
            try await db.raw("DELETE FROM webhook_events WHERE webhook_id = \(bind: id)").run()
            try await db.raw("DELETE FROM webhook_deliveries WHERE tenant_id = \(bind: tenantId) AND webhook_id = \(bind: id)").run()
            return true
        }
    }

    public func insertDelivery(
        tenantId: String, webhookId: String, eventId: String, eventType: String, payload: String, eventAt: Date, now: Date
    ) async throws -> Int64 {
        try await write("insertDelivery") { db in
            guard let row = try await db.raw(
                """
                INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, event_at)
                VALUES (\(bind: tenantId), \(bind: webhookId), \(bind: eventId), \(bind: eventType), \(bind: payload), 'pending', 0,
                  \(bind: now.millis), \(bind: eventAt.millis))
                RETURNING id
                """
            ).first() else { throw GatehouseError(.internalError, "no delivery id") }
            return try row.int("id")
        }
    }

    public func claimDueDeliveries(now: Date, leaseUntil: Date, limit: Int) async throws -> [WebhookDelivery] {
        // The outer conditions repeat the inner ones: PostgreSQL re-checks them on a row another node has
        // just leased, so two nodes never claim the same delivery.
        try await write("claimDueDeliveries") { db in
            try await db.raw(
                """
                UPDATE webhook_deliveries SET lease_until = \(bind: leaseUntil.millis), attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM webhook_deliveries
                    WHERE status = 'pending' AND next_attempt_at <= \(bind: now.millis)
                      AND (lease_until IS NULL OR lease_until <= \(bind: now.millis))
                    ORDER BY next_attempt_at, id LIMIT \(bind: limit))
                  AND status = 'pending' AND (lease_until IS NULL OR lease_until <= \(bind: now.millis))
                RETURNING \(unsafeRaw: Self.deliveryColumns)
                """
            ).all()
        }.asyncMap { row in try await self.read("deliveryBody") { db in try await self.delivery(from: row, withBody: db) } }
    }

    public func closeDelivery(id: Int64, status: WebhookDelivery.Status, statusCode: Int?, response: String?, error: String?, at: Date) async throws {
        try await write("closeDelivery") { db in
            try await db.raw(
                """
                UPDATE webhook_deliveries SET status = \(bind: status.rawValue), lease_until = NULL, next_attempt_at = NULL,
                  last_status = \(bind: statusCode), last_response = \(bind: response), last_error = \(bind: error.map { String($0.prefix(500)) }),
                  completed_at = \(bind: at.millis)
                WHERE id = \(bind: id) AND status = 'pending'
                """
            ).run()
        }
    }

    public func rescheduleDelivery(id: Int64, at: Date, statusCode: Int?, response: String?, error: String?) async throws {
        try await write("rescheduleDelivery") { db in
            try await db.raw(
                """
                UPDATE webhook_deliveries SET next_attempt_at = \(bind: at.millis), lease_until = NULL, last_status = \(bind: statusCode),
                  last_response = \(bind: response), last_error = \(bind: error.map { String($0.prefix(500)) })
                WHERE id = \(bind: id) AND status = 'pending'
                """
            ).run()
        }
    }

    public func recordWebhookOutcome(tenantId: String, id: String, succeeded: Bool) async throws -> Int64 {
        try await write("recordWebhookOutcome") { db in
            let row = try await db.raw(
                succeeded
                    ? "UPDATE webhooks SET consecutive_failures = 0 WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING consecutive_failures"
                    : "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING consecutive_failures"
            ).first()
            return try row?.int("consecutive_failures") ?? 0
        }
    }

    public func deliveries(tenantId: String, webhookId: String, page: PageRequest) async throws -> Page<WebhookDelivery> {
        // Newest first; the cursor is the last id shown.
        let before = page.cursor.flatMap { Int64($0) } ?? Int64.max
        return try await read("deliveries") { db in
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries
                WHERE tenant_id = \(bind: tenantId) AND webhook_id = \(bind: webhookId) AND id < \(bind: before)
                ORDER BY id DESC LIMIT \(unsafeRaw: String(page.limit + 1))
                """
            ).all().asyncMap { try await self.delivery(from: $0) }
            let items = Array(rows.prefix(page.limit))
            return Page(items: items, nextCursor: rows.count > page.limit ? items.last.map { String($0.id) } : nil)
        }
    }

    public func delivery(tenantId: String, webhookId: String, id: Int64) async throws -> WebhookDelivery? {
        try await read("delivery") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries WHERE tenant_id = \(bind: tenantId) AND webhook_id = \(bind: webhookId) AND id = \(bind: id)"
            ).first().asyncMap { try await self.delivery(from: $0, withBody: db) }
        }
    }

    public func webhookOutbox() async throws -> (pending: Int, oldest: Date?) {
        try await read("webhookOutbox") { db in
            let row = try await db.raw(
                "SELECT COUNT(*) AS n, MIN(event_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'"
            ).first()
            return (Int(try row?.int("n") ?? 0), try row?.optionalDate("oldest"))
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
