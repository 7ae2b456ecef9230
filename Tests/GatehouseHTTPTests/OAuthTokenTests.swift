import Foundation
import GatehouseCore
import HTTPTypes
import Testing

/// Issue 13, item 2: `POST /oauth2/token` with client credentials (RFC 6749 §4.4), client authentication
/// (§2.3), RFC 9068 tokens, and §5.2 errors.
@Suite struct OAuthTokenTests {
    static let form = "application/x-www-form-urlencoded"

    struct Client {
        var id: String
        var secret: String?
        var basic: [String: String] {
            ["authorization": "Basic " + Data("\(id):\(secret ?? "")".utf8).base64EncodedString()]
        }
    }

    static func client(_ h: Harness, _ t: Harness.TenantSetup, _ extra: [String: JSONValue] = [:]) async throws -> Client {
        var body: [String: JSONValue] = ["name": "Service", "grantTypes": ["client_credentials"], "scopes": ["read", "write"]]
        for (k, v) in extra { body[k] = v }
        let r = try await h.post("/v2/oauth-clients", .object(body), headers: t.admin)
        #expect(r.status == 201, "\(r.text)")
        return Client(id: try #require(r.string("clientId")), secret: r.string("clientSecret"))
    }

    static func token(_ h: Harness, _ path: String = "/oauth2/token", _ form: String, headers: [String: String] = [:]) async throws -> Reply {
        try await h.call(.post, path, headers: headers, body: form, contentType: Self.form)
    }

    static func expectOAuthError(_ r: Reply, _ status: Int, _ error: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r.status) \(r.text)", sourceLocation: sourceLocation)
        #expect(r.string("error") == error, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.string("error_description") != nil, sourceLocation: sourceLocation)
        #expect(r["code"] == nil, sourceLocation: sourceLocation)
    }

