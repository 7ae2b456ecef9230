import Foundation
import GatehouseCore
import GatehouseServer
import HTTPTypes
import Testing

@testable import GatehouseHTTP

/// Issue 14, items 1 and 2: `GET /oauth2/authorize` and the hosted pages, driven over HTTP as a browser
/// would (cookies and hidden fields carried by hand; the headless-browser run is in e2e).
@Suite struct HostedLoginTests {
    typealias Flow = OAuthCodeGrantTests.Flow
    static let redirect = OAuthCodeGrantTests.redirect

    /// A browser: the cookies it holds, sent back on every request.
    final class Browser: @unchecked Sendable {
        var cookies: [String: String] = [:]
        let h: Harness
        init(_ h: Harness) { self.h = h }

        func go(_ method: HTTPRequest.Method, _ path: String, form: [String: String]? = nil) async throws -> Reply {
            var headers: [String: String] = [:]
            if !cookies.isEmpty { headers["cookie"] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            let body = form.map { $0.map { "\($0.key)=\(AuthorizationFlowTestSupport.encode($0.value))" }.joined(separator: "&") }
            let r = try await h.call(method, path, headers: headers, body: body, contentType: form == nil ? nil : OAuthTokenTests.form)
            for field in r.headers where field.name == .setCookie {
                let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                if pair.count == 2 { cookies[String(pair[0])] = String(pair[1]) }
            }
            return r
        }
    }

