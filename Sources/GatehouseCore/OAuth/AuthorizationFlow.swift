import Foundation

/// The authorization endpoint's decisions (RFC 6749 §4.1; OpenID Connect Core §3.1.2): from a request and
/// the browser's session to a sign-in page, a consent page, or a redirect back to the client with a code
/// or an error — every redirect carrying `iss` (RFC 9207). The hosted page only renders what this decides.
public struct AuthorizationFlow: Sendable {
    let clients: OAuthClientService
    let codes: AuthorizationCodes
    let store: any GatehouseStore
    let events: EventRecorder
    let tokens: TokenService
    let box: SecretBox
    let clock: any GatehouseClock
    /// How long a sign-in or consent page stays valid (its sealed request).
    static let pageLifetime: TimeInterval = 600

    public enum Step: Sendable, Equatable {
        /// Back to the client: its redirect URI with a code or an error, `state` and `iss`.
        case redirect(String)
        case login(AuthorizationGrantRequest)
        /// The scopes a third-party client asks for that the user has not granted yet.
        case consent(AuthorizationGrantRequest, clientName: String, scopes: [String])
        /// Shown to the user, never redirected (the client or its redirect URI is not to be trusted).
        case error(String)
    }

    public func start(tenantId: String, _ p: AuthorizationParameters, browser: (Session, User)?) async throws -> Step {
        var client: OAuthClient?
        if let id = p.clientId, !id.isEmpty, id.utf8.count <= 128 { client = try await clients.cached(tenantId: tenantId, id: id) }
        switch AuthorizationRequestRules.decide(p, client: client) {
        case .showError(let message):
            return .error(message)
        case .redirectError(let uri, let reason, let description, let state):
            return .redirect(Self.redirect(uri, [("error", reason.rawValue), ("error_description", description), ("state", state), ("iss", tokens.issuer(tenantId: tenantId))]))
        case .proceed(let request):
            guard let client else { return .error("The client of this request is not registered here.") }
            return try await next(tenantId: tenantId, request, client: client, browser: browser, signedInNow: false, consented: false)
        }
    }

    /// After the page's sign-in (`signedInNow`) or consent: the client is read again (it may have changed
    /// or gone since the page was shown), then the flow goes on.
    public func resume(
        tenantId: String, _ request: AuthorizationGrantRequest, browser: (Session, User)?, signedInNow: Bool, consented: Bool = false
    ) async throws -> Step {
        guard let client = try await clients.cached(tenantId: tenantId, id: request.clientId),
            client.redirectUris.contains(request.redirectURI), client.grantTypes.contains(.authorizationCode)
        else { return .error("The application changed since this page was shown; start again from the application.") }
        return try await next(tenantId: tenantId, request, client: client, browser: browser, signedInNow: signedInNow, consented: consented)
    }

    /// What the pages call the client (its registered name).
    public func clientName(tenantId: String, id: String) async throws -> String {
        try await clients.cached(tenantId: tenantId, id: id)?.name ?? id
    }

