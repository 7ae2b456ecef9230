import Foundation
import Logging
import Synchronization

/// What a webhook receiver made of one POST.
public enum WebhookResponse: Sendable, Equatable {
    /// It answered: the status and the start of the body (at most `WebhookRules.maxResponseBytes` read).
    case responded(status: Int, body: String)
    /// No answer: refused by the outbound policy, unreachable, timed out, or a redirect (never followed).
    case failed(String)
}

/// POSTs one delivery (the guarded outbound client in production, loopback receivers in tests).
public protocol WebhookTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookResponse
    /// Closes the connections it keeps.
    func shutdown() async
}

/// Drains the webhook outbox like the push outbox: leases due deliveries (several nodes never send one at
/// once), signs and POSTs each, and records the outcome: succeeded on a 2xx, else tried again after
/// `WebhookRules.delay`, or given up once the next attempt would fall past 24 hours after the event. Five
/// deliveries given up in a row switch the webhook off, with an event saying so. A node that dies mid-send
/// leaves its lease to lapse and the delivery is sent again: at least once, never again after a 2xx.
public struct WebhookDispatcher: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let random: any RandomSource
    let box: SecretBox
    public let transport: any WebhookTransport
    let events: EventRecorder
    let observer: any EngineObserver
    let logger: Logger
    /// `GATEHOUSE_WEBHOOK_RETRY_BASE`.
    public let retryBase: TimeInterval
    /// Longer than any attempt may take (the transport's timeout), so a lease never lapses mid-send.
    public let lease: TimeInterval

    public static let batchSize = 32
    static let gaugeInterval: TimeInterval = 5
    private let gaugesDue = GaugeSchedule()

    public init(
        engine: Engine, transport: any WebhookTransport, retryBase: TimeInterval, lease: TimeInterval = 60
    ) {
        store = engine.store
        clock = engine.clock
        random = engine.random
        box = engine.box
        self.transport = transport
        events = engine.events
        observer = engine.observer
        logger = engine.logger
        self.retryBase = retryBase
        self.lease = lease
    }

    /// One pass over what is due; returns how many deliveries were attempted.
    @discardableResult
    public func runOnce(limit: Int = batchSize) async throws -> Int {
        let now = clock.now
        let batch = try await store.claimDueDeliveries(now: now, leaseUntil: now.addingTimeInterval(lease), limit: limit)
        await withTaskGroup(of: Void.self) { group in
            for delivery in batch { group.addTask { await self.deliver(delivery) } }
        }
        // The gauges count the whole outbox: at most every few seconds, not after every pass.
        let due = gaugesDue.next.withLock { next -> Bool in
            guard now >= next else { return false }
            next = now.addingTimeInterval(Self.gaugeInterval)
            return true
        }
        if due, let outbox = try? await store.webhookOutbox() {
            observer.webhookOutbox(pending: outbox.pending, oldestAge: outbox.oldest.map { max(0, clock.now.timeIntervalSince($0)) } ?? 0)
        }
        return batch.count
    }

    func deliver(_ d: WebhookDelivery) async {
        do {
            guard let hook = try await store.webhook(tenantId: d.tenantId, id: d.webhookId), hook.active else {
                try await store.closeDelivery(id: d.id, status: .failed, statusCode: nil, response: nil, error: "the webhook is disabled or deleted", at: clock.now)
                return
            }
            let body = Array(d.payload.utf8)
            let now = clock.now
            let headers = [
                ("Content-Type", "application/json"), ("User-Agent", "Gatehouse-Webhooks/1"),
                ("Gatehouse-Signature", WebhookRules.signature(body: body, at: now, secrets: try secrets(hook, at: now))),
                ("Gatehouse-Event-Id", d.eventId), ("Gatehouse-Event-Type", d.eventType),
                ("Gatehouse-Delivery-Attempt", String(d.attempts)),
            ]
            let response = await transport.post(url: hook.url, headers: headers, body: body)
            try await record(response, of: d, hook: hook)
        } catch {
            // The database went away mid-way: the lease lapses and the delivery is tried again.
            logger.warning("webhook delivery could not be recorded", metadata: ["delivery": "\(d.id)", "error": "\(type(of: error))"])
        }
    }

    /// The secrets that sign now: the current one, and the one before a rotation for a day after it.
    func secrets(_ hook: Webhook, at now: Date) throws -> [[UInt8]] {
        var out = [try box.open(hook.secretSealed, context: WebhookService.sealContext(hook.id))]
        if let previous = hook.previousSecretSealed, let until = hook.previousSecretUntil, until > now {
            out.append(try box.open(previous, context: WebhookService.sealContext(hook.id)))
        }
        return out
    }

    private func record(_ response: WebhookResponse, of d: WebhookDelivery, hook: Webhook) async throws {
        let now = clock.now
        var statusCode: Int?
        var text: String?
        var error: String?
        switch response {
        case .responded(let status, let body):
            if (200...299).contains(status) {
                try await store.closeDelivery(
                    id: d.id, status: .succeeded, statusCode: status, response: String(body.prefix(WebhookRules.keptResponseBytes)), error: nil,
                    at: now)
                // A write only when there is a count to clear: most deliveries succeed with none.
                if hook.consecutiveFailures > 0 {
                    _ = try await store.recordWebhookOutcome(tenantId: hook.tenantId, id: hook.id, succeeded: true)
                }
                observer.webhookDelivery(result: "succeeded")
                return
            }
            statusCode = status
            text = String(body.prefix(WebhookRules.keptResponseBytes))
        case .failed(let why):
            error = why
        }
        let next = now.addingTimeInterval(
            WebhookRules.delay(beforeAttempt: d.attempts + 1, base: retryBase, unit: Double(random.bytes(2).reduce(0) { $0 << 8 | Int($1) }) / 65535))
        guard next.timeIntervalSince(d.eventAt) <= WebhookRules.giveUpAfter else {
            try await store.closeDelivery(id: d.id, status: .failed, statusCode: statusCode, response: text, error: error, at: now)
            observer.webhookDelivery(result: "failed")
            let inARow = try await store.recordWebhookOutcome(tenantId: hook.tenantId, id: hook.id, succeeded: false)
            if inARow >= WebhookRules.disableAfter { try await disable(hook, after: inARow) }
            return
        }
        try await store.rescheduleDelivery(id: d.id, at: next, statusCode: statusCode, response: text, error: error)
        observer.webhookDelivery(result: "retried")
    }

    private func disable(_ hook: Webhook, after failures: Int64) async throws {
        try await store.unitOfWork { [events, clock] tx in
            guard var current = try await tx.webhook(tenantId: hook.tenantId, id: hook.id), current.active else { return }
            current.active = false
            current.updatedAt = clock.now
            _ = try await tx.updateWebhook(current)
            try await events.append(
                .webhookDisabled, tenantId: hook.tenantId, subject: hook.id,
                data: ["reason": .string("\(failures) deliveries in a row were given up"), "url": .string(hook.url)], in: tx)
        }
        logger.warning("webhook disabled after failed deliveries", metadata: ["webhook": "\(hook.id)", "tenant": "\(hook.tenantId)"])
    }
}

/// When the dispatcher next counts the outbox for its gauges (shared by the copies of one dispatcher).
final class GaugeSchedule: Sendable {
    let next = Mutex<Date>(.distantPast)
}
