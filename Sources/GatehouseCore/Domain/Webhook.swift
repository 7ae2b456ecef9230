import Foundation

/// A tenant's subscription to its audit events (Project API `/v2/webhooks`): matching events are POSTed to
/// `url`, signed with a secret only the tenant and we hold (sealed at rest: HMAC needs the secret itself).
public struct Webhook: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var url: String
    /// Event types, or `*` for every one.
    public var events: [String]
    public var active: Bool
    public var description: String?
    public var secretSealed: String
    /// The secret before the last rotation, which still signs until `previousSecretUntil`.
    public var previousSecretSealed: String?
    public var previousSecretUntil: Date?
    /// Deliveries given up in a row; at `WebhookRules.disableAfter` the webhook is switched off.
    public var consecutiveFailures: Int64
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, tenantId: String, url: String, events: [String], active: Bool, description: String?, secretSealed: String,
        previousSecretSealed: String? = nil, previousSecretUntil: Date? = nil, consecutiveFailures: Int64 = 0, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.url = url
        self.events = events
        self.active = active
        self.description = description
        self.secretSealed = secretSealed
        self.previousSecretSealed = previousSecretSealed
        self.previousSecretUntil = previousSecretUntil
        self.consecutiveFailures = consecutiveFailures
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One event on its way to one webhook: the outbox row, written in the event's own transaction.
public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable {
        case pending, succeeded, failed
    }

    public var id: Int64
    public var tenantId: String
    public var webhookId: String
    /// The event's id: the receiver's idempotency key (`Gatehouse-Event-Id`), the same on every attempt.
    public var eventId: String
    public var eventType: String
    public var payload: String
    public var status: Status
    public var attempts: Int64
    public var nextAttemptAt: Date?
    public var lastStatusCode: Int?
    /// The start of the last response body (at most 1 KiB kept).
    public var lastResponse: String?
    public var lastError: String?
    /// When the event happened: deliveries give up 24 hours after it.
    public var eventAt: Date
    public var completedAt: Date?

    public init(
        id: Int64, tenantId: String, webhookId: String, eventId: String, eventType: String, payload: String, status: Status,
        attempts: Int64, nextAttemptAt: Date?, lastStatusCode: Int? = nil, lastResponse: String? = nil, lastError: String? = nil,
        eventAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.tenantId = tenantId
        self.webhookId = webhookId
        self.eventId = eventId
        self.eventType = eventType
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastStatusCode = lastStatusCode
        self.lastResponse = lastResponse
        self.lastError = lastError
        self.eventAt = eventAt
        self.completedAt = completedAt
    }
}