    /// The user's answer on the consent page: remembered (with its audit event) and on to the code, or
    /// `access_denied` back to the client.
    public func consent(tenantId: String, _ request: AuthorizationGrantRequest, browser: (Session, User)?, approved: Bool) async throws -> Step {
        guard let (_, user) = browser else { return try await resume(tenantId: tenantId, request, browser: nil, signedInNow: false) }
        guard approved else { return refuse(request, tenantId: tenantId, .accessDenied, "the user declined") }
        let granted = try await store.consentedScopes(tenantId: tenantId, userId: user.id, clientId: request.clientId) ?? []
        let scopes = granted + request.scopes.filter { !granted.contains($0) }
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            try await tx.saveConsent(tenantId: tenantId, userId: user.id, clientId: request.clientId, scopes: scopes, at: now)
            try await events.append(
                .oauthConsentGiven, tenantId: tenantId, subject: user.id,
                data: ["clientId": .string(request.clientId), "scope": .string(request.scopes.joined(separator: " "))], in: tx)
        }
        return try await resume(tenantId: tenantId, request, browser: browser, signedInNow: false, consented: true)
    }

    private func next(
        tenantId: String, _ request: AuthorizationGrantRequest, client: OAuthClient, browser: (Session, User)?, signedInNow: Bool,
        consented: Bool
    ) async throws -> Step {
        // OpenID Connect Core §3.1.2.1: prompt=login and an exceeded max_age ask for a new sign-in, once.
        var mustSignIn = browser == nil
        if let (session, _) = browser, !signedInNow {
            let tooOld = request.maxAge.map { clock.now.timeIntervalSince(session.authTime) > Double($0) } ?? false
            mustSignIn = tooOld || request.prompt.contains(.login) || request.prompt.contains(.selectAccount)
        }
        if mustSignIn {
            if request.prompt.contains(.none) { return refuse(request, tenantId: tenantId, .loginRequired, "the user is not signed in") }
            return .login(request)
        }
        guard let (session, user) = browser else { return .login(request) }
        if !client.firstParty, !consented {
            let granted = try await store.consentedScopes(tenantId: tenantId, userId: user.id, clientId: client.id) ?? []
            let missing = request.scopes.filter { !granted.contains($0) }
            if !missing.isEmpty || request.prompt.contains(.consent) {
                if request.prompt.contains(.none) {
                    return refuse(request, tenantId: tenantId, .consentRequired, "the user has not consented to these scopes")
                }
                return .consent(request, clientName: client.name, scopes: request.prompt.contains(.consent) ? request.scopes : missing)
            }
        }
        let code = try await codes.issue(request, browserSession: session, userId: user.id)
        return .redirect(
            Self.redirect(request.redirectURI, [("code", code), ("state", request.state), ("iss", tokens.issuer(tenantId: tenantId))]))
    }

    private func refuse(_ request: AuthorizationGrantRequest, tenantId: String, _ reason: GatehouseError.Reason, _ why: String) -> Step {
        .redirect(
            Self.redirect(
                request.redirectURI,
                [("error", reason.rawValue), ("error_description", why), ("state", request.state), ("iss", tokens.issuer(tenantId: tenantId))]))
    }

    /// RFC 6749 §4.1.2: the parameters are added to the redirect URI's query (it may have one; it has no
    /// fragment, registration refuses those).
    static func redirect(_ uri: String, _ parameters: [(String, String?)]) -> String {
        var out = uri
        var separator = uri.contains("?") ? "&" : "?"
        for (name, value) in parameters {
            guard let value else { continue }
            out += separator + name + "=" + formEncode(value)
            separator = "&"
        }
        return out
    }

    /// Everything but RFC 3986's unreserved characters, percent-encoded.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// The request a page carries between the browser's visits, sealed with the master key (it cannot be
    /// altered, and it expires), bound to the tenant.
    /// Written by `JSONWriter` in the shape `open` decodes (the request's Codable keys): every sign-in page
    /// seals one, and JSONEncoder was a twentieth of a page's CPU.
    public func seal(_ request: AuthorizationGrantRequest, tenantId: String) throws -> String {
        var r = JSONWriter()
        r.field("clientId", request.clientId)
        r.field("redirectURI", request.redirectURI)
        r.field("scopes", request.scopes)
        r.field("state", request.state)
        r.field("nonce", request.nonce)
        r.field("codeChallenge", request.codeChallenge)
        r.field("prompt", request.prompt.map(\.rawValue))
        if let maxAge = request.maxAge { r.field("maxAge", Int64(maxAge)) }
        r.field("loginHint", request.loginHint)
        var page = JSONWriter()
        page.field("request", json: r.finished())
        page.field("expiresAt", clock.nowSeconds + Int64(Self.pageLifetime))
        return try box.seal(page.finished(), context: "authorization-page:" + tenantId)
    }

    public func open(_ sealed: String, tenantId: String) throws -> AuthorizationGrantRequest {
        struct Page: Decodable {
            var request: AuthorizationGrantRequest
            var expiresAt: Int64
        }
        let expired = GatehouseError(.invalidRequest, "This sign-in page has expired; start again from the application.")
        guard sealed.utf8.count <= 8192, let bytes = try? box.open(sealed, context: "authorization-page:" + tenantId),
            let page = try? JSONDecoder().decode(Page.self, from: Data(bytes)), page.expiresAt > clock.nowSeconds
        else { throw expired }
        return page.request
    }
}
