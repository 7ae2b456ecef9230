import Foundation
import GatehouseCore
import GatehouseServer
import HTTPTypes
import Testing

/// Issue 13, item 3: introspection (RFC 7662) of every token kind, and revocation (RFC 7009).
@Suite struct OAuthIntrospectionTests {
    typealias Client = OAuthTokenTests.Client

    static func introspect(_ h: Harness, _ t: Harness.TenantSetup, _ token: String, headers: [String: String], hint: String? = nil)
        async throws -> Reply
    {
        var form = "token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)
        if let hint { form += "&token_type_hint=\(hint)" }
        return try await OAuthTokenTests.token(h, "/t/\(t.id)/oauth2/introspect", form, headers: headers)
    }

    static func revoke(_ h: Harness, _ t: Harness.TenantSetup, _ token: String, headers: [String: String]) async throws -> Reply {
        let form = "token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)
        return try await OAuthTokenTests.token(h, "/t/\(t.id)/oauth2/revoke", form, headers: headers)
    }

    static func clientToken(_ h: Harness, _ t: Harness.TenantSetup, _ c: Client) async throws -> String {
        let r = try await OAuthTokenTests.token(h, "/t/\(t.id)/oauth2/token", "grant_type=client_credentials", headers: c.basic)
        #expect(r.status == 200, "\(r.text)")
        return try #require(r.string("access_token"))
    }

