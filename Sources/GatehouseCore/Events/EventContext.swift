/// Who and what stands behind the events a request writes: the actor (`user:<id>`, `api_key:<id>`,
/// `client:<id>`, `system`), the client address, its User-Agent and the request id. The HTTP layer sets it
/// for the request's task and each authenticator narrows the actor; `EventRecorder` reads it when it drafts
/// an event, so no service has to carry it.
public struct EventContext: Sendable, Equatable {
    public var actor: String?
    public var ip: String?
    public var userAgent: String?
    public var requestId: String?

    public init(actor: String? = nil, ip: String? = nil, userAgent: String? = nil, requestId: String? = nil) {
        self.actor = actor
        self.ip = ip
        self.userAgent = userAgent.map { String($0.prefix(256)) }
        self.requestId = requestId
    }

    @TaskLocal public static var current = EventContext()

    /// The same context with `actor`, for the rest of `body`.
    public static func acting<T: Sendable>(as actor: EventActor, _ body: () async throws -> T) async rethrows -> T {
        var c = current
        c.actor = actor.name
        return try await $current.withValue(c, operation: body)
    }
}

/// Who acts, as events name them (and `/v2/events?actor=` finds them).
public enum EventActor: Sendable, Equatable {
    case user(String)
    case apiKey(String)
    /// An OAuth client authenticated at the token or revocation endpoint.
    case client(String)
    /// The system key, the tenant's project key, or the server's own housekeeping.
    case system

    public var name: String {
        switch self {
        case .user(let id): "user:\(id)"
        case .apiKey(let id): "api_key:\(id)"
        case .client(let id): "client:\(id)"
        case .system: "system"
        }
    }
}