    static func hidden(_ html: String, _ name: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func authorizePath(_ f: Flow, _ extra: [String: String] = [:]) -> String {
        var q = [
            "response_type": "code", "client_id": f.client.id, "redirect_uri": redirect, "scope": "openid email", "state": "af0ifjsldkj",
            "code_challenge": OAuthCodeGrantTests.challenge, "code_challenge_method": "S256", "nonce": "n-0S6",
        ]
        for (k, v) in extra { q[k] = v }
        return "/t/\(f.tenant.id)/oauth2/authorize?" + q.map { "\($0.key)=\(AuthorizationFlowTestSupport.encode($0.value))" }.joined(separator: "&")
    }

    static func query(_ location: String) -> [String: String] {
        guard let q = location.split(separator: "?", maxSplits: 1).last else { return [:] }
        return (try? FormBody.parse(String(q))) ?? [:]
    }

    static func expectPageHeaders(_ r: Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        let csp = r.headers[.contentSecurityPolicy] ?? ""
        #expect(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), sourceLocation: sourceLocation)
        #expect(r.headers[HTTPField.Name("x-frame-options")!] == "DENY", sourceLocation: sourceLocation)
        #expect(r.headers[HTTPField.Name("referrer-policy")!] == "no-referrer", sourceLocation: sourceLocation)
        #expect(r.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
        #expect(r.headers[.accessControlAllowOrigin] == nil, sourceLocation: sourceLocation)
    }

    /// Signs in on the page: the login form, then (third party) the consent form; returns the redirect.
    static func signIn(_ b: Browser, _ f: Flow, password: String = "correct horse battery", consent: Bool = true) async throws -> Reply {
        let page = try await b.go(.get, authorizePath(f))
        #expect(page.status == 200, "\(page.text)")
        expectPageHeaders(page)
        #expect(page.text.contains("Sign in to Acme Loyalty") && page.text.contains("Web app"))
        let csrf = try #require(hidden(page.text, "csrf"))
        let sealed = try #require(hidden(page.text, "request"))
        let posted = try await b.go(
            .post, "/t/\(f.tenant.id)/oauth2/login", form: ["csrf": csrf, "request": sealed, "login": "jane.doe", "password": password])
        guard consent, posted.status == 200, posted.text.contains("Allow") else { return posted }
        #expect(posted.text.contains("See your email address"))
        let consentCSRF = try #require(hidden(posted.text, "csrf"))
        let consentRequest = try #require(hidden(posted.text, "request"))
        return try await b.go(
            .post, "/t/\(f.tenant.id)/oauth2/consent", form: ["csrf": consentCSRF, "request": consentRequest, "decision": "allow"])
    }

    @Test func passwordConsentCodeThenSingleSignOn() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h)
            let b = Browser(h)
            let done = try await Self.signIn(b, f)
            #expect(done.status == 303, "\(done.text)")
            let location = try #require(done.headers[.location])
            #expect(location.hasPrefix(Self.redirect + "?"))
            let q = Self.query(location)
            #expect(q["state"] == "af0ifjsldkj" && q["iss"] == "\(h.engine.config.publicURL)/t/\(f.tenant.id)")
            let tokens = try await OAuthCodeGrantTests.exchange(h, f, try #require(q["code"]))
            #expect(tokens.status == 200, "\(tokens.text)")
            let id = try OAuthCodeGrantTests.claims(try #require(tokens.string("id_token")))
            #expect(id["nonce"] == .string("n-0S6") && id["sub"] == .string(f.userId) && id["amr"] == .array(["pwd"]))
            // The browser's session is a session like any other, and the cookie signs it in again: straight
            // back with a new code, the consent remembered.
            let sso = try #require(b.cookies.first { $0.key.hasPrefix("gh-sso-") })
            #expect(!sso.value.isEmpty)
            let again = try await b.go(.get, Self.authorizePath(f, ["state": "second"]))
            #expect(again.status == 302, "\(again.text)")
            let second = Self.query(try #require(again.headers[.location]))
            #expect(second["state"] == "second" && second["code"] != nil && second["code"] != q["code"])
            // max_age: a sign-in older than it asks for the password again (OpenID Connect Core §3.1.2.1).
            #expect(try await b.go(.get, Self.authorizePath(f, ["max_age": "3600"])).status == 302)
            h.clock.advance(by: 120)
            #expect(try await b.go(.get, Self.authorizePath(f, ["max_age": "60"])).text.contains("Sign in to"))
            // prompt=consent asks again; prompt=login asks for the password again.
            #expect(try await b.go(.get, Self.authorizePath(f, ["prompt": "consent"])).text.contains("Allow"))
            #expect(try await b.go(.get, Self.authorizePath(f, ["prompt": "login"])).text.contains("Sign in to"))
            let events = try await h.engine.store.events(tenantId: f.tenant.id, afterSequence: 0, limit: 200).map(\.type)
            #expect(events.contains("oauth.consent_given") && events.contains("login.succeeded"))
        }
    }

    @Test func aFirstPartyClientSkipsConsent() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h, ["firstParty": true])
            let done = try await Self.signIn(Browser(h), f, consent: false)
            #expect(done.status == 303, "\(done.text)")
            #expect(Self.query(try #require(done.headers[.location]))["code"] != nil)
        }
    }

    /// Never redirected: an unknown client or an unregistered redirect URI is shown on the page.
    @Test func untrustedRequestsAreShownAndOthersRedirectedWithIss() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h)
            let b = Browser(h)
            for extra in [["client_id": "ghc_unknown"], ["redirect_uri": "https://evil.example/callback"], ["redirect_uri": Self.redirect + "/"]] {
                let r = try await b.go(.get, Self.authorizePath(f, extra))
                #expect(r.status == 400 && r.headers[.location] == nil, "\(extra)")
                #expect(r.headers[.contentType]?.hasPrefix("text/html") == true)
                Self.expectPageHeaders(r)
            }
            for (extra, error) in [
                (["response_type": "token"], "unsupported_response_type"), (["code_challenge_method": "plain"], "invalid_request"),
                (["prompt": "none"], "login_required"), (["scope": "openid admin"], "invalid_scope"),
            ] {
                let r = try await b.go(.get, Self.authorizePath(f, extra))
                #expect(r.status == 302, "\(extra): \(r.text)")
                let q = Self.query(try #require(r.headers[.location]))
                #expect(q["error"] == error && q["state"] == "af0ifjsldkj" && q["iss"] != nil, "\(extra)")
            }
            // A repeated parameter is an invalid request, redirected.
            let repeated = try await b.go(.get, Self.authorizePath(f) + "&scope=email")
            #expect(Self.query(try #require(repeated.headers[.location]))["error"] == "invalid_request")
            // Signed in but not consented, prompt=none: consent_required.
            _ = try await Self.signIn(b, OAuthCodeGrantTests.Flow(tenant: f.tenant, client: f.client, userId: f.userId, browser: f.browser), consent: false)
            let none = try await b.go(.get, Self.authorizePath(f, ["prompt": "none"]))
            #expect(Self.query(try #require(none.headers[.location]))["error"] == "consent_required")
        }
    }

    @Test func formsNeedTheirCSRFTokenAndTheirSealedRequest() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h)
            let b = Browser(h)
            let page = try await b.go(.get, Self.authorizePath(f))
            let csrf = try #require(Self.hidden(page.text, "csrf"))
            let sealed = try #require(Self.hidden(page.text, "request"))
            let path = "/t/\(f.tenant.id)/oauth2/login"
            let good = ["csrf": csrf, "request": sealed, "login": "jane.doe", "password": "correct horse battery"]
            for broken in [
                good.merging(["csrf": "x"]) { $1 }, good.filter { $0.key != "csrf" }, good.merging(["request": "garbage"]) { $1 },
                good.filter { $0.key != "request" },
            ] {
                let r = try await b.go(.post, path, form: broken)
                #expect(r.status == 400 && r.text.contains("expired"), "\(broken.keys.sorted())")
                #expect(!b.cookies.keys.contains { $0.hasPrefix("gh-sso-") }, "not signed in")
            }
            // Without the cookie (another site's form), the right token is refused too.
            let stranger = Browser(h)
            #expect(try await stranger.go(.post, path, form: good).status == 400)
            // A page of another tenant's does not open here.
            let other = try await OAuthCodeGrantTests.flow(h)
            #expect(try await b.go(.post, "/t/\(other.tenant.id)/oauth2/login", form: good).status == 400)
            // The consent form likewise.
            #expect(try await b.go(.post, "/t/\(f.tenant.id)/oauth2/consent", form: ["csrf": "x", "request": sealed, "decision": "allow"]).status == 400)
            // A page expires.
            h.clock.advance(by: 601)
            #expect(try await b.go(.post, path, form: good).status == 400)
        }
    }

    @Test func wrongPasswordsShowAClearMessageAndCountTowardTheLock() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h)
            let b = Browser(h)
            let wrong = try await Self.signIn(b, f, password: "not the password")
            #expect(wrong.status == 401)
            #expect(wrong.text.contains("role=\"alert\"") && wrong.text.contains("not right") && wrong.text.contains("value=\"jane.doe\""))
            #expect(!wrong.text.contains("Error") || !wrong.text.contains("Stack"))
            Self.expectPageHeaders(wrong)
            // The login is kept, so the password field has the focus.
            #expect(wrong.text.contains(#"current-password" required autofocus"#) && !wrong.text.contains(#"required autofocus value="#))
            var last = wrong
            for _ in 0..<12 { last = try await Self.signIn(b, f, password: "not the password") }
            #expect(last.status == 429 && last.headers[.retryAfter] != nil && last.text.contains("Too many attempts"))
            // The API logins share the lock.
            #expect(try await ClassicAPITests.login(h, headers: f.tenant.headers).status == 429)
        }
    }

    @Test func aUserWithTOTPPassesTheSecondStep() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": true])).status == 200)
            let (pending, secret) = try await TOTPTests.enrolledLogin(h, t)
            #expect(try await TOTPTests.verify(h, t, pending: pending, otp: Authenticator.code(base32: secret, at: h.clock.now)).status == 200)
            h.clock.advance(by: 31)
            let f = try await OAuthCodeGrantTests.flow(h, ["firstParty": true], tenant: t, browser: false)
            let b = Browser(h)
            let step = try await Self.signIn(b, f, consent: false)
            #expect(step.status == 200 && step.text.contains("Two-step verification"), "\(step.text)")
            let form = { (code: String) in
                ["csrf": Self.hidden(step.text, "csrf") ?? "", "request": Self.hidden(step.text, "request") ?? "",
                 "pending": Self.hidden(step.text, "pending") ?? "", "code": code]
            }
            // The two-step form needs its CSRF token like the others.
            var forged = form(Authenticator.code(base32: secret, at: h.clock.now))
            forged["csrf"] = "forged"
            #expect(try await b.go(.post, "/t/\(t.id)/oauth2/login/otp", form: forged).status == 400)
            let bad = try await b.go(.post, "/t/\(t.id)/oauth2/login/otp", form: form("000000"))
            #expect(bad.status == 401 && bad.text.contains("not right"))
            let good = try await b.go(.post, "/t/\(t.id)/oauth2/login/otp", form: form(Authenticator.code(base32: secret, at: h.clock.now)))
            #expect(good.status == 303, "\(good.text)")
            let location = try #require(good.headers[.location])
            let code = try #require(Self.query(location)["code"])
            let tokens = try await OAuthCodeGrantTests.exchange(h, f, code)
            #expect(try OAuthCodeGrantTests.claims(try #require(tokens.string("id_token")))["amr"] == .array(["pwd", "otp"]))
        }
    }

    /// The sealed page request (written by JSONWriter, read by JSONDecoder) comes back as it went, every field.
    @Test func aSealedRequestOpensToTheSameRequest() async throws {
        try await withHarness { h in
            let flow = h.engine.authorization
            let full = AuthorizationGrantRequest(
                clientId: "ghc_x", redirectURI: "https://app.example/cb?a=1&b=\"2\"", scopes: ["openid", "email"], state: "s\u{1F600}\\",
                nonce: "n", codeChallenge: "c", prompt: [.login, .selectAccount], maxAge: 300, loginHint: "ünïcode \"quoted\"")
            let sealedFull = try flow.seal(full, tenantId: "t1")
            #expect(try flow.open(sealedFull, tenantId: "t1") == full)
            let bare = AuthorizationGrantRequest(
                clientId: "ghc_y", redirectURI: "https://app.example/cb", scopes: [], state: nil, nonce: nil, codeChallenge: nil,
                prompt: [], maxAge: nil, loginHint: nil)
            let sealedBare = try flow.seal(bare, tenantId: "t1")
            #expect(try flow.open(sealedBare, tenantId: "t1") == bare)
            #expect(throws: GatehouseError.self) { try flow.open(sealedBare, tenantId: "t2") }
        }
    }

    /// Values reach the page HTML-escaped (the pages' own escaper, `PageHTML`): a hostile login_hint stays text.
    @Test func pageValuesAreEscaped() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h, browser: false)
            let hint = #""><script>alert('x')</script>&amp; é"#
            let page = try await Browser(h).go(.get, Self.authorizePath(f, ["login_hint": hint]))
            #expect(page.status == 200)
            #expect(page.text.contains(#"value="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp; é""#), "\(page.text)")
            #expect(!page.text.contains("<script>alert"))
            // A fresh page focuses the login field; after a failed attempt, the password field (the login is kept).
            #expect(page.text.contains(#"required autofocus value="#) && !page.text.contains(#"current-password" required autofocus"#))
            #expect(PageHTML().escapeText("plain-base64url_TOKEN") == "plain-base64url_TOKEN")
        }
    }

    /// The key shown on the enrolment page, without its grouping spaces.
    static func offeredSecret(_ html: String) -> String? {
        guard let start = html.range(of: #"<code class="key" id="secret">"#), let end = html[start.upperBound...].range(of: "</code>")
        else { return nil }
        return html[start.upperBound..<end.lowerBound].replacingOccurrences(of: " ", with: "")
    }

    /// Issue 14, item 2: a tenant that requires MFA enrols a user on the page itself (QR code and key, then
    /// the first code). The secret is sealed to this sign-in's pending token, so another sign-in with the same
    /// password can neither swap it nor use it.
    @Test func aUserWhoMustEnrolSetsUpTOTPOnThePage() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": true])).status == 200)
            let f = try await OAuthCodeGrantTests.flow(h, ["firstParty": true], tenant: t, browser: false)
            let b = Browser(h)
            let page = try await Self.signIn(b, f, consent: false)
            #expect(page.status == 200 && page.text.contains("Set up two-step verification"), "\(page.text)")
            Self.expectPageHeaders(page)
            #expect(page.text.contains("<svg") && page.text.contains("aria-label=\"QR code"))
            let secret = try #require(Self.offeredSecret(page.text))
            #expect(secret.count >= 52 && secret.allSatisfy { ("A"..."Z").contains($0) || ("2"..."7").contains($0) }, "\(secret)")
            let form = { (html: String, code: String) in
                var fields = [
                    "csrf": Self.hidden(html, "csrf") ?? "", "request": Self.hidden(html, "request") ?? "",
                    "pending": Self.hidden(html, "pending") ?? "", "code": code,
                ]
                fields["enrolment"] = Self.hidden(html, "enrolment")
                return fields
            }
            let otp = "/t/\(t.id)/oauth2/login/otp"
            // A second sign-in with the same password (an attacker who has it) gets its own secret and token;
            // neither opens the other's offer.
            let attacker = Browser(h)
            let other = try await Self.signIn(attacker, f, consent: false)
            let otherSecret = try #require(Self.offeredSecret(other.text))
            #expect(otherSecret != secret)
            var crossed = form(page.text, Authenticator.code(base32: otherSecret, at: h.clock.now))
            crossed["enrolment"] = Self.hidden(other.text, "enrolment")
            #expect(try await b.go(.post, otp, form: crossed).status == 400)
            var forged = form(page.text, Authenticator.code(base32: secret, at: h.clock.now))
            forged["csrf"] = "forged"
            #expect(try await b.go(.post, otp, form: forged).status == 400)
            // A wrong code shows the same secret again, the field marked.
            let wrong = try await b.go(.post, otp, form: form(page.text, "000000"))
            #expect(wrong.status == 401 && wrong.text.contains("not right") && wrong.text.contains("aria-invalid"))
            #expect(Self.offeredSecret(wrong.text) == secret)
            let good = try await b.go(.post, otp, form: form(wrong.text, Authenticator.code(base32: secret, at: h.clock.now)))
            #expect(good.status == 303, "\(good.text)")
            let location = try #require(good.headers[.location])
            let code = try #require(Self.query(location)["code"])
            let tokens = try await OAuthCodeGrantTests.exchange(h, f, code)
            #expect(try OAuthCodeGrantTests.claims(try #require(tokens.string("id_token")))["amr"] == .array(["pwd", "otp"]))
            // Enrolled: the next sign-in asks for a code of this secret, and the code just used is spent.
            let again = Browser(h)
            let next = try await Self.signIn(again, f, consent: false)
            #expect(next.text.contains("Two-step verification") && !next.text.contains("Set up"), "\(next.text)")
            #expect(Self.hidden(next.text, "enrolment") == nil)
            let replay = try await again.go(.post, otp, form: form(next.text, Authenticator.code(base32: secret, at: h.clock.now)))
            #expect(replay.status == 401 && replay.text.contains("not right"), "\(replay.text)")
            h.clock.advance(by: 30)
            #expect(try await again.go(.post, otp, form: form(next.text, Authenticator.code(base32: secret, at: h.clock.now))).status == 303)
            // The attacker's offer died with the enrolment.
            let late = try await attacker.go(.post, otp, form: form(other.text, Authenticator.code(base32: otherSecret, at: h.clock.now)))
            #expect(late.status == 409 && late.text.contains("set up meanwhile"), "\(late.text)")
        }
    }
}

