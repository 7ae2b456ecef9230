import Crypto
import Foundation

/// The webhook rules of the Project API's `/v2/webhooks`: what may be subscribed, how a delivery is
/// signed, and when it is tried again.
public enum WebhookRules {
    /// Deliveries given up in a row before the webhook is switched off.
    public static let disableAfter: Int64 = 5
    /// A delivery is abandoned when its next attempt would fall later than this after the event.
    public static let giveUpAfter: TimeInterval = 24 * 3600
    /// The longest wait between two attempts.
    public static let maxDelay: TimeInterval = 12 * 3600
    /// How long the secret before a rotation keeps signing beside the new one.
    public static let rotationOverlap: TimeInterval = 24 * 3600
    public static let maxEvents = 64
    public static let maxURLBytes = 2048
    public static let maxDescriptionBytes = 1024
    /// Response bodies are read up to this many bytes; the first KiB is kept in the delivery log.
    public static let maxResponseBytes = 4096
    public static let keptResponseBytes = 1024

    /// The wait before attempt `n` (n ≥ 2): d·u with d = min(12 h, base·2^(n−2)) and u uniform in [1, 1.25],
    /// so jitter spreads retries out but never brings one forward. `unit` is u's draw in [0, 1].
    public static func delay(beforeAttempt n: Int64, base: TimeInterval, unit: Double) -> TimeInterval {
        let exponent = Double(max(0, min(n - 2, 40)))
        let d = min(maxDelay, base * pow(2, exponent))
        return d * (1 + 0.25 * min(max(unit, 0), 1))
    }

    /// `Gatehouse-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one `v1` per secret that
    /// signs now (two during the day after a rotation), the newest first.
    public static func signature(body: [UInt8], at time: Date, secrets: [[UInt8]]) -> String {
        let t = String(Int64(time.timeIntervalSince1970.rounded(.down)))
        let signed = Array((t + ".").utf8) + body
        var parts = ["t=" + t]
        for secret in secrets {
            let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret))
            parts.append("v1=" + mac.map { String(format: "%02x", $0) }.joined())
        }
        return parts.joined(separator: ",")
    }

    /// Types from the catalog (`login.succeeded`, `user.role_added`), an old name standing for its new one,
    /// or `*` for every one; a misspelt type would silently never match, so it is refused.
    public static func checked(events: [String]) throws -> [String] {
        guard !events.isEmpty else { throw GatehouseError.field("events", "give at least one event type, or \"*\"") }
        guard events.count <= maxEvents else { throw GatehouseError.field("events", "at most \(maxEvents)") }
        let names = try events.map { e -> String in
            if e == "*" { return e }
            guard let type = EventType(named: e) else {
                throw GatehouseError.field(
                    "events", "'\(GatehouseError.echo(e, limit: 64))' is not an event type (the README lists them) or \"*\"")
            }
            return type.rawValue
        }
        return Array(Set(names)).sorted()
    }
}

/// The JSON body a webhook receives for an audit event: the event as `/v2/events` lists it.
public enum WebhookPayload {
    public static func json(_ event: AuditEvent) -> String {
        json(
            id: event.id, type: event.currentType, tenantId: event.tenantId, sequence: event.sequence, subject: event.subject,
            createdAt: event.createdAt, context: event.context, data: event.data)
    }

    /// The same shape for what is not in the chain (a ping): no sequence.
    static func json(
        id: String, type: String, tenantId: String, sequence: Int64? = nil, subject: String? = nil, createdAt: Date,
        context: EventContext = EventContext(), data: String
    ) -> String {
        var w = JSONWriter()
        w.field("id", id)
        w.field("type", type)
        w.field("tenantId", tenantId)
        if let sequence { w.field("sequence", sequence) }
        w.field("subject", subject)
        w.field("createdAt", createdAt.rfc3339)
        w.field("actor", context.actor)
        w.field("ip", context.ip)
        w.field("requestId", context.requestId)
        w.field("data", json: Array(data.utf8))
        return String(decoding: w.finished(), as: UTF8.self)
    }
}
