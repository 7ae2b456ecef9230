import Foundation

/// The parameters of `GET /oauth2/authorize` as the query gave them (RFC 6749 §4.1.1, RFC 7636 §4.3,
/// OpenID Connect Core §3.1.2.1).
public struct AuthorizationParameters: Sendable {
    public var responseType: String?
    public var clientId: String?
    public var redirectURI: String?
    public var scope: String?
    public var state: String?
    public var codeChallenge: String?
    public var codeChallengeMethod: String?
    public var nonce: String?
    public var prompt: String?
    public var maxAge: String?
    public var loginHint: String?
    public var responseMode: String?
    /// OpenID Connect request objects (§6), which this server does not take.
    public var request: String?
    public var requestURI: String?
    /// A parameter the query gave more than once (RFC 6749 §3.1 forbids it), if any.
    public var repeated: String?
    public init() {}
}

/// An authorization request that passed every check: what the login and consent steps carry to the code.
public struct AuthorizationGrantRequest: Sendable, Equatable, Codable {
    public enum Prompt: String, Sendable, Codable, CaseIterable {
        case none, login, consent
        /// OpenID Connect's account chooser: one account per browser session here, so it asks for a login.
        case selectAccount = "select_account"
    }

    public var clientId: String
    public var redirectURI: String
    public var scopes: [String]
    public var state: String?
    public var nonce: String?
    public var codeChallenge: String?
    public var prompt: [Prompt]
    /// Seconds: a sign-in older than this must be made again (OpenID Connect Core §3.1.2.1).
    public var maxAge: Int?
    public var loginHint: String?

    public init(
        clientId: String, redirectURI: String, scopes: [String], state: String?, nonce: String?, codeChallenge: String?,
        prompt: [Prompt], maxAge: Int?, loginHint: String?
    ) {
        self.clientId = clientId
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.state = state
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.prompt = prompt
        self.maxAge = maxAge
        self.loginHint = loginHint
    }

    public var wantsIDToken: Bool { scopes.contains("openid") }
}

/// What the authorization endpoint does with a request.
public enum AuthorizationDecision: Sendable, Equatable {
    case proceed(AuthorizationGrantRequest)
    /// RFC 6749 §4.1.2.1: the client and its redirect URI are known good, so the error goes back to it.
    case redirectError(redirectURI: String, GatehouseError.Reason, description: String, state: String?)
    /// The client or the redirect URI cannot be trusted: shown to the user, never redirected (an open
    /// redirector otherwise, RFC 9700 §4.11).
    case showError(String)
}

/// The checks of an authorization request against the client it names (RFC 6749 §3.1, §4.1.1; RFC 7636;
/// RFC 9700 §2.1: exact redirect URIs, PKCE with S256, no implicit grant).
public enum AuthorizationRequestRules {
    static let maxStateBytes = 1024
    static let maxNonceBytes = 512
    static let maxLoginHintBytes = 320