/// Issue 14, item 2: the user sees and withdraws consents (`/auth/consents`, Enterprise dialect); withdrawing
/// ends the client's sessions for them and brings the consent screen back.
@Suite struct ConsentsTests {
    @Test func aWithdrawnConsentEndsTheClientsTokensAndAsksAgain() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h)
            let b = HostedLoginTests.Browser(h)
            let done = try await HostedLoginTests.signIn(b, f)
            let location = try #require(done.headers[.location])
            let code = try #require(HostedLoginTests.query(location)["code"])
            let tokens = try await OAuthCodeGrantTests.exchange(h, f, code)
            let access = try #require(tokens.string("access_token"))
            let jane = try #require(try await ClassicAPITests.login(h, headers: f.tenant.headers).string("token"))
            let me = f.tenant.headers.merging(["authorization": "Bearer \(jane)"]) { $1 }
            let listed = try await h.call(.get, "/auth/consents", headers: me)
            #expect(listed.status == 200, "\(listed.text)")
            let first = try #require(listed.json?.arrayValue?.first?.objectValue)
            #expect(first["clientId"] == .string(f.client.id) && first["clientName"] == .string("Web app"))
            #expect(first["scopes"] == .array(["openid", "email"]))
            // An unknown client is 404.
            #expect(try await h.call(.delete, "/auth/consents/ghc_nobody", headers: me).status == 404)
            #expect(try await h.call(.delete, "/auth/consents/\(f.client.id)", headers: me).status == 204)
            let backOffice = ["authorization": "Bearer \(f.tenant.apiPrivateKey)"]
            #expect(try await OAuthIntrospectionTests.introspect(h, f.tenant, access, headers: backOffice).text == #"{"active":false}"#)
            #expect(try await h.call(.get, "/auth/consents", headers: me).json == .array([]))
            // The browser is still signed in, but the consent screen is back.
            #expect(try await b.go(.get, HostedLoginTests.authorizePath(f)).text.contains("Allow"))
            let events = try await h.engine.store.events(tenantId: f.tenant.id, afterSequence: 0, limit: 200).map(\.type)
            #expect(events.contains("oauth.consent_revoked"))
        }
    }
}

