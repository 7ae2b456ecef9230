import Foundation

/// What a new webhook says.
public struct WebhookInput: Sendable {
    public var url: String
    public var events: [String]
    public var active: Bool
    public var description: String?
    public init(url: String, events: [String], active: Bool = true, description: String? = nil) {
        self.url = url
        self.events = events
        self.active = active
        self.description = description
    }
}

/// A change to a webhook; nil leaves a member as it is, `.some(nil)` clears the description.
public struct WebhookChanges: Sendable {
    public var url: String?
    public var events: [String]?
    public var active: Bool?
    public var description: String??
    public init(url: String? = nil, events: [String]? = nil, active: Bool? = nil, description: String?? = nil) {
        self.url = url
        self.events = events
        self.active = active
        self.description = description
    }
}

/// The tenant's webhooks (Project API `/v2/webhooks`): registration under the outbound policy, the signing
/// secret (`whsec_` + 256 bits, sealed with the master key, shown once; rotation keeps the old one signing
/// for a day), pings, the delivery log and redelivery. Deliveries themselves are queued with the events
/// (`WebhookStore`) and sent by `WebhookDispatcher`.
public struct WebhookService: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let box: SecretBox
    public let outbound: OutboundPolicy

    public static let secretPrefix = "whsec_"
    static func sealContext(_ id: String) -> String { "webhook-secret:\(id)" }

    public func create(tenantId: String, _ input: WebhookInput, by grant: AdminGrant) async throws -> (Webhook, secret: String) {
        let url = try checked(url: input.url)
        let events = try WebhookRules.checked(events: input.events)
        let description = try Self.checked(description: input.description)
        let now = clock.now
        let id = random.uuidString()
        let secret = Self.secretPrefix + random.base62(length: 43)
        let hook = Webhook(
            id: id, tenantId: tenantId, url: url, events: events, active: input.active, description: description,
            secretSealed: try box.seal(secret, context: Self.sealContext(id)), createdAt: now, updatedAt: now)
        try await store.unitOfWork { [events = self.events] tx in
            try await tx.insertWebhook(hook)
            try await events.append(
                .webhookCreated, tenantId: tenantId, subject: id,
                data: ["url": .string(url), "events": .array(hook.events.map { .string($0) }), "by": .string(grant.actorName)], in: tx)
        }
        return (hook, secret)
    }

    public func get(tenantId: String, id: String) async throws -> Webhook {
        guard let hook = try await store.webhook(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("webhook") }
        return hook
    }

    public func list(tenantId: String, page: PageRequest) async throws -> Page<Webhook> {
        try await store.webhooks(tenantId: tenantId, page: page)
    }

    /// Switching a webhook back on clears its failure count.
    public func update(tenantId: String, id: String, _ changes: WebhookChanges, by grant: AdminGrant) async throws -> Webhook {
        let url = try changes.url.map { try checked(url: $0) }
        let subscribed = try changes.events.map { try WebhookRules.checked(events: $0) }
        let description = try changes.description.map { try Self.checked(description: $0) }
        return try await store.unitOfWork { [events, clock] tx in
            guard var hook = try await tx.webhook(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("webhook") }
            if let url { hook.url = url }
            if let subscribed { hook.events = subscribed }
            if let description { hook.description = description }
            if let active = changes.active {
                if active && !hook.active { hook.consecutiveFailures = 0 }
                hook.active = active
            }
            hook.updatedAt = clock.now
            guard try await tx.updateWebhook(hook) else { throw GatehouseError.notFound("webhook") }
            try await events.append(
                .webhookUpdated, tenantId: tenantId, subject: id,
                data: [
                    "url": .string(hook.url), "events": .array(hook.events.map { .string($0) }), "active": .bool(hook.active),
                    "by": .string(grant.actorName),
                ], in: tx)
            return hook
        }
    }

    public func delete(tenantId: String, id: String, by grant: AdminGrant) async throws {
        try await store.unitOfWork { [events] tx in
            guard try await tx.deleteWebhook(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("webhook") }
            try await events.append(.webhookDeleted, tenantId: tenantId, subject: id, data: ["by": .string(grant.actorName)], in: tx)
        }
    }

    /// A new secret, shown once; the old one keeps signing (as a second `v1=`) for `WebhookRules.rotationOverlap`.
    public func rotateSecret(tenantId: String, id: String, by grant: AdminGrant) async throws -> (Webhook, secret: String) {
        let secret = Self.secretPrefix + random.base62(length: 43)
        let sealed = try box.seal(secret, context: Self.sealContext(id))
        let hook = try await store.unitOfWork { [events, clock] tx in
            guard var hook = try await tx.webhook(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("webhook") }
            hook.previousSecretSealed = hook.secretSealed
            hook.previousSecretUntil = clock.now.addingTimeInterval(WebhookRules.rotationOverlap)
            hook.secretSealed = sealed
            hook.updatedAt = clock.now
            _ = try await tx.updateWebhook(hook)
            try await events.append(.webhookSecretRotated, tenantId: tenantId, subject: id, data: ["by": .string(grant.actorName)], in: tx)
            return hook
        }
        return (hook, secret)
    }

    /// Queues a `webhook.ping` for this webhook alone (not an audit event); returns the delivery's id.
    public func ping(tenantId: String, id: String) async throws -> Int64 {
        let hook = try await get(tenantId: tenantId, id: id)
        let now = clock.now
        let eventId = random.uuidString()
        let payload = WebhookPayload.json(
            id: eventId, type: EventType.webhookPing.rawValue, tenantId: tenantId, createdAt: now, data: CanonicalJSON.encode(["webhookId": .string(hook.id)]))
        return try await store.insertDelivery(
            tenantId: tenantId, webhookId: hook.id, eventId: eventId, eventType: EventType.webhookPing.rawValue, payload: payload, eventAt: now, now: now)
    }

    public func deliveries(tenantId: String, webhookId: String, page: PageRequest) async throws -> Page<WebhookDelivery> {
        _ = try await get(tenantId: tenantId, id: webhookId)
        return try await store.deliveries(tenantId: tenantId, webhookId: webhookId, page: page)
    }

    /// The same event again, as a new delivery with a fresh 24 hours (the receiver sees the same event id).
    public func redeliver(tenantId: String, webhookId: String, deliveryId: Int64) async throws -> Int64 {
        guard let d = try await store.delivery(tenantId: tenantId, webhookId: webhookId, id: deliveryId) else {
            throw GatehouseError.notFound("delivery")
        }
        let now = clock.now
        return try await store.insertDelivery(
            tenantId: tenantId, webhookId: webhookId, eventId: d.eventId, eventType: d.eventType, payload: d.payload, eventAt: now, now: now)
    }

    func checked(url: String) throws -> String {
        guard url.utf8.count <= WebhookRules.maxURLBytes, !Identifiers.containsControlCharacter(url) else {
            throw GatehouseError.field("url", "at most \(WebhookRules.maxURLBytes) bytes, no control characters")
        }
        if let why = outbound.refusal(url: url) { throw GatehouseError.field("url", why) }
        guard let parsed = URL(string: url), parsed.fragment == nil, parsed.user == nil, parsed.password == nil else {
            throw GatehouseError.field("url", "must carry no fragment and no credentials")
        }
        return url
    }

    static func checked(description: String?) throws -> String? {
        guard let description else { return nil }
        guard description.utf8.count <= WebhookRules.maxDescriptionBytes, !Identifiers.containsControlCharacter(description) else {
            throw GatehouseError.field("description", "at most \(WebhookRules.maxDescriptionBytes) bytes, no control characters")
        }
        return description
    }
}