    @Test func everyKindOfTokenIsIntrospected() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let c = try await OAuthTokenTests.client(h, t)
            // A client-credentials token.
            let cc = try await Self.clientToken(h, t, c)
            let ccInfo = try await Self.introspect(h, t, cc, headers: c.basic)
            #expect(ccInfo.status == 200, "\(ccInfo.text)")
            #expect(ccInfo["active"] == .bool(true) && ccInfo.string("client_id") == c.id && ccInfo.string("sub") == c.id)
            #expect(ccInfo.string("token_type") == "Bearer" && ccInfo.string("scope") == "read write")
            #expect(ccInfo.string("iss") == "http://gatehouse.test/t/\(t.id)" && ccInfo.string("jti") != nil)
            #expect(ccInfo.headers[.cacheControl] == "no-store")
            // The Project dialect's access and refresh tokens.
            let pair = try await h.exchange(t, try idp.token(now: h.clock.now))
            let access = try #require(pair.string("accessToken"))
            let projectInfo = try await Self.introspect(h, t, access, headers: c.basic)
            #expect(projectInfo["active"] == .bool(true) && projectInfo.string("token_type") == "Bearer")
            #expect(projectInfo.string("aud") == t.id && projectInfo["client_id"] == nil)
            #expect(projectInfo.string("sub") == (try Harness.subject(of: access)))
            let refresh = try #require(pair.string("refreshToken"))
            let refreshInfo = try await Self.introspect(h, t, refresh, headers: c.basic, hint: "refresh_token")
            #expect(refreshInfo["active"] == .bool(true) && refreshInfo.string("token_type") == "refresh_token", "\(refreshInfo.text)")
            #expect(refreshInfo.string("sub") == (try Harness.subject(of: access)))
            // Without the hint, a refresh token is still found.
            #expect(try await Self.introspect(h, t, refresh, headers: c.basic)["token_type"] == .string("refresh_token"))
            // The Classic and Enterprise dialects' tokens, with the user's name.
            _ = try await ClassicAPITests.user(h, tenant: t)
            let classic = try await ClassicAPITests.login(h, headers: t.headers)
            let classicInfo = try await Self.introspect(h, t, try #require(classic.string("token")), headers: c.basic)
            #expect(classicInfo["active"] == .bool(true) && classicInfo.string("username") == "jane.doe@example.com")
            let classicRefresh = try await Self.introspect(h, t, try #require(classic.string("refreshToken")), headers: c.basic)
            #expect(classicRefresh["active"] == .bool(true) && classicRefresh.string("token_type") == "refresh_token")
            let enterprise = try await h.post(
                "/auth/login", .object(["email": "jane.doe@example.com", "password": "correct horse battery"]), headers: t.headers)
            let enterpriseInfo = try await Self.introspect(h, t, try #require(enterprise.string("token")), headers: c.basic)
            #expect(enterpriseInfo["active"] == .bool(true), "\(enterpriseInfo.text)")
            // The tenant's API private key may introspect too.
            let byKey = try await Self.introspect(h, t, cc, headers: ["authorization": "Bearer \(t.apiPrivateKey)"])
            #expect(byKey["active"] == .bool(true))
            // A spent refresh token, an expired token: inactive, and nothing more is said.
            _ = try await h.post("/v2/auth/refresh", .object(["refreshToken": .string(refresh)]), headers: t.headers)
            #expect(try await Self.introspect(h, t, refresh, headers: c.basic).text == #"{"active":false}"#)
            h.clock.advance(by: 3600)
            #expect(try await Self.introspect(h, t, cc, headers: c.basic).text == #"{"active":false}"#)
        }
    }

    @Test func whatIsNotAnActiveTokenOfThisTenantIsInactiveOnly() async throws {
        try await withHarness { h in
            let t = try await h.createTenant("A")
            let other = try await h.createTenant("B")
            let c = try await OAuthTokenTests.client(h, t)
            let foreign = try await Self.clientToken(h, other, try await OAuthTokenTests.client(h, other))
            let enough = try await Self.clientToken(h, t, c)
            var tampered = Array(enough)
            tampered[tampered.count - 5] = tampered[tampered.count - 5] == "A" ? "B" : "A"
            for token in [foreign, "garbage", "a.b.c", String(tampered), String(repeating: "x", count: 9000), t.adminJWT + "x"] {
                let r = try await Self.introspect(h, t, token, headers: c.basic)
                #expect(r.status == 200 && r.text == #"{"active":false}"#, "\(token.prefix(20)): \(r.text)")
            }
            // The other tenant's admin token, introspected under this tenant.
            #expect(try await Self.introspect(h, t, other.adminJWT, headers: c.basic).text == #"{"active":false}"#)
            // No token parameter at all.
            OAuthTokenTests.expectOAuthError(
                try await OAuthTokenTests.token(h, "/t/\(t.id)/oauth2/introspect", "token_type_hint=access_token", headers: c.basic),
                400, "invalid_request")
        }
    }

    @Test func onlyTheTenantsConfidentialClientsAndBackOfficeMayIntrospect() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let c = try await OAuthTokenTests.client(h, t)
            let token = try await Self.clientToken(h, t, c)
            OAuthTokenTests.expectOAuthError(try await Self.introspect(h, t, token, headers: [:]), 401, "invalid_client")
            OAuthTokenTests.expectOAuthError(
                try await Self.introspect(h, t, token, headers: Client(id: c.id, secret: "ghs_wrong").basic), 401, "invalid_client")
            OAuthTokenTests.expectOAuthError(
                try await Self.introspect(h, t, token, headers: ["authorization": "Bearer \(t.adminJWT)"]), 401, "invalid_client")
            let spa = try await h.post(
                "/v2/oauth-clients",
                .object(["name": "SPA", "tokenEndpointAuthMethod": "none", "redirectUris": ["https://app.example.com/cb"]]),
                headers: t.admin)
            let spaId = try #require(spa.string("clientId"))
            let publicClient = try await OAuthTokenTests.token(
                h, "/t/\(t.id)/oauth2/introspect", "token=\(token)&client_id=\(spaId)")
            OAuthTokenTests.expectOAuthError(publicClient, 401, "invalid_client")
            // Another tenant's client.
            let other = try await h.createTenant("Other")
            let stranger = try await OAuthTokenTests.client(h, other)
            OAuthTokenTests.expectOAuthError(try await Self.introspect(h, t, token, headers: stranger.basic), 401, "invalid_client")
        }
    }

    @Test func revocation() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let c = try await OAuthTokenTests.client(h, t)
            let d = try await OAuthTokenTests.client(h, t, ["name": "Another service"])
            let mine = try await Self.clientToken(h, t, c)
            // Another client revoking it: 200, and it stays active.
            #expect(try await Self.revoke(h, t, mine, headers: d.basic).status == 200)
            #expect(try await Self.introspect(h, t, mine, headers: c.basic)["active"] == .bool(true))
            // Its own client revokes it.
            let done = try await Self.revoke(h, t, mine, headers: c.basic)
            #expect(done.status == 200 && done.text.isEmpty)
            #expect(try await Self.introspect(h, t, mine, headers: c.basic).text == #"{"active":false}"#)
            #expect(try await Self.revoke(h, t, mine, headers: c.basic).status == 200, "revoking twice is fine")
            // Unknown and garbage tokens: 200.
            #expect(try await Self.revoke(h, t, "nothing-like-a-token", headers: c.basic).status == 200)
            // A Classic session: no client may end it, the tenant's back office may.
            _ = try await ClassicAPITests.user(h, tenant: t)
            let classic = try await ClassicAPITests.login(h, headers: t.headers)
            let access = try #require(classic.string("token"))
            let refresh = try #require(classic.string("refreshToken"))
            #expect(try await Self.revoke(h, t, refresh, headers: c.basic).status == 200)
            #expect(try await Self.introspect(h, t, access, headers: c.basic)["active"] == .bool(true))
            #expect(try await Self.revoke(h, t, refresh, headers: ["authorization": "Bearer \(t.apiPrivateKey)"]).status == 200)
            #expect(try await Self.introspect(h, t, access, headers: c.basic).text == #"{"active":false}"#)
            #expect(try await Self.introspect(h, t, refresh, headers: c.basic).text == #"{"active":false}"#)
            // Revoking needs an authenticated caller too.
            OAuthTokenTests.expectOAuthError(try await Self.revoke(h, t, mine, headers: [:]), 401, "invalid_client")
            let events = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 200).map(\.type)
            #expect(events.filter { $0 == "token.revoked" }.count == 2)
        }
    }

    /// Introspection reads revoked client tokens from the node's copy of the denylist: the revoking node
    /// refuses the token at once, another node within the copy's life, on either database.
    @Test(arguments: TestDatabase.kinds) func anotherNodeSeesARevocationWithinTheCacheTTL(kind: String) async throws {
        try await withTwoNodes(kind: kind) { a, b in
            let t = try await a.createTenant()
            let c = try await OAuthTokenTests.client(a, t)
            let first = try await Self.clientToken(a, t, c)
            let second = try await Self.clientToken(a, t, c)
            // Both nodes have read their copy (the token is active there) before node a revokes.
            #expect(try await Self.introspect(a, t, first, headers: c.basic)["active"] == .bool(true))
            #expect(try await Self.introspect(b, t, first, headers: c.basic)["active"] == .bool(true))
            #expect(try await Self.revoke(a, t, first, headers: c.basic).status == 200)
            #expect(try await Self.introspect(a, t, first, headers: c.basic).text == #"{"active":false}"#)
            b.clock.advance(by: b.engine.config.revokedTokensCacheTTL + 1)  // one clock for both nodes
            #expect(try await Self.introspect(b, t, first, headers: c.basic).text == #"{"active":false}"#)
            #expect(try await Self.introspect(a, t, first, headers: c.basic).text == #"{"active":false}"#)
            #expect(try await Self.introspect(b, t, second, headers: c.basic)["active"] == .bool(true))
        }
    }

    /// Past its capacity the copy is dropped and each check asks the database: nothing revoked is missed.
    @Test func aDenylistLargerThanTheCopyIsReadFromTheDatabase() async throws {
        try await withHarness(configure: { $0.engine.revokedTokensCacheCapacity = 2 }) { h in
            let t = try await h.createTenant()
            let c = try await OAuthTokenTests.client(h, t)
            var tokens: [String] = []
            for _ in 0..<4 { tokens.append(try await Self.clientToken(h, t, c)) }
            for token in tokens.prefix(3) { #expect(try await Self.revoke(h, t, token, headers: c.basic).status == 200) }
            h.clock.advance(by: h.engine.config.revokedTokensCacheTTL + 1)
            for token in tokens.prefix(3) {
                #expect(try await Self.introspect(h, t, token, headers: c.basic).text == #"{"active":false}"#)
            }
            #expect(try await Self.introspect(h, t, tokens[3], headers: c.basic)["active"] == .bool(true))
        }
    }
}
