import Foundation
import GatehouseCore
import GatehouseServer
import HTTPTypes
import Testing

/// Issue 14, item 3: `POST /oauth2/token` with `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6) and
/// `refresh_token` (§6) for code-flow sessions. Codes come from the engine as the hosted page will make
/// them (from a live browser session), so these tests run the token endpoint itself.
@Suite struct OAuthCodeGrantTests {
    typealias Client = OAuthTokenTests.Client
    static let redirect = "https://app.example/callback"
    static let verifier = "m8dF2qZ7-Lr4Tj0Wc9Yb3Nh6Vx1Pk5Gs_Ue8Ao2Ji7Qt"
    static var challenge: String { Base64URL.encode(Digest.sha256(Array(verifier.utf8))) }

    struct Flow {
        var tenant: Harness.TenantSetup
        var client: Client
        var userId: String
        /// A browser session made by a Classic login, for codes issued by the engine directly (nil when the
        /// user needs a second factor, which the Classic dialect does not offer).
        var browser: Session!
        var path: String { "/t/\(tenant.id)/oauth2/token" }
    }

    static func flow(_ h: Harness, _ extra: [String: JSONValue] = [:], tenant: Harness.TenantSetup? = nil, browser: Bool = true)
        async throws -> Flow
    {
        let t: Harness.TenantSetup
        if let tenant { t = tenant } else { t = try await h.createTenant() }
        var body: [String: JSONValue] = [
            "name": "Web app", "redirectUris": [.string(redirect)], "grantTypes": ["authorization_code", "refresh_token"],
            "scopes": ["openid", "profile", "email", "offline_access"],
        ]
        for (k, v) in extra { body[k] = v }
        let r = try await h.post("/v2/oauth-clients", .object(body), headers: t.admin)
        #expect(r.status == 201, "\(r.text)")
        let client = Client(id: try #require(r.string("clientId")), secret: r.string("clientSecret"))
        let users = try await h.engine.store.users(tenantId: t.id, page: PageRequest(limit: 10), email: nil).items
        let userId: String
        if let existing = users.first(where: { $0.username == "jane.doe" }) {
            userId = existing.id
        } else {
            userId = try await ClassicAPITests.user(h, tenant: t)
        }
        guard browser else { return Flow(tenant: t, client: client, userId: userId, browser: nil) }
        let login = try await ClassicAPITests.login(h, headers: t.headers)
        let principal = try await h.engine.auth.authenticate(tenantId: t.id, bearer: try #require(login.string("token")))
        let session = try #require(try await h.engine.store.session(tenantId: t.id, id: principal.claims.sid))
        return Flow(tenant: t, client: client, userId: userId, browser: session)
    }

    static func code(
        _ h: Harness, _ f: Flow, scopes: [String] = ["openid", "email", "profile", "offline_access"], challenge: String? = challenge,
        nonce: String? = "n-0S6_WzA2Mj"
    ) async throws -> String {
        let request = AuthorizationGrantRequest(
            clientId: f.client.id, redirectURI: redirect, scopes: scopes, state: "st", nonce: nonce, codeChallenge: challenge, prompt: [],
            maxAge: nil, loginHint: nil)
        return try await h.engine.authorizationCodes.issue(request, browserSession: f.browser, userId: f.userId)
    }

    static func exchange(
        _ h: Harness, _ f: Flow, _ code: String, verifier: String? = verifier, redirectURI: String = redirect, client: Client? = nil
    ) async throws -> Reply {
        var form = "grant_type=authorization_code&code=\(code)&redirect_uri=\(redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        if let verifier { form += "&code_verifier=\(verifier)" }
        return try await OAuthTokenTests.token(h, f.path, form, headers: (client ?? f.client).basic)
    }

    static func claims(_ jwt: String) throws -> [String: JSONValue] {
        let jws = try CompactJWS(jwt)
        return try #require(try JSONDecoder().decode(JSONValue.self, from: Data(jws.payload)).objectValue)
    }

    @Test func aCodeBuysTokensAndAnIDTokenTheJWKSVerifies() async throws {
        try await withHarness { h in
            let f = try await Self.flow(h)
            let r = try await Self.exchange(h, f, try await Self.code(h, f))
            #expect(r.status == 200, "\(r.text)")
            #expect(r.headers[.cacheControl] == "no-store" && r.headers[HTTPField.Name("pragma")!] == "no-cache")
            #expect(r.string("token_type") == "Bearer" && r.string("scope") == "openid email profile offline_access")
            let access = try #require(r.string("access_token"))
            #expect(try CompactJWS(access).header.typ == "at+jwt")
            let at = try Self.claims(access)
            #expect(at["client_id"] == .string(f.client.id) && at["aud"] == .string(f.client.id) && at["sub"] == .string(f.userId))
            #expect(at["auth_time"] == .number(Double(Int64(f.browser.authTime.timeIntervalSince1970))))
            #expect(r.string("refresh_token")?.hasPrefix("rt_") == true, "offline_access granted")
            // The ID token: RS256 by default, signed by a key of the tenant's JWKS, with what OIDC Core §2 names.
            let idToken = try #require(r.string("id_token"))
            let jws = try CompactJWS(idToken)
            #expect(jws.header.alg == "RS256")
            let jwks = try await h.call(.get, "/t/\(f.tenant.id)/.well-known/jwks.json")
            let jwk = try #require(jwks["keys"]?.arrayValue?.compactMap(\.objectValue).first { $0["kid"] == .string(jws.header.kid ?? "") })
            let key = try PublicVerificationKey(jwk: jwk.compactMapValues(\.stringValue))
            #expect(key.isValidSignature(jws.signature, for: jws.signingInput))
            let id = try Self.claims(idToken)
            #expect(id["iss"] == .string("\(h.engine.config.publicURL)/t/\(f.tenant.id)") && id["aud"] == .string(f.client.id))
            #expect(id["sub"] == .string(f.userId) && id["nonce"] == .string("n-0S6_WzA2Mj") && id["sid"] == .string(f.browser.id))
            #expect(id["at_hash"] == .string(Base64URL.encode(Digest.sha256(Array(access.utf8)).prefix(16))))
            #expect(id["amr"] == .array(["pwd"]) && id["email"] == .string("jane.doe@example.com"))
            #expect(id["preferred_username"] == .string("jane.doe"))
            // A third party's token: introspection says whose it is; the dialects refuse it.
            let introspected = try await OAuthIntrospectionTests.introspect(
                h, f.tenant, access, headers: ["authorization": "Bearer \(f.tenant.apiPrivateKey)"])
            #expect(introspected["active"] == .bool(true) && introspected["client_id"] == .string(f.client.id))
            #expect(introspected["username"] == .string("jane.doe@example.com"))
            #expect(try await h.verify(f.tenant, access)["valid"] == .bool(false))
            #expect(try await h.call(.get, "/auth/profile", headers: f.tenant.headers.merging(["authorization": "Bearer \(access)"]) { $1 }).status == 401)
        }
    }

    /// A first-party client's token names the tenant: the dialects accept it, but it never mints a credential.
    @Test func aFirstPartyTokenWorksInTheDialectsButMintsNothing() async throws {
        try await withHarness { h in
            let f = try await Self.flow(h, ["firstParty": true, "idTokenSignedResponseAlg": "ES256"])
            let r = try await Self.exchange(h, f, try await Self.code(h, f, scopes: ["openid"]))
            #expect(r.status == 200, "\(r.text)")
            let access = try #require(r.string("access_token"))
            #expect(try Self.claims(access)["aud"] == .string(f.tenant.id))
            #expect(try CompactJWS(try #require(r.string("id_token"))).header.alg == "ES256")
            #expect(r.string("refresh_token") != nil, "a first-party client refreshes without offline_access")
            #expect(try await h.verify(f.tenant, access)["valid"] == .bool(true))
            let bearer = f.tenant.headers.merging(["authorization": "Bearer \(access)"]) { $1 }
            #expect(try await h.call(.get, "/auth/profile", headers: bearer).status == 200)
            #expect(try await h.post("/api/v1/auth/keys", .object(["name": "k"]), headers: bearer).status == 403)
        }
    }

    @Test func pkceRedirectAndClientBindingsAreChecked() async throws {
        try await withHarness { h in
            let f = try await Self.flow(h)
            let other = try await Self.flow(h, ["name": "Other app"], tenant: f.tenant)
            for (verifier, why) in [
                (nil as String?, "missing verifier"), ("x" + Self.verifier.dropFirst(), "wrong verifier"), (Self.challenge, "the challenge itself (plain)"),
            ] {
                OAuthTokenTests.expectOAuthError(
                    try await Self.exchange(h, f, try await Self.code(h, f), verifier: verifier), 400, "invalid_grant",
                    sourceLocation: #_sourceLocation)
                _ = why
            }
            // A redirect URI differing by a trailing slash, or none.
            OAuthTokenTests.expectOAuthError(
                try await Self.exchange(h, f, try await Self.code(h, f), redirectURI: Self.redirect + "/"), 400, "invalid_grant")
            OAuthTokenTests.expectOAuthError(
                try await OAuthTokenTests.token(
                    h, f.path, "grant_type=authorization_code&code=\(try await Self.code(h, f))&code_verifier=\(Self.verifier)",
                    headers: f.client.basic), 400, "invalid_request")
            // Another client's code; garbage; an expired code.
            OAuthTokenTests.expectOAuthError(try await Self.exchange(h, f, try await Self.code(h, other)), 400, "invalid_grant")
            OAuthTokenTests.expectOAuthError(try await Self.exchange(h, f, "ghac_garbage"), 400, "invalid_grant")
            let old = try await Self.code(h, f)
            h.clock.advance(by: AuthorizationCode.lifetime + 1)
            OAuthTokenTests.expectOAuthError(try await Self.exchange(h, f, old), 400, "invalid_grant")
            // A code issued without a challenge (a confidential client that opted out) refuses a verifier.
            let plain = try await Self.flow(h, ["name": "No PKCE", "requirePkce": false], tenant: f.tenant)
            OAuthTokenTests.expectOAuthError(
                try await Self.exchange(h, plain, try await Self.code(h, plain, challenge: nil)), 400, "invalid_grant")
            #expect(try await Self.exchange(h, plain, try await Self.code(h, plain, challenge: nil), verifier: nil).status == 200)
            // A code of tenant A under tenant B.
            let b = try await Self.flow(h)
            var crossed = b
            crossed.client = f.client
            OAuthTokenTests.expectOAuthError(try await Self.exchange(h, crossed, try await Self.code(h, f)), 401, "invalid_client")
        }
    }

    /// RFC 6749 §4.1.2: a code used twice revokes what its first use issued.
    @Test func aReusedCodeRevokesWhatItFirstIssued() async throws {
        try await withHarness { h in
            let f = try await Self.flow(h)
            let code = try await Self.code(h, f)
            let first = try await Self.exchange(h, f, code)
            #expect(first.status == 200, "\(first.text)")
            let access = try #require(first.string("access_token"))
            let refresh = try #require(first.string("refresh_token"))
            let backOffice = ["authorization": "Bearer \(f.tenant.apiPrivateKey)"]
            #expect(try await OAuthIntrospectionTests.introspect(h, f.tenant, access, headers: backOffice)["active"] == .bool(true))
            OAuthTokenTests.expectOAuthError(try await Self.exchange(h, f, code), 400, "invalid_grant")
            #expect(try await OAuthIntrospectionTests.introspect(h, f.tenant, access, headers: backOffice).text == #"{"active":false}"#)
            OAuthTokenTests.expectOAuthError(
                try await OAuthTokenTests.token(h, f.path, "grant_type=refresh_token&refresh_token=\(refresh)", headers: f.client.basic),
                400, "invalid_grant")
            let events = try await h.engine.store.events(tenantId: f.tenant.id, afterSequence: 0, limit: 200).map(\.type)
            #expect(events.contains("oauth.code_reused") && events.contains("oauth.code_issued"))
        }
    }

    /// Two exchanges of one code at once: one gets tokens, the other is refused and ends the first's session.
    @Test(arguments: TestDatabase.kinds) func concurrentExchangesOfOneCodeSucceedOnce(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let f = try await Self.flow(h)
            let code = try await Self.code(h, f)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await Self.exchange(h, f, code).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1 && statuses.filter { $0 == 400 }.count == 3, "\(statuses)")
        }
    }

    @Test func refreshIsBoundToItsClientAndMayOnlyNarrow() async throws {
        try await withHarness { h in
            let f = try await Self.flow(h)
            let other = try await Self.flow(h, ["name": "Other app"], tenant: f.tenant)
            let r = try await Self.exchange(h, f, try await Self.code(h, f))
            let refresh = try #require(r.string("refresh_token"))
            func refreshing(_ token: String, _ extra: String = "", as client: Client) async throws -> Reply {
                try await OAuthTokenTests.token(h, f.path, "grant_type=refresh_token&refresh_token=\(token)\(extra)", headers: client.basic)
            }
            // Another client, and the dialects' refresh endpoints, refuse it (and do not spend it).
            OAuthTokenTests.expectOAuthError(try await refreshing(refresh, as: other.client), 400, "invalid_grant")
            #expect(try await h.post("/api/v1/auth/refresh", .object(["refreshToken": .string(refresh)])).status == 401)
            // Widening is refused; narrowing gives a narrower access token and a rotated refresh token.
            OAuthTokenTests.expectOAuthError(try await refreshing(refresh, "&scope=openid+admin", as: f.client), 400, "invalid_scope")
            let narrowed = try await refreshing(refresh, "&scope=openid", as: f.client)
            #expect(narrowed.status == 200, "\(narrowed.text)")
            #expect(narrowed.string("scope") == "openid")
            #expect(try Self.claims(try #require(narrowed.string("access_token")))["scope"] == .string("openid"))
            let next = try #require(narrowed.string("refresh_token"))
            #expect(next != refresh)
            // The token endpoint's events name the client as their actor.
            let refreshed = try await h.engine.store.events(tenantId: f.tenant.id, afterSequence: 0, limit: 200)
                .filter { $0.type == "token.refreshed" }
            #expect(refreshed.count == 1 && refreshed[0].context.actor == "client:\(f.client.id)", "\(refreshed)")
            #expect(refreshed.first?.data.contains(#""clientId":"\#(f.client.id)""#) == true)
            let issued = try await h.engine.store.events(tenantId: f.tenant.id, afterSequence: 0, limit: 200).filter { $0.type == "token.issued" }
            #expect(!issued.isEmpty && issued.allSatisfy { $0.context.actor == "client:\(f.client.id)" })
            // The rotated token works; the spent one, presented again after the retry window, ends the session.
            let again = try await refreshing(next, as: f.client)
            #expect(again.status == 200)
            h.clock.advance(by: 60)
            OAuthTokenTests.expectOAuthError(try await refreshing(next, as: f.client), 400, "invalid_grant")
            OAuthTokenTests.expectOAuthError(
                try await refreshing(try #require(again.string("refresh_token")), as: f.client), 400, "invalid_grant")
            // A dialect's refresh token is not a client's.
            let classic = try #require(try await ClassicAPITests.login(h, headers: f.tenant.headers).string("refreshToken"))
            OAuthTokenTests.expectOAuthError(try await refreshing(classic, as: f.client), 400, "invalid_grant")
        }
    }
}

/// Issue 14, item 4: OpenID Connect UserInfo (Core §5.3).
@Suite struct UserInfoTests {
    @Test func claimsFollowTheTokensScopes() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h)
            func userinfo(_ token: String, _ method: HTTPRequest.Method = .get) async throws -> Reply {
                try await h.call(method, "/t/\(f.tenant.id)/oauth2/userinfo", headers: ["authorization": "Bearer \(token)"])
            }
            let all = try await OAuthCodeGrantTests.exchange(h, f, try await OAuthCodeGrantTests.code(h, f))
            let access = try #require(all.string("access_token"))
            for method in [HTTPRequest.Method.get, .post] {
                let r = try await userinfo(access, method)
                #expect(r.status == 200, "\(r.text)")
                #expect(r.string("sub") == f.userId && r.string("email") == "jane.doe@example.com" && r.string("preferred_username") == "jane.doe")
                #expect(r["email_verified"] == .bool(false) && r["updated_at"] != nil)
            }
            // openid alone: sub only.
            let narrow = try await OAuthCodeGrantTests.exchange(h, f, try await OAuthCodeGrantTests.code(h, f, scopes: ["openid"]))
            #expect(try await userinfo(try #require(narrow.string("access_token"))).json == .object(["sub": .string(f.userId)]))
            // No openid scope, or a dialect's token: 403 insufficient_scope. Garbage or none: 401.
            let plain = try await OAuthCodeGrantTests.exchange(h, f, try await OAuthCodeGrantTests.code(h, f, scopes: ["email"]))
            let refused = try await userinfo(try #require(plain.string("access_token")))
            #expect(refused.status == 403 && refused.string("error") == "insufficient_scope")
            let classic = try #require(try await ClassicAPITests.login(h, headers: f.tenant.headers).string("token"))
            #expect(try await userinfo(classic).status == 403)
            let garbage = try await userinfo("nope")
            #expect(garbage.status == 401 && garbage.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try await h.call(.get, "/t/\(f.tenant.id)/oauth2/userinfo").status == 401)
            // A revoked session's token: 401.
            #expect(try await OAuthIntrospectionTests.revoke(
                h, f.tenant, try #require(all.string("refresh_token")), headers: ["authorization": "Bearer \(f.tenant.apiPrivateKey)"]).status == 200)
            #expect(try await userinfo(access).status == 401)
        }
    }
}

/// Issue 14, item 2: deleting a client ends every session the code flow issued to it, at once.
@Suite struct ClientDeletionTests {
    @Test func deletingAClientRevokesItsUsersTokens() async throws {
        try await withHarness { h in
            let f = try await OAuthCodeGrantTests.flow(h)
            let other = try await OAuthCodeGrantTests.flow(h, ["name": "Other app"], tenant: f.tenant)
            let mine = try await OAuthCodeGrantTests.exchange(h, f, try await OAuthCodeGrantTests.code(h, f))
            let theirs = try await OAuthCodeGrantTests.exchange(h, other, try await OAuthCodeGrantTests.code(h, other))
            let backOffice = ["authorization": "Bearer \(f.tenant.apiPrivateKey)"]
            func active(_ r: Reply) async throws -> Bool {
                try await OAuthIntrospectionTests.introspect(h, f.tenant, try #require(r.string("access_token")), headers: backOffice)["active"]
                    == .bool(true)
            }
            let mineBefore = try await active(mine)
            let theirsBefore = try await active(theirs)
            #expect(mineBefore && theirsBefore)
            #expect(try await h.call(.delete, "/v2/oauth-clients/\(f.client.id)", headers: f.tenant.admin).status == 204)
            #expect(try await !active(mine), "the deleted client's tokens are inactive at once")
            #expect(try await active(theirs), "another client's are not touched")
            #expect(try await OAuthIntrospectionTests.introspect(
                h, f.tenant, try #require(mine.string("refresh_token")), headers: backOffice).text == #"{"active":false}"#)
            // The browser session (no client) lives on.
            #expect(try await h.engine.store.session(tenantId: f.tenant.id, id: f.browser.id)?.revokedAt == nil)
        }
    }
}
