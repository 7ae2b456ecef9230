import Foundation

/// OpenID Connect RP-Initiated Logout 1.0: a client sends the browser to end its sign-in at the
/// authorization server. With a valid `id_token_hint` for the signed-in user the browser session ends at
/// once; without one the user confirms on a page (by a POST carrying a CSRF token), so another site cannot
/// sign users out. `post_logout_redirect_uri` must be one the client registered, exactly, else the page
/// says so and nothing is redirected. Tokens the browser's sign-ins issued to clients keep their own
/// sessions (each client ends its own with revocation).
public struct RPLogout: Sendable {
    let clients: OAuthClientService
    let tokens: TokenService
    let store: any GatehouseStore
    let events: EventRecorder
    let box: SecretBox
    let clock: any GatehouseClock

    public struct Parameters: Sendable {
        public var idTokenHint: String?
        public var clientId: String?
        public var postLogoutRedirectURI: String?
        public var state: String?
        public init() {}
    }

    /// A logout request that passed its checks: where to send the browser afterwards, if anywhere.
    public struct Checked: Sendable, Codable, Equatable {
        public var redirect: String?
        /// The user the hint named, when it was valid.
        public var hintSubject: String?
    }

    public enum Step: Sendable, Equatable {
        /// Ask the user: the page posts `sealed` back.
        case confirm(sealed: String)
        /// Signed out (or nothing to sign out of); then to `redirect` when there is one.
        case done(redirect: String?)
        case error(String)
    }

    public func start(tenantId: String, _ p: Parameters, browser: (Session, User)?) async throws -> Step {
        var hint: (audience: String, subject: String, sessionId: String?)?
        if let text = p.idTokenHint, !text.isEmpty {
            guard text.utf8.count <= 8192, let valid = try? await tokens.idTokenHint(text, tenantId: tenantId) else {
                return .error("The sign-out request carries an ID token this server did not issue.")
            }
            hint = valid
        }
        if let a = p.clientId, let b = hint?.audience, a != b {
            return .error("The sign-out request names two different applications.")
        }
        var redirect: String?
        if let uri = p.postLogoutRedirectURI, !uri.isEmpty {
            guard let id = p.clientId ?? hint?.audience, id.utf8.count <= 128,
                let client = try await clients.cached(tenantId: tenantId, id: id), client.postLogoutRedirectUris.contains(uri)
            else { return .error("The address to return to after signing out is not registered for the application.") }
            redirect = AuthorizationFlow.redirect(uri, [("state", p.state.map { String($0.prefix(1024)) })])
        }
        let checked = Checked(redirect: redirect, hintSubject: hint?.subject)
        guard let (session, user) = browser else { return .done(redirect: redirect) }
        if hint?.subject == user.id { return try await end(tenantId: tenantId, session: session, checked) }
        return .confirm(sealed: try box.seal(Array(try JSONEncoder().encode(checked)), context: "logout:" + tenantId))
    }

    /// The user confirmed on the page.
    public func confirm(tenantId: String, sealed: String, browser: (Session, User)?) async throws -> Step {
        guard sealed.utf8.count <= 8192, let bytes = try? box.open(sealed, context: "logout:" + tenantId),
            let checked = try? JSONDecoder().decode(Checked.self, from: Data(bytes))
        else { return .error("This page has expired or was not sent from this site.") }
        guard let (session, _) = browser else { return .done(redirect: checked.redirect) }
        return try await end(tenantId: tenantId, session: session, checked)
    }

    private func end(tenantId: String, session: Session, _ checked: Checked) async throws -> Step {
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            guard try await tx.revokeSession(tenantId: tenantId, id: session.id, at: now, reason: "logout") else { return }
            try await events.append(
                .oauthLogout, tenantId: tenantId, subject: session.userId, data: ["sessionId": .string(session.id)], in: tx)
        }
        return .done(redirect: checked.redirect)
    }
}
