import Foundation
import GatehouseCore
import Testing

/// Issue 14: the checks of `GET /oauth2/authorize` (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636; RFC 9700 §2.1).
@Suite struct AuthorizationRequestTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let app = "https://app.example/callback"
    static let challenge = Base64URL.encode(Digest.sha256(Array(String(repeating: "v", count: 43).utf8)))

    static func client(public isPublic: Bool = false, requirePkce: Bool = true, redirects: [String] = [app]) -> OAuthClient {
        OAuthClient(
            id: "ghc_app", tenantId: "t", name: "App", redirectUris: redirects, grantTypes: [.authorizationCode, .refreshToken],
            scopes: ["openid", "profile", "email", "offline_access"], tokenEndpointAuthMethod: isPublic ? .none : .clientSecretBasic,
            requirePkce: requirePkce, createdAt: now, updatedAt: now)
    }

    static func request(_ edit: (inout AuthorizationParameters) -> Void = { _ in }) -> AuthorizationParameters {
        var p = AuthorizationParameters()
        p.responseType = "code"
        p.clientId = "ghc_app"
        p.redirectURI = app
        p.scope = "openid email"
        p.state = "xyz"
        p.codeChallenge = challenge
        p.codeChallengeMethod = "S256"
        p.nonce = "n-0S6_WzA2Mj"
        edit(&p)
        return p
    }

    static func expectRedirect(
        _ d: AuthorizationDecision, _ reason: GatehouseError.Reason, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .redirectError(let uri, let r, _, let state) = d else {
            Issue.record("expected a redirected \(reason), got \(d)", sourceLocation: sourceLocation)
            return
        }
        #expect(uri == app && r == reason && state == "xyz", sourceLocation: sourceLocation)
    }

    @Test func aGoodRequestProceedsWithWhatItAsked() throws {
        guard case .proceed(let g) = AuthorizationRequestRules.decide(Self.request(), client: Self.client()) else {
            Issue.record("refused")
            return
        }
        #expect(g.clientId == "ghc_app" && g.redirectURI == Self.app && g.scopes == ["openid", "email"])
        #expect(g.state == "xyz" && g.nonce == "n-0S6_WzA2Mj" && g.codeChallenge == Self.challenge && g.wantsIDToken)
        // No scope: all of the client's; one registered redirect URI may be left out.
        guard case .proceed(let all) = AuthorizationRequestRules.decide(Self.request { $0.scope = nil; $0.redirectURI = nil }, client: Self.client())
        else {
            Issue.record("refused")
            return
        }
        #expect(all.scopes == ["openid", "profile", "email", "offline_access"] && all.redirectURI == Self.app)
    }

    /// Never redirected: an unknown client, an unregistered redirect URI, one that differs by a trailing
    /// slash, by case or by its query, a repeated client_id or redirect_uri.
    @Test func untrustedClientsAndRedirectsAreShownNotRedirected() {
        let c = Self.client()
        for edit: (inout AuthorizationParameters) -> Void in [
            { $0.clientId = nil }, { $0.clientId = "ghc_other" }, { $0.redirectURI = "https://evil.example/callback" },
            { $0.redirectURI = Self.app + "/" }, { $0.redirectURI = "https://APP.example/callback" },
            { $0.redirectURI = Self.app + "?next=evil" }, { $0.repeated = "redirect_uri" }, { $0.repeated = "client_id" },
        ] {
            let d = AuthorizationRequestRules.decide(Self.request(edit), client: c)
            guard case .showError = d else {
                Issue.record("redirected: \(d)")
                continue
            }
        }
        #expect(AuthorizationRequestRules.decide(Self.request(), client: nil) == .showError("The client of this request is not registered here."))
        let two = Self.client(redirects: [Self.app, "https://app.example/other"])
        guard case .showError = AuthorizationRequestRules.decide(Self.request { $0.redirectURI = nil }, client: two) else {
            Issue.record("an absent redirect URI with two registered must not be guessed")
            return
        }
    }

    @Test func implicitHybridAndUnknownResponseTypesAreRefused() {
        for type in ["token", "id_token", "code id_token", "code token", "none"] {
            Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.responseType = type }, client: Self.client()), .unsupportedResponseType)
        }
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.responseType = nil }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.responseMode = "fragment" }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.request = "eyJ" }, client: Self.client()), .requestNotSupported)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.requestURI = "urn:x" }, client: Self.client()), .requestURINotSupported)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.repeated = "scope" }, client: Self.client()), .invalidRequest)
    }

    @Test func pkceIsS256AndRequiredWhereTheClientSays() {
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.codeChallenge = nil; $0.codeChallengeMethod = nil }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(
            AuthorizationRequestRules.decide(Self.request { $0.codeChallenge = nil; $0.codeChallengeMethod = nil }, client: Self.client(public: true, requirePkce: false)),
            .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.codeChallengeMethod = "plain" }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.codeChallengeMethod = nil }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.codeChallenge = "short" }, client: Self.client()), .invalidRequest)
        // A confidential client that opted out may omit it.
        guard case .proceed(let g) = AuthorizationRequestRules.decide(
            Self.request { $0.codeChallenge = nil; $0.codeChallengeMethod = nil }, client: Self.client(requirePkce: false))
        else {
            Issue.record("refused")
            return
        }
        #expect(g.codeChallenge == nil)
    }

    @Test func scopesPromptsAndBoundsAreChecked() {
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.scope = "openid admin" }, client: Self.client()), .invalidScope)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.scope = "openid\u{1}" }, client: Self.client()), .invalidScope)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.prompt = "none login" }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.prompt = "bogus" }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.maxAge = "-1" }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request { $0.maxAge = "soon" }, client: Self.client()), .invalidRequest)
        Self.expectRedirect(
            AuthorizationRequestRules.decide(Self.request { $0.nonce = String(repeating: "n", count: 513) }, client: Self.client()), .invalidRequest)
        var noGrant = Self.client()
        noGrant.grantTypes = [.clientCredentials]
        Self.expectRedirect(AuthorizationRequestRules.decide(Self.request(), client: noGrant), .unauthorizedClient)
        guard case .proceed(let g) = AuthorizationRequestRules.decide(
            Self.request { $0.prompt = "login consent"; $0.maxAge = "0"; $0.loginHint = "a@b.io" }, client: Self.client())
        else {
            Issue.record("refused")
            return
        }
        #expect(g.prompt == [.login, .consent] && g.maxAge == 0 && g.loginHint == "a@b.io")
        // An oversize state is cut before it is sent back, and refused.
        let long = String(repeating: "s", count: 2000)
        guard case .redirectError(_, .invalidRequest, _, let state) = AuthorizationRequestRules.decide(Self.request { $0.state = long }, client: Self.client())
        else {
            Issue.record("accepted")
            return
        }
        #expect(state?.utf8.count == 1024)
    }

    @Test func pkceVerifiesS256Only() {
        let verifier = String(repeating: "v", count: 43)
        #expect(PKCE.verify(verifier: verifier, challenge: Self.challenge))
        #expect(!PKCE.verify(verifier: verifier + "x", challenge: Self.challenge))
        #expect(!PKCE.verify(verifier: "short", challenge: Self.challenge))
        #expect(!PKCE.verify(verifier: String(repeating: "v", count: 129), challenge: Self.challenge))
        #expect(!PKCE.verify(verifier: verifier, challenge: verifier), "plain is never accepted")
        // RFC 7636 Appendix B.
        #expect(PKCE.verify(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
    }
}
