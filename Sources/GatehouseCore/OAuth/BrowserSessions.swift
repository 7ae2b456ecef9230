import Foundation

/// The authorization server's session in a browser (single sign-on across a tenant's clients): a Gatehouse
/// session like any other (listed, revocable), named by a cookie that only this server can make — the
/// session and tenant ids sealed with the master key (AES-GCM), so a cookie cannot be forged or moved to
/// another tenant, and a revoked session ends it at once.
public struct BrowserSessions: Sendable {
    let store: any GatehouseStore
    let box: SecretBox
    let clock: any GatehouseClock
    static let context = "browser-session"

    struct Sealed: Codable {
        var sid: String
        var tid: String
    }

    public func cookieValue(for session: Session) throws -> String {
        let bytes = try JSONEncoder().encode(Sealed(sid: session.id, tid: session.tenantId))
        return try box.seal(Array(bytes), context: Self.context)
    }

    /// The live session (and its active user) a cookie names for this tenant; nil for anything else.
    public func current(cookie: String?, tenantId: String) async throws -> (Session, User)? {
        guard let cookie, !cookie.isEmpty, cookie.utf8.count <= 1024,
            let bytes = try? box.open(cookie, context: Self.context),
            let sealed = try? JSONDecoder().decode(Sealed.self, from: Data(bytes)), sealed.tid == tenantId,
            let session = try await store.session(tenantId: tenantId, id: sealed.sid), session.isActive(at: clock.now),
            session.clientId == nil, let userId = session.userId,
            let user = try await store.user(tenantId: tenantId, id: userId), user.status != .disabled
        else { return nil }
        return (session, user)
    }
}

/// Consents a user gave a third-party client (OpenID Connect Core §3.1.2.4), remembered per user, client
/// and scope set, so the consent screen is shown again only for scopes not granted before.
public protocol ConsentStore: Sendable {
    func consentedScopes(tenantId: String, userId: String, clientId: String) async throws -> [String]?
    func saveConsent(tenantId: String, userId: String, clientId: String, scopes: [String], at: Date) async throws
    func consents(tenantId: String, userId: String) async throws -> [Consent]
    /// False when there was none.
    func deleteConsent(tenantId: String, userId: String, clientId: String) async throws -> Bool
}

/// What a user granted a client.
public struct Consent: Sendable, Equatable {
    public var clientId: String
    public var scopes: [String]
    public var createdAt: Date
    public init(clientId: String, scopes: [String], createdAt: Date) {
        self.clientId = clientId
        self.scopes = scopes
        self.createdAt = createdAt
    }
}