    @Test func clientCredentialsWithBasicAuthentication() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let c = try await Self.client(h, t)
            let r = try await Self.token(h, "/t/\(t.id)/oauth2/token", "grant_type=client_credentials", headers: c.basic)
            #expect(r.status == 200, "\(r.text)")
            #expect(r.string("token_type") == "Bearer" && r["expires_in"] == .number(900) && r.string("scope") == "read write")
            #expect(r["refresh_token"] == nil && r["id_token"] == nil)
            #expect(r.headers[.cacheControl] == "no-store" && r.headers[.init("pragma")!] == "no-cache")
            let jws = try CompactJWS(try #require(r.string("access_token")))
            #expect(jws.header.typ == "at+jwt")
            let claims = try jws.decodePayload(ClientTokenClaims.self)
            #expect(claims.sub == c.id && claims.client_id == c.id && claims.aud == c.id && claims.tid == t.id)
            #expect(claims.iss == "http://gatehouse.test/t/\(t.id)" && claims.scope == "read write")
            #expect(claims.exp - claims.iat == 900)
            // The key that signed it is the tenant's, published in its JWKS.
            let jwks = try await h.call(.get, "/t/\(t.id)/.well-known/jwks.json")
            #expect(jwks.text.contains(try #require(jws.header.kid)))
            // A narrower scope is granted as asked; a wider one is refused.
            let narrow = try await Self.token(h, "/t/\(t.id)/oauth2/token", "grant_type=client_credentials&scope=read", headers: c.basic)
            #expect(narrow.string("scope") == "read")
            Self.expectOAuthError(
                try await Self.token(h, "/t/\(t.id)/oauth2/token", "grant_type=client_credentials&scope=read+admin", headers: c.basic),
                400, "invalid_scope")
            // Such a token is the client's, not a user's: the dialect routes refuse it.
            let profile = try await h.call(
                .get, "/auth/profile", headers: ["authorization": "Bearer \(try #require(r.string("access_token")))", "x-project-key": t.projectKey])
            #expect(profile.status == 401)
        }
    }

    @Test func clientSecretPostFirstPartyAndTheDefaultTenant() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let c = try await Self.client(h, t, ["tokenEndpointAuthMethod": "client_secret_post", "firstParty": true, "accessTokenTtl": 300])
            let secret = try #require(c.secret)
            let path = "/t/\(t.id)/oauth2/token"
            let r = try await Self.token(h, path, "grant_type=client_credentials&client_id=\(c.id)&client_secret=\(secret)")
            #expect(r.status == 200, "\(r.text)")
            #expect(r["expires_in"] == .number(300))
            let claims = try CompactJWS(try #require(r.string("access_token"))).decodePayload(ClientTokenClaims.self)
            #expect(claims.aud == t.id, "a first-party client's tokens name the tenant")
            // By another method than the one registered: invalid_client, with a Basic challenge.
            let basic = try await Self.token(h, path, "grant_type=client_credentials", headers: c.basic)
            Self.expectOAuthError(basic, 401, "invalid_client")
            #expect(basic.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            // The unprefixed path is the default tenant's: this client is not one of its clients.
            Self.expectOAuthError(
                try await Self.token(h, "/oauth2/token", "grant_type=client_credentials&client_id=\(c.id)&client_secret=\(secret)"),
                401, "invalid_client")
            // The default tenant's own clients work there.
            let defaultTenant = try #require(try await h.engine.store.defaultTenant())
            let (own, ownSecret) = try await h.engine.oauthClients.create(
                tenantId: defaultTenant.id,
                { var i = OAuthClientInput(); i.name = "Default svc"; i.grantTypes = ["client_credentials"]; return i }())
            let unprefixed = try await Self.token(
                h, "/oauth2/token", "grant_type=client_credentials",
                headers: Client(id: own.id, secret: ownSecret).basic)
            #expect(unprefixed.status == 200, "\(unprefixed.text)")
        }
    }

    @Test func refusals() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let path = "/t/\(t.id)/oauth2/token"
            let c = try await Self.client(h, t)
            var wrong = c
            wrong.secret = "ghs_wrong"
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=client_credentials", headers: wrong.basic), 401, "invalid_client")
            Self.expectOAuthError(
                try await Self.token(h, path, "grant_type=client_credentials", headers: Client(id: "ghc_nobody", secret: "x").basic),
                401, "invalid_client")
            // A confidential client presenting only its id (as a public client would).
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=client_credentials&client_id=\(c.id)"), 401, "invalid_client")
            // No client at all.
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=client_credentials"), 401, "invalid_client")
            // Two methods at once, a parameter twice, no grant, an unknown grant (RFC 9700: no password grant), a
            // grant the client is not registered for.
            Self.expectOAuthError(
                try await Self.token(h, path, "grant_type=client_credentials&client_secret=x", headers: c.basic), 400, "invalid_request")
            Self.expectOAuthError(
                try await Self.token(h, path, "grant_type=client_credentials&grant_type=client_credentials", headers: c.basic),
                400, "invalid_request")
            Self.expectOAuthError(try await Self.token(h, path, "scope=read", headers: c.basic), 400, "invalid_request")
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=password", headers: c.basic), 400, "unsupported_grant_type")
            Self.expectOAuthError(
                try await Self.token(h, path, "grant_type=authorization_code&code=x", headers: c.basic), 400, "unauthorized_client")
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=implicit", headers: c.basic), 400, "unsupported_grant_type")
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=%ZZ", headers: c.basic), 400, "invalid_request")
            // A public client sending a secret-based method.
            let spa = try await h.post(
                "/v2/oauth-clients",
                .object(["name": "SPA", "tokenEndpointAuthMethod": "none", "redirectUris": ["https://app.example.com/cb"]]),
                headers: t.admin)
            let spaId = try #require(spa.string("clientId"))
            Self.expectOAuthError(
                try await Self.token(h, path, "grant_type=client_credentials", headers: Client(id: spaId, secret: "guess").basic),
                401, "invalid_client")
            // …and by its own method it may still not use a grant it was not registered for.
            Self.expectOAuthError(
                try await Self.token(h, path, "grant_type=client_credentials&client_id=\(spaId)"), 400, "unauthorized_client")
            // Not a form.
            let json = try await h.call(.post, path, headers: c.basic, json: .object(["grant_type": "client_credentials"]))
            Self.expectOAuthError(json, 415, "invalid_request")
            // An unknown tenant in the path.
            #expect(try await Self.token(h, "/t/\(UUID().uuidString)/oauth2/token", "grant_type=client_credentials", headers: c.basic).status == 404)
            #expect(try await Self.token(h, "/t/not-a-uuid/oauth2/token", "grant_type=client_credentials", headers: c.basic).status == 400)
        }
    }

    @Test func aRotatedSecretAndADeletedClientStopWorking() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let path = "/t/\(t.id)/oauth2/token"
            let c = try await Self.client(h, t)
            #expect(try await Self.token(h, path, "grant_type=client_credentials", headers: c.basic).status == 200)
            let rotated = try await h.call(.post, "/v2/oauth-clients/\(c.id)/secret", headers: t.admin)
            let newSecret: String = try #require(rotated.string("clientSecret"))
            let fresh = Client(id: c.id, secret: newSecret)
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=client_credentials", headers: c.basic), 401, "invalid_client")
            #expect(try await Self.token(h, path, "grant_type=client_credentials", headers: fresh.basic).status == 200)
            let issued = try await Self.token(h, path, "grant_type=client_credentials", headers: fresh.basic)
            let token = try #require(issued.string("access_token"))
            let auditor = try await Self.client(h, t, ["name": "Auditor"])
            let introspect = "/t/\(t.id)/oauth2/introspect"
            #expect(try await Self.token(h, introspect, "token=\(token)", headers: auditor.basic)["active"] == .bool(true))
            #expect(try await h.call(.delete, "/v2/oauth-clients/\(c.id)", headers: t.admin).status == 204)
            Self.expectOAuthError(try await Self.token(h, path, "grant_type=client_credentials", headers: fresh.basic), 401, "invalid_client")
            // Its tokens die with it.
            #expect(try await Self.token(h, introspect, "token=\(token)", headers: auditor.basic).text == #"{"active":false}"#)
        }
    }

    /// The client cache: another node refuses a deleted client within its life.
    @Test(arguments: TestDatabase.kinds) func anotherNodeRefusesADeletedClientWithinTheCacheTTL(kind: String) async throws {
        try await withTwoNodes(kind: kind) { a, b in
            let t = try await a.createTenant()
            let c = try await Self.client(a, t)
            let path = "/t/\(t.id)/oauth2/token"
            #expect(try await Self.token(b, path, "grant_type=client_credentials", headers: c.basic).status == 200)
            #expect(try await a.call(.delete, "/v2/oauth-clients/\(c.id)", headers: t.admin).status == 204)
            Self.expectOAuthError(try await Self.token(a, path, "grant_type=client_credentials", headers: c.basic), 401, "invalid_client")
            b.clock.advance(by: b.engine.config.oauthClientCacheTTL + 1)
            Self.expectOAuthError(try await Self.token(b, path, "grant_type=client_credentials", headers: c.basic), 401, "invalid_client")
        }
    }

    @Test func issuesAreCountedAndAuditedOnceAMinutePerClient() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let c = try await Self.client(h, t)
            let path = "/t/\(t.id)/oauth2/token"
            for _ in 0..<3 { #expect(try await Self.token(h, path, "grant_type=client_credentials", headers: c.basic).status == 200) }
            func issued() async throws -> [AuditEvent] {
                try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 100).filter { $0.type == "token.issued" }
            }
            #expect(try await issued().map(\.data) == [#"{"count":1,"grant":"client_credentials"}"#])
            h.clock.advance(by: 61)
            #expect(try await Self.token(h, path, "grant_type=client_credentials", headers: c.basic).status == 200)
            #expect(try await issued().last?.data == #"{"count":3,"grant":"client_credentials"}"#)
            let metrics = try await h.call(.get, "/metrics")
            #expect(metrics.text.contains(#"gatehouse_oauth_tokens_issued_total{grant="client_credentials"} 4"#))
        }
    }
}