/// Issue 14, item 4: OpenID Connect RP-initiated logout.
@Suite struct RPLogoutTests {
    static let bye = "https://app.example/bye"

    static func signedIn(_ h: Harness) async throws -> (OAuthCodeGrantTests.Flow, HostedLoginTests.Browser, idToken: String) {
        let f = try await OAuthCodeGrantTests.flow(h, ["firstParty": true, "postLogoutRedirectUris": [.string(bye)]])
        let b = HostedLoginTests.Browser(h)
        let done = try await HostedLoginTests.signIn(b, f, consent: false)
        let location = try #require(done.headers[.location])
        let tokens = try await OAuthCodeGrantTests.exchange(h, f, try #require(HostedLoginTests.query(location)["code"]))
        return (f, b, try #require(tokens.string("id_token")))
    }

    static func signedInStill(_ b: HostedLoginTests.Browser, _ f: OAuthCodeGrantTests.Flow) async throws -> Bool {
        try await b.go(.get, HostedLoginTests.authorizePath(f)).status == 302
    }

    @Test func aValidHintSignsOutAtOnceAndReturnsToTheRegisteredAddress() async throws {
        try await withHarness { h in
            let (f, b, idToken) = try await Self.signedIn(h)
            #expect(try await Self.signedInStill(b, f))
            h.clock.advance(by: 3600)  // an expired ID token is still a good hint
            let r = try await b.go(
                .get, "/t/\(f.tenant.id)/oauth2/logout?id_token_hint=\(idToken)&post_logout_redirect_uri=\(AuthorizationFlowTestSupport.encode(Self.bye))&state=s1")
            #expect(r.status == 303, "\(r.text)")
            #expect(r.headers[.location] == Self.bye + "?state=s1")
            #expect(r.headers[values: .setCookie].contains { $0.contains("Max-Age=0") })
            let page = try await b.go(.get, HostedLoginTests.authorizePath(f))
            #expect(page.status == 200 && page.text.contains("Sign in to"), "signed out")
            let events = try await h.engine.store.events(tenantId: f.tenant.id, afterSequence: 0, limit: 200).map(\.type)
            #expect(events.contains("oauth.logout"))
        }
    }

    /// Without a hint another site could sign users out with a link: the user confirms with a POST.
    @Test func withoutAHintTheUserConfirms() async throws {
        try await withHarness { h in
            let (f, b, _) = try await Self.signedIn(h)
            let ask = try await b.go(.get, "/t/\(f.tenant.id)/oauth2/logout?client_id=\(f.client.id)&post_logout_redirect_uri=\(AuthorizationFlowTestSupport.encode(Self.bye))")
            #expect(ask.status == 200 && ask.text.contains("Sign out of"), "\(ask.text)")
            #expect(try await Self.signedInStill(b, f), "asking signs nobody out")
            let path = "/t/\(f.tenant.id)/oauth2/logout"
            let sealed = try #require(HostedLoginTests.hidden(ask.text, "request"))
            #expect(try await b.go(.post, path, form: ["csrf": "wrong", "request": sealed]).status == 400)
            #expect(try await Self.signedInStill(b, f))
            let csrf = try #require(HostedLoginTests.hidden(ask.text, "csrf"))
            let done = try await b.go(.post, path, form: ["csrf": csrf, "request": sealed])
            #expect(done.status == 303 && done.headers[.location] == Self.bye)
            #expect(try await !Self.signedInStill(b, f))
        }
    }

    @Test func unregisteredAddressesAndForeignHintsAreShownNotFollowed() async throws {
        try await withHarness { h in
            let (f, b, idToken) = try await Self.signedIn(h)
            let base = "/t/\(f.tenant.id)/oauth2/logout?"
            for query in [
                "id_token_hint=\(idToken)&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
                "post_logout_redirect_uri=\(AuthorizationFlowTestSupport.encode(Self.bye))",  // no client named
                "id_token_hint=garbage", "id_token_hint=\(idToken)&client_id=ghc_other",
            ] {
                let r = try await b.go(.get, base + query)
                #expect(r.status == 400 && r.headers[.location] == nil, "\(query)")
            }
            // Another tenant's ID token is no hint here.
            let other = try await Self.signedIn(h)
            #expect(try await b.go(.get, base + "id_token_hint=\(other.idToken)").status == 400)
            #expect(try await Self.signedInStill(b, f))
        }
    }
}

/// Small helpers the hosted-page tests share with nothing else.
enum AuthorizationFlowTestSupport {
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

/// Issue 14, item 2: "Sign in with a passkey" on the hosted page — a discoverable-credential ceremony sealed
/// into the page, answered by `navigator.credentials.get` (here a software authenticator), posted back with
/// the page's CSRF token; the same checks, counters and locks as the Enterprise passkey login.
@Suite struct HostedPasskeyTests {
    typealias Browser = HostedLoginTests.Browser

    /// The ceremony and options the sign-in page carries, or nil when it shows no passkey button.
    static func passkeyButton(_ html: String) -> (ceremony: String, options: JSONValue)? {
        guard let ceremony = HostedLoginTests.hidden(html, "ceremony"),
            let start = html.range(of: #"data-options=""#), let end = html[start.upperBound...].firstIndex(of: "\"")
        else { return nil }
        let text = html[start.upperBound..<end].replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        guard let options = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return nil }
        return (ceremony, options)
    }

    static func post(_ b: Browser, _ t: Harness.TenantSetup, page: String, ceremony: String?, credential: String?) async throws -> Reply {
        var form = ["csrf": HostedLoginTests.hidden(page, "csrf") ?? "", "request": HostedLoginTests.hidden(page, "request") ?? ""]
        form["ceremony"] = ceremony
        form["credential"] = credential
        return try await b.go(.post, "/t/\(t.id)/oauth2/login/passkey", form: form)
    }

    static func text(_ value: JSONValue) throws -> String { String(decoding: try JSONEncoder().encode(value), as: UTF8.self) }

    @Test func aPasskeySignsInOnThePageOnceAndBadAnswersShowTheSignInPageAgain() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            let key = try SoftAuthenticator()
            _ = try await PasskeyTests.register(h, bearer, key)
            let f = try await OAuthCodeGrantTests.flow(h, ["firstParty": true], tenant: t, browser: false)
            let b = Browser(h)
            let page = try await b.go(.get, HostedLoginTests.authorizePath(f))
            #expect(page.status == 200 && page.text.contains("Sign in with a passkey"))
            // The one script runs by the page's nonce, which the policy names.
            let csp = page.headers[.contentSecurityPolicy] ?? ""
            let nonce = try #require(csp.split(separator: "'").first { $0.hasPrefix("nonce-") }).dropFirst("nonce-".count)
            #expect(csp.contains("script-src 'nonce-\(nonce)'") && page.text.contains("<script nonce=\"\(nonce)\">"))
            let (ceremony, options) = try #require(Self.passkeyButton(page.text))
            #expect(options.objectValue?["rpId"] == "gatehouse.test" && options.objectValue?["allowCredentials"] == .array([]))

            // Unreadable answers, a missing ceremony, a forged CSRF token: the page again, never a 500.
            let garbage = try await Self.post(b, t, page: page.text, ceremony: ceremony, credential: "{not json")
            #expect(garbage.status == 400 && garbage.text.contains("could not be read") && garbage.text.contains("Sign in with a passkey"))
            let assertion = try Self.text(try key.get(options))
            #expect(try await Self.post(b, t, page: page.text, ceremony: nil, credential: assertion).status == 400)
            var forged = ["csrf": "forged", "request": HostedLoginTests.hidden(page.text, "request") ?? ""]
            forged["ceremony"] = ceremony
            forged["credential"] = assertion
            #expect(try await b.go(.post, "/t/\(t.id)/oauth2/login/passkey", form: forged).status == 400)
            // A credential this tenant does not know.
            let outsider = try SoftAuthenticator()
            outsider.userHandle = Array("someone-else".utf8)
            let stranger = try Self.text(try outsider.get(options))
            let unknown = try await Self.post(b, t, page: page.text, ceremony: ceremony, credential: stranger)
            #expect(unknown.status == 401 && unknown.text.contains("cannot sign you in"), "\(unknown.text)")

            let done = try await Self.post(b, t, page: page.text, ceremony: ceremony, credential: assertion)
            #expect(done.status == 303, "\(done.text)")
            let location = try #require(done.headers[.location])
            let code = try #require(HostedLoginTests.query(location)["code"])
            let tokens = try await OAuthCodeGrantTests.exchange(h, f, code)
            #expect(try OAuthCodeGrantTests.claims(try #require(tokens.string("id_token")))["amr"] == .array(["webauthn"]))
            // The ceremony is spent: the same answer again signs no one in.
            let replay = try await Self.post(b, t, page: page.text, ceremony: ceremony, credential: assertion)
            #expect(replay.status == 400 && replay.text.contains("expired"), "\(replay.text)")
        }
    }

    /// A browser on the page would refuse a ceremony for an rpId that does not cover the page's host, so the
    /// button is not shown there.
    @Test func theButtonIsShownOnlyWhereTheTenantsRelyingPartyCoversThePage() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let f = try await OAuthCodeGrantTests.flow(h, ["firstParty": true], tenant: t, browser: false)
            #expect(try await Browser(h).go(.get, HostedLoginTests.authorizePath(f)).text.contains("passkey-button"))
            let elsewhere = try await h.call(
                .put, "/v2/tenants", headers: t.admin,
                json: .object(["webauthnRpId": "shop.example", "webauthnOrigins": ["https://shop.example"]]))
            #expect(elsewhere.status == 200, "\(elsewhere.text)")
            let page = try await Browser(h).go(.get, HostedLoginTests.authorizePath(f))
            #expect(page.status == 200 && !page.text.contains("passkey-button") && !page.text.contains("<script"))
            // An rpId that covers the page's host, but origins that leave the page out: not shown either.
            let sibling = try await h.call(
                .put, "/v2/tenants", headers: t.admin,
                json: .object(["webauthnRpId": "gatehouse.test", "webauthnOrigins": ["https://app.gatehouse.test"]]))
            #expect(sibling.status == 200, "\(sibling.text)")
            #expect(!(try await Browser(h).go(.get, HostedLoginTests.authorizePath(f)).text.contains("passkey-button")))
        }
    }
}
