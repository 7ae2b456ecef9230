import Foundation
import GatehouseCore
import Hummingbird

/// `/v2/webhooks` (Project API): the tenant's webhooks, their secrets, pings, delivery log and redelivery.
struct WebhooksController {
    let webhooks: WebhookService
    /// The engine's clock: whether the secret before a rotation still signs is judged by it.
    let clock: any GatehouseClock

    var routes: [Route] {
        let delivery = ["deliveryId": Schema.text(maxLength: 20, description: "a delivery's id (digits)")]
        return [
            .admin(.get, "/v2/webhooks", .init("List the tenant's webhooks", query: QueryParameter.page, .ok(SharedSchemas.page("Webhook"))), use: list),
            .admin(
                .post, "/v2/webhooks",
                .init(
                    "Register a webhook; its signing secret is shown this once", body: .ref("WebhookInput"),
                    .created(.ref("Webhook"), "the webhook, with secret shown this once")),
                use: create),
            .admin(.get, "/v2/webhooks/{id}", .init("Get a webhook", .ok(.ref("Webhook"))), use: get),
            .admin(
                .patch, "/v2/webhooks/{id}",
                .init("Change a webhook (the fields given); switching it back on clears its failure count", body: .ref("WebhookChanges"), .ok(.ref("Webhook"))),
                use: update),
            .admin(.delete, "/v2/webhooks/{id}", .init("Delete a webhook and its pending deliveries", .noContent), use: delete),
            .admin(
                .post, "/v2/webhooks/{id}/secret",
                .init(
                    "A new signing secret, shown this once; the old one keeps signing beside it for 24 hours",
                    .ok(.ref("Webhook"), "the webhook, with the new secret shown this once")),
                use: rotate),
            .admin(
                .post, "/v2/webhooks/{id}/test",
                .init("Queue a webhook.ping to this webhook", .init(status: 202, schema: .ref("DeliveryQueued"), description: "queued")),
                use: ping),
            .admin(
                .get, "/v2/webhooks/{id}/deliveries",
                .init("The webhook's deliveries, newest first", query: QueryParameter.page, .ok(SharedSchemas.page("WebhookDelivery"))),
                use: deliveries),
            .admin(
                .post, "/v2/webhooks/{id}/deliveries/{deliveryId}/redeliver",
                .init(
                    "Send a delivery's event again, as a new delivery (the same Gatehouse-Event-Id)", pathSchemas: delivery,
                    .init(status: 202, schema: .ref("DeliveryQueued"), description: "queued")),
                use: redeliver),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "WebhookInput",
            .object(
                [
                    "url": .text(maxLength: WebhookRules.maxURLBytes, description: "https to a public address (unless GATEHOUSE_WEBHOOK_ALLOW_PRIVATE)"),
                    "events": .described(.array(.text(maxLength: 64)), "event types (area.act), or \"*\" for every one"),
                    "active": .described(.boolean, "default true"),
                    "description": .text(maxLength: WebhookRules.maxDescriptionBytes),
                ], required: ["url", "events"])
        ),
        (
            "WebhookChanges",
            .object([
                "url": .text(maxLength: WebhookRules.maxURLBytes), "events": .array(.text(maxLength: 64)), "active": .boolean,
                "description": .nullable(.text(maxLength: WebhookRules.maxDescriptionBytes)),
            ])
        ),
        (
            "Webhook",
            .object(
                [
                    "id": .uuid, "url": .string(), "events": .array(.string()), "active": .boolean, "description": .string(),
                    "secret": .string("whsec_…, only in the answers that create or rotate it"),
                    "previousSecretExpiresAt": .described(.dateTime, "until then the secret before the last rotation signs too"),
                    "consecutiveFailures": .integer, "createdAt": .dateTime, "updatedAt": .dateTime,
                ], required: ["id", "url", "events", "active", "consecutiveFailures", "createdAt", "updatedAt"])
        ),
        ("DeliveryQueued", .object(["deliveryId": .string()], required: ["deliveryId"])),
        (
            "WebhookDelivery",
            .object(
                [
                    "id": .string(), "eventId": .string(), "eventType": .string(),
                    "status": .text(values: ["pending", "succeeded", "failed"]), "attempts": .integer,
                    "nextAttemptAt": .dateTime, "lastStatusCode": .integer, "lastResponse": .string("the start of the last answer's body"),
                    "lastError": .string(), "createdAt": .dateTime, "completedAt": .dateTime,
                ], required: ["id", "eventId", "eventType", "status", "attempts", "createdAt"])
        ),
    ]

    struct WebhookBody: Encodable {
        var id: String
        var url: String
        var events: [String]
        var active: Bool
        var description: String?
        var secret: String?
        var previousSecretExpiresAt: String?
        var consecutiveFailures: Int64
        var createdAt: String
        var updatedAt: String
        init(_ w: Webhook, secret: String? = nil, now: Date) {
            id = w.id
            url = w.url
            events = w.events
            active = w.active
            description = w.description
            self.secret = secret
            previousSecretExpiresAt = w.previousSecretUntil.flatMap { $0 > now ? $0.rfc3339 : nil }
            consecutiveFailures = w.consecutiveFailures
            createdAt = w.createdAt.rfc3339
            updatedAt = w.updatedAt.rfc3339
        }
    }