    public static func decide(_ p: AuthorizationParameters, client: OAuthClient?) -> AuthorizationDecision {
        guard let clientId = p.clientId, !clientId.isEmpty else { return .showError("The request names no client (client_id).") }
        guard let client, client.id == clientId else { return .showError("The client of this request is not registered here.") }
        if p.repeated == "client_id" || p.repeated == "redirect_uri" {
            return .showError("The request gives \(p.repeated!) more than once.")
        }
        // RFC 6749 §3.1.2.3: the redirect URI must be one the client registered, compared as a whole string;
        // it may be left out only when the client has exactly one (OpenID Connect always sends it).
        let redirectURI: String
        if let given = p.redirectURI {
            guard client.redirectUris.contains(given) else {
                return .showError("The redirect URI of this request is not registered for the client.")
            }
            redirectURI = given
        } else if client.redirectUris.count == 1 {
            redirectURI = client.redirectUris[0]
        } else {
            return .showError("The request names no redirect URI (redirect_uri) and the client has several.")
        }

        let state = p.state.map { String($0.prefix(maxStateBytes)) }
        func refuse(_ reason: GatehouseError.Reason, _ why: String) -> AuthorizationDecision {
            .redirectError(redirectURI: redirectURI, reason, description: why, state: state)
        }
        if let repeated = p.repeated { return refuse(.invalidRequest, "\(repeated.prefix(64)) is given more than once") }
        if let s = p.state, s.utf8.count > maxStateBytes { return refuse(.invalidRequest, "state is longer than \(maxStateBytes) bytes") }
        if p.request != nil { return refuse(.requestNotSupported, "request objects are not supported") }
        if p.requestURI != nil { return refuse(.requestURINotSupported, "request_uri is not supported") }
        guard let responseType = p.responseType, !responseType.isEmpty else { return refuse(.invalidRequest, "response_type is required") }
        // RFC 9700 §2.1.2: no implicit grant, no hybrid flow; the code comes back in the query.
        guard responseType == "code" else { return refuse(.unsupportedResponseType, "only response_type=code is supported") }
        if let mode = p.responseMode, mode != "query" { return refuse(.invalidRequest, "only response_mode=query is supported") }
        guard client.grantTypes.contains(.authorizationCode) else {
            return refuse(.unauthorizedClient, "this client may not use the authorization_code grant")
        }

        let scopes: [String]
        do {
            if let asked = try ScopeList.parse(p.scope) {
                guard asked.allSatisfy(client.scopes.contains) else {
                    return refuse(.invalidScope, "the client may not ask for \(asked.filter { !client.scopes.contains($0) }.joined(separator: " ").prefix(200))")
                }
                scopes = asked.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
            } else {
                scopes = client.scopes
            }
        } catch {
            return refuse(.invalidScope, "scope holds a value that is not a scope token")
        }

        // RFC 7636 §4.4.1; plain is refused (RFC 9700 §2.1.1).
        if let method = p.codeChallengeMethod, method != "S256" {
            return refuse(.invalidRequest, "code_challenge_method must be S256")
        }
        if let challenge = p.codeChallenge {
            guard p.codeChallengeMethod == "S256" else { return refuse(.invalidRequest, "code_challenge_method must be S256") }
            guard PKCE.isChallenge(challenge) else { return refuse(.invalidRequest, "code_challenge is not a S256 challenge") }
        } else if client.isPublic || client.requirePkce {
            return refuse(.invalidRequest, "code_challenge is required (PKCE, S256)")
        }

        if let nonce = p.nonce, nonce.utf8.count > maxNonceBytes { return refuse(.invalidRequest, "nonce is longer than \(maxNonceBytes) bytes") }
        var prompt: [AuthorizationGrantRequest.Prompt] = []
        if let text = p.prompt {
            for word in text.split(separator: " ") {
                guard let value = AuthorizationGrantRequest.Prompt(rawValue: String(word)) else {
                    return refuse(.invalidRequest, "prompt \(word.prefix(32)) is not supported")
                }
                if !prompt.contains(value) { prompt.append(value) }
            }
            if prompt.contains(.none), prompt.count > 1 { return refuse(.invalidRequest, "prompt=none cannot be combined") }
        }
        var maxAge: Int?
        if let text = p.maxAge {
            guard let value = Int(text), value >= 0, value <= 1_000_000_000 else {
                return refuse(.invalidRequest, "max_age must be a number of seconds")
            }
            maxAge = value
        }
        let loginHint = p.loginHint.flatMap { $0.utf8.count <= maxLoginHintBytes && !Identifiers.containsControlCharacter($0) ? $0 : nil }
        return .proceed(
            AuthorizationGrantRequest(
                clientId: client.id, redirectURI: redirectURI, scopes: scopes, state: p.state, nonce: p.nonce,
                codeChallenge: p.codeChallenge, prompt: prompt, maxAge: maxAge, loginHint: loginHint))
    }
}
