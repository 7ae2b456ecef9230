import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Testing

/// Issue 12, item 8: CORS (Fetch standard, CORS protocol). A tenant's origins and the global list; the
/// preflight answered for either, the answer itself only for the tenant it resolved to; no wildcard and
/// never `Access-Control-Allow-Credentials`. The browser's own view is in e2e/test_cors_browser.py.
@Suite struct CORSTests {
    static let app = "https://app.example.com"
    static let global = "https://console.example.org"

    static func preflight(_ h: Harness, _ path: String, origin: String, method: String = "POST") async throws -> Reply {
        try await h.call(
            .options, path,
            headers: [
                "origin": origin, "access-control-request-method": method,
                "access-control-request-headers": "content-type, x-project-key",
            ])
    }

    static func allowOrigins(_ h: Harness, _ t: Harness.TenantSetup, _ origins: [String]) async throws -> Reply {
        try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["corsOrigins": .array(origins.map(JSONValue.string))]))
    }

    static func withGlobalList(_ body: @Sendable (Harness) async throws -> Void) async throws {
        try await withHarness(configure: { $0.engine.corsOrigins = [global] }, body)
    }

    @Test func aPreflightIsAnsweredForATenantsOriginAndTheGlobalListOnly() async throws {
        try await Self.withGlobalList { h in
            let t = try await h.createTenant()
            let set = try await Self.allowOrigins(h, t, [Self.app])
            #expect(set.status == 200, "\(set.text)")
            #expect(set["corsOrigins"] == .array([.string(Self.app)]))
            for origin in [Self.app, Self.global] {
                let r = try await Self.preflight(h, "/v2/auth/verify", origin: origin)
                #expect(r.status == 204, "\(origin): \(r.text)")
                #expect(r.headers[.accessControlAllowOrigin] == origin)
                #expect(r.headers[.accessControlAllowMethods] == "POST, OPTIONS")
                let allowed = try #require(r.headers[.accessControlAllowHeaders])
                for header in ["authorization", "content-type", "x-project-key", "x-api-key"] {
                    #expect(allowed.contains(header))
                }
                #expect(r.headers[.accessControlMaxAge] == "600")
                #expect(r.headers[.vary] == "Origin")
                #expect(r.headers[.accessControlAllowCredentials] == nil)
            }
            // A path with several methods lists them all; a path parameter matches any value.
            let users = try await Self.preflight(h, "/v2/users/\(UUID().uuidString)", origin: Self.app, method: "DELETE")
            #expect(users.status == 204)
            #expect(users.headers[.accessControlAllowMethods]?.contains("DELETE") == true)
            #expect(users.headers[.accessControlAllowMethods]?.contains("GET") == true)
            for origin in ["https://evil.example", "null", "https://app.example.com.evil.example", "*"] {
                let r = try await Self.preflight(h, "/v2/auth/verify", origin: origin)
                #expect(r.status == 403, "\(origin)")
                #expect(r.string("code") == "FORBIDDEN")
                #expect(r.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func theAnswerAllowsTheOriginOnlyForTheTenantItResolvedTo() async throws {
        try await Self.withGlobalList { h in
            let t = try await h.createTenant("Lists the app")
            let other = try await h.createTenant("Lists nothing")
            #expect(try await Self.allowOrigins(h, t, [Self.app]).status == 200)
            func verify(_ tenant: Harness.TenantSetup, origin: String?) async throws -> Reply {
                var headers = tenant.headers
                headers["origin"] = origin
                return try await h.call(.post, "/v2/auth/verify", headers: headers, json: .object(["authToken": "garbage"]))
            }
            let allowed = try await verify(t, origin: Self.app)
            #expect(allowed.status == 200)
            #expect(allowed.headers[.accessControlAllowOrigin] == Self.app)
            #expect(allowed.headers[.vary] == "Origin")
            #expect(allowed.headers[.accessControlAllowCredentials] == nil)
            let foreign = try await verify(other, origin: Self.app)
            #expect(foreign.status == 200)
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
            #expect(foreign.headers[.vary] == "Origin")
            #expect(try await verify(other, origin: Self.global).headers[.accessControlAllowOrigin] == Self.global)
            // No Origin, no CORS headers: servers and curl see the API as before.
            let plain = try await verify(t, origin: nil)
            #expect(plain.headers[.accessControlAllowOrigin] == nil && plain.headers[.vary] == nil)
            // An error answer carries them too, so the page can read why (here: no token).
            var headers = t.headers
            headers["origin"] = Self.app
            let refused = try await h.call(.get, "/auth/profile", headers: headers)
            #expect(refused.status == 401)
            #expect(refused.string("code") == "UNAUTHORIZED")
            #expect(refused.headers[.accessControlAllowOrigin] == Self.app)
            // The tenant of an admin route comes from the admin's token.
            var admin = t.admin
            admin["origin"] = Self.app
            admin["x-project-key"] = nil
            let me = try await h.call(.get, "/v2/users", headers: admin)
            #expect(me.status == 200)
            #expect(me.headers[.accessControlAllowOrigin] == Self.app)
            // An unknown project key resolves no tenant: only the global list applies.
            let unknown = try await h.call(
                .post, "/v2/auth/verify", headers: ["x-project-key": "pk_live_nope", "origin": Self.app],
                json: .object(["authToken": "x"]))
            #expect(unknown.status == 401)
            #expect(unknown.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func eachDialectKeepsItsErrorShapeAndAPlainOptionsListsTheMethods() async throws {
        try await withHarness { h in
            let classic = try await Self.preflight(h, "/api/v1/auth/login", origin: "https://evil.example")
            #expect(classic.status == 403)
            #expect(classic.string("error") != nil && classic["code"] == nil, "\(classic.text)")
            let plain = try await h.call(.options, "/v2/auth/verify")
            #expect(plain.status == 204)
            #expect(plain.headers[.allow] == "POST, OPTIONS")
            #expect(plain.headers[.accessControlAllowOrigin] == nil)
            #expect(try await h.call(.options, "/no/such/path").status == 404)
        }
    }

    @Test func originsAreCheckedAndStoredAsBrowsersSendThem() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let r = try await Self.allowOrigins(h, t, ["HTTPS://App.Example.com:443/", "http://localhost:5173", "https://app.example.com"])
            #expect(r.status == 200, "\(r.text)")
            #expect(r["corsOrigins"] == .array(["https://app.example.com", "http://localhost:5173"]))
            let me = try await h.call(.get, "/v2/tenants/me", headers: t.headers)
            #expect(me["corsOrigins"] == .array(["https://app.example.com", "http://localhost:5173"]))
            let bad: [JSONValue] = [
                .array(["*"]), .array(["https://app.example.com/path"]), .array(["http://plain.example.com"]), .array(["null"]),
                .array([.string(String(repeating: "a", count: 3000))]), .array([1]), .string("https://app.example.com"),
                .array((0...CORSPolicy.maxOriginsPerTenant).map { .string("https://a\($0).example.com") }),
            ]
            for value in bad {
                let refused = try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["corsOrigins": value]))
                #expect(refused.status == 400, "\(value): \(refused.text)")
                #expect(refused.string("code") == "INVALID_FIELD" || refused.string("code") == "INVALID_REQUEST")
            }
            // Nothing of the refused updates was kept.
            #expect(try await h.call(.get, "/v2/tenants/me", headers: t.headers)["corsOrigins"]?.arrayValue?.count == 2)
            #expect(try await Self.allowOrigins(h, t, []).status == 200)
            #expect(try await Self.preflight(h, "/v2/auth/verify", origin: Self.app).status == 403)
        }
    }

    /// Issue 13, item 4: the OAuth endpoints and the JWKS follow the CORS origins of the tenant in their path.
    @Test func theOAuthEndpointsAndTheJWKSFollowTheTenantOfTheirPath() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let other = try await h.createTenant("Other")
            #expect(try await Self.allowOrigins(h, t, [Self.app]).status == 200)
            #expect(try await Self.preflight(h, "/t/\(t.id)/oauth2/token", origin: Self.app).status == 204)
            for (tenant, allowed) in [(t, true), (other, false)] {
                let token = try await h.call(
                    .post, "/t/\(tenant.id)/oauth2/token", headers: ["origin": Self.app],
                    body: "grant_type=client_credentials&client_id=nobody", contentType: "application/x-www-form-urlencoded")
                #expect(token.status == 401)
                #expect((token.headers[.accessControlAllowOrigin] == Self.app) == allowed)
                let jwks = try await h.call(.get, "/t/\(tenant.id)/.well-known/jwks.json", headers: ["origin": Self.app])
                #expect((jwks.headers[.accessControlAllowOrigin] == Self.app) == allowed)
                #expect(jwks.headers[.accessControlAllowCredentials] == nil)
            }
        }
    }

    /// Another node learns a tenant's new origin within the cache's life, its own node at once.
    @Test(arguments: TestDatabase.kinds) func anotherNodeSeesANewOriginWithinTheCacheTTL(kind: String) async throws {
        try await withTwoNodes(kind: kind) { a, b in
            let t = try await a.createTenant()
            #expect(try await Self.preflight(b, "/v2/auth/verify", origin: Self.app).status == 403)
            #expect(try await Self.allowOrigins(a, t, [Self.app]).status == 200)
            #expect(try await Self.preflight(a, "/v2/auth/verify", origin: Self.app).status == 204)
            #expect(try await Self.preflight(b, "/v2/auth/verify", origin: Self.app).status == 403)
            b.clock.advance(by: b.engine.config.corsCacheTTL + 1)
            #expect(try await Self.preflight(b, "/v2/auth/verify", origin: Self.app).status == 204)
        }
    }
}