    struct DeliveryBody: Encodable {
        var id: String
        var eventId: String
        var eventType: String
        var status: String
        var attempts: Int64
        var nextAttemptAt: String?
        var lastStatusCode: Int?
        var lastResponse: String?
        var lastError: String?
        var createdAt: String
        var completedAt: String?
        init(_ d: WebhookDelivery) {
            id = String(d.id)
            eventId = d.eventId
            eventType = d.eventType
            status = d.status.rawValue
            attempts = d.attempts
            nextAttemptAt = d.nextAttemptAt?.rfc3339
            lastStatusCode = d.lastStatusCode
            lastResponse = d.lastResponse
            lastError = d.lastError
            createdAt = d.eventAt.rfc3339
            completedAt = d.completedAt?.rfc3339
        }
    }

    struct Queued: Encodable { var deliveryId: String }

    struct CreateBody: Decodable {
        var url: String?
        var events: [String]?
        var active: Bool?
        var description: String?
    }

    @Sendable func create(_ request: Request, context: AdminContext) async throws -> Response {
        let b = try await JSONBody.decode(CreateBody.self, from: request)
        guard let events = b.events else { throw GatehouseError.field("events", "is required") }
        let input = WebhookInput(
            url: try Validate.required(b.url, "url", max: WebhookRules.maxURLBytes), events: events, active: b.active ?? true,
            description: b.description)
        let (hook, secret) = try await webhooks.create(tenantId: context.tenant.id, input, by: context.grant)
        return try JSONBody.response(WebhookBody(hook, secret: secret, now: clock.now), status: .created)
    }

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        let page = try await webhooks.list(tenantId: context.tenant.id, page: try AdminController.pageRequest(request))
        let now = clock.now
        return try JSONBody.response(AdminController.ListBody(data: page.items.map { WebhookBody($0, now: now) }, nextCursor: page.nextCursor))
    }

    @Sendable func get(_ request: Request, context: AdminContext) async throws -> Response {
        let hook = try await webhooks.get(tenantId: context.tenant.id, id: try Validate.uuid(context.parameters.get("id"), "id"))
        return try JSONBody.response(WebhookBody(hook, now: clock.now))
    }

    struct UpdateBody: Decodable {
        var url: String?
        var events: [String]?
        var active: Bool?
        var description: String??

        enum Keys: String, CodingKey { case url, events, active, description }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            url = try c.decodeIfPresent(String.self, forKey: .url)
            events = try c.decodeIfPresent([String].self, forKey: .events)
            active = try c.decodeIfPresent(Bool.self, forKey: .active)
            if c.contains(.description) { description = .some(try c.decodeNil(forKey: .description) ? nil : try c.decode(String.self, forKey: .description)) }
        }
    }

    @Sendable func update(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(UpdateBody.self, from: request)
        let changes = WebhookChanges(
            url: try b.url.map { try Validate.required($0, "url", max: WebhookRules.maxURLBytes) }, events: b.events, active: b.active,
            description: b.description)
        let hook = try await webhooks.update(tenantId: context.tenant.id, id: id, changes, by: context.grant)
        return try JSONBody.response(WebhookBody(hook, now: clock.now))
    }

    @Sendable func delete(_ request: Request, context: AdminContext) async throws -> Response {
        try await webhooks.delete(tenantId: context.tenant.id, id: try Validate.uuid(context.parameters.get("id"), "id"), by: context.grant)
        return Response(status: .noContent)
    }

    @Sendable func rotate(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let (hook, secret) = try await webhooks.rotateSecret(tenantId: context.tenant.id, id: id, by: context.grant)
        return try JSONBody.response(WebhookBody(hook, secret: secret, now: clock.now))
    }

    @Sendable func ping(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try await webhooks.ping(tenantId: context.tenant.id, id: try Validate.uuid(context.parameters.get("id"), "id"))
        return try JSONBody.response(Queued(deliveryId: String(id)), status: .accepted)
    }

    @Sendable func deliveries(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let page = try AdminController.pageRequest(request)
        if let cursor = page.cursor, Int64(cursor) == nil { throw GatehouseError.field("cursor", "is not valid") }
        let result = try await webhooks.deliveries(tenantId: context.tenant.id, webhookId: id, page: page)
        return try JSONBody.response(AdminController.ListBody(data: result.items.map(DeliveryBody.init), nextCursor: result.nextCursor))
    }

    @Sendable func redeliver(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        guard let text = context.parameters.get("deliveryId"), text.utf8.count <= 20, let deliveryId = Int64(text), deliveryId > 0 else {
            throw GatehouseError.field("deliveryId", "must be a delivery's id")
        }
        let queued = try await webhooks.redeliver(tenantId: context.tenant.id, webhookId: id, deliveryId: deliveryId)
        return try JSONBody.response(Queued(deliveryId: String(queued)), status: .accepted)
    }
}
