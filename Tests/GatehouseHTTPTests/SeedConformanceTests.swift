import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing

/// Issue 12: where a seed states a field, path or shape, the seed wins.
@Suite struct SeedConformanceTests {
    /// Seed 003 shows `POST /api/v1/auth/keys` with no request body.
    @Test func anAPIKeyNeedsNoBody() async throws {
        try await withHarness { h in
            _ = try await ClassicAPITests.user(h)
            let token = try #require(try await ClassicAPITests.login(h).string("token"))
            let bearer = ["authorization": "Bearer \(token)"]
            let today = String(h.clock.now.rfc3339.prefix(10))
            let none = try await h.call(.post, "/api/v1/auth/keys", headers: bearer)
            #expect(none.status == 201, "\(none.text)")
            #expect(none.string("name") == "API key \(today)")
            #expect(none.string("apiKey")?.hasPrefix("sk_live_") == true)
            let empty = try await h.call(.post, "/api/v1/auth/keys", headers: bearer, body: "")
            #expect(empty.status == 201, "\(empty.text)")
            // A JSON content type with no body and no Content-Length, as `curl -X POST -H 'content-type: …'` sends.
            var typed = bearer
            typed["content-type"] = "application/json"
            let typedNone = try await h.call(.post, "/api/v1/auth/keys", headers: typed)
            #expect(typedNone.status == 201, "\(typedNone.text)")
            let emptyObject = try await h.post("/api/v1/auth/keys", .object([:]), headers: bearer)
            #expect(emptyObject.status == 201 && emptyObject.string("name") == "API key \(today)")
            let named = try await h.post("/api/v1/auth/keys", .object(["name": "CI"]), headers: bearer)
            #expect(named.string("name") == "CI")
            // A name that is there must still be a name.
            #expect(try await h.post("/api/v1/auth/keys", .object(["name": "  "]), headers: bearer).status == 400)
            #expect(try await h.post("/api/v1/auth/keys", .object(["name": 5]), headers: bearer).status == 400)
            #expect(try await h.call(.get, "/api/v1/auth/keys", headers: bearer).json?.arrayValue?.count == 5)
        }
    }

    /// Seed 002 requires `projectApiKey` in every tenant read: it is the public project identifier.
    @Test func anyoneReadingATenantSeesItsProjectKeyButNoSecret() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["stripeApiKey": "sk_stripe_secret"]))
            let anonymous = try await h.call(.get, "/v2/tenants/\(t.id)")
            #expect(anonymous.status == 200)
            #expect(anonymous.string("projectApiKey") == t.projectKey)
            for secret in ["stripeApiKey", "stripeWebhookSecret", "testnetProjectApiKey", "loginToken", "apiPrivateKey", "jwt"] {
                #expect(anonymous[secret] == nil, "\(secret) is not public")
            }
        }
    }

    /// Seed 001: `rawLoginData` is for tenants that allow unauthenticated users; elsewhere it is ignored and
    /// the token is verified as usual.
    @Test func rawLoginDataIsIgnoredWhereAnonymousUsersAreNotAllowed() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let token = try idp.token(now: h.clock.now)
            let both = try await h.post(
                "/v2/auth/token", .object(["authToken": .string(token), "rawLoginData": .object(["deviceId": "abc"])]),
                headers: t.headers)
            #expect(both.status == 200, "\(both.text)")
            let verified = try await h.verify(t, try #require(both.string("accessToken")))
            #expect(verified["valid"] == .bool(true))
            let access = try #require(both.string("accessToken"))
            let user = try #require(try await h.engine.store.user(tenantId: t.id, id: try Harness.subject(of: access)))
            #expect(user.status == .active && user.externalSubject != nil, "the IdP's user, not an anonymous one")
            let onlyRaw = try await h.post("/v2/auth/token", .object(["rawLoginData": .object(["deviceId": "abc"])]), headers: t.headers)
            #expect(onlyRaw.status == 400 && onlyRaw["details"]?.objectValue?["field"] == .string("authToken"))
        }
    }

    /// Seed 000's prose names `X-API-Key` for the project key on the token and refresh calls.
    @Test func aProjectKeyInXAPIKeyNamesTheTenant() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let pair = try await h.post(
                "/v2/auth/token", .object(["authToken": .string(try idp.token(now: h.clock.now))]), headers: ["x-api-key": t.projectKey])
            #expect(pair.status == 200, "\(pair.text)")
            let refreshed = try await h.post(
                "/v2/auth/refresh", .object(["refreshToken": .string(try #require(pair.string("refreshToken")))]),
                headers: ["x-api-key": t.projectKey])
            #expect(refreshed.status == 200, "\(refreshed.text)")
            // An API key there names no tenant.
            let apiKey = try await h.post("/v2/auth/verify", .object(["authToken": "x"]), headers: ["x-api-key": "sk_live_nothing"])
            #expect(apiKey.status == 401 && apiKey.string("code") == "INVALID_PROJECT_KEY")
        }
    }

    /// Issue 12, item 14: a fresh server lists every gatehouse series, at zero.
    @Test func everyGatehouseSeriesIsListedFromTheStart() async throws {
        try await withHarness { h in
            let text = try await h.call(.get, "/metrics").text
            for level in AuthLevel.allCases {
                #expect(text.contains(#"gatehouse_tokens_issued_total{level="\#(level.rawValue)"} 0"#), "\(level)")
            }
            #expect(text.contains("gatehouse_refresh_reuse_detected_total 0"))
        }
    }

    /// Issue 12, item 7: every Project and Enterprise error keeps its code, 413 and 415 included; Classic
    /// keeps the seed's {"error"}.
    @Test func everyRouteWithABodyRefusesTooLargeAndNonJSONBodiesWithItsDialectsShape() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let big = "{\"x\":\"" + String(repeating: "a", count: 70 * 1024) + "\"}"
            for route in RouteTableTests.table(h).routes where route.doc.body != nil {
                let path = RouteTableTests.concrete(route.path.replacingOccurrences(of: "{tenantId}", with: t.id))
                for (body, type, status) in [(big, route.doc.bodyContentType, 413), ("{}", "text/plain", 415)] {
                    let r = try await h.call(route.method, path, headers: t.admin, body: body, contentType: type)
                    // Authentication may refuse first (401/403); whatever refuses, the body has the dialect's shape.
                    #expect(r.status == status || r.status == 401 || r.status == 403, "\(route.method) \(route.path): \(r.status)")
                    if route.dialect == .classic {
                        #expect(r.string("error") != nil && r["code"] == nil || r.string("code") == "STEP_UP_REQUIRED", "\(route.path)")
                    } else if route.dialect == .html {
                        // The hosted pages answer a person: an HTML page, never JSON.
                        #expect(r.headers[.contentType]?.hasPrefix("text/html") == true, "\(route.path)")
                    } else if route.dialect == .oauth {
                        // RFC 6749 §5.2.
                        #expect(r.string("error") != nil && r.string("error_description") != nil && r["code"] == nil, "\(route.path)")
                    } else {
                        #expect(r.string("code") != nil && r.string("error") != nil, "\(route.method) \(route.path): \(r.text.prefix(80))")
                    }
                }
            }
        }
    }

    /// Seed 004 shows department and employee in every profile: null when unset (issue 12, item 6).
    @Test func aProfileShowsUnsetFieldsAsNull() async throws {
        try await withHarness { h in
            _ = try await ClassicAPITests.user(h)
            let token = try #require(try await ClassicAPITests.login(h).string("token"))
            let profile = try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(token)"])
            #expect(profile.status == 200)
            #expect(profile["department"] == .null && profile["employee"] == .null, "\(profile.text)")
        }
    }

    /// Seed 004's register/finish answer: `credential` with exactly its members (issue 12, item 1).
    @Test func aRegisteredPasskeyIsAnsweredInTheSeedsShape() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            let auth = try SoftAuthenticator()
            let (options, session) = try await PasskeyTests.start(h, bearer)
            let r = try await PasskeyTests.finish(h, bearer, session, try auth.create(options, .init()))
            #expect(r.status == 200, "\(r.text)")
            let credential = try #require(r["credential"]?.objectValue)
            #expect(
                Set(credential.keys) == [
                    "attestationType", "backupEligible", "backupState", "cloneWarning", "createdAt", "credentialId", "id",
                    "isActive", "lastUsedAt", "name", "signCount", "transportFlags", "updatedAt", "userId",
                ], "\(credential.keys.sorted())")
            #expect(credential["credentialId"]?.arrayValue?.compactMap { $0.numberValue.map { UInt8($0) } } == auth.credentialId)
            #expect(r.string("credentialId") == Base64URL.encode(auth.credentialId))
            let profile = try await h.call(.get, "/auth/profile", headers: bearer)
            #expect(credential["userId"]?.numberValue == profile["id"]?.numberValue)
            #expect(credential["lastUsedAt"] == .null && credential["updatedAt"] == credential["createdAt"])
            #expect(credential["signCount"]?.numberValue != nil && credential["backupState"] != nil)
        }
    }

    /// Seed 002's client configuration shows the web3 keys: null until the admin sets them (issue 12, item 6).
    @Test func theClientConfigurationCarriesTheWeb3Keys() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let before = try await h.call(.get, "/v2/tenants/client-config", headers: t.headers)
            #expect(before["infuraApiKey"] == .null && before["polyScanApiKey"] == .null, "\(before.text)")
            let put = try await h.call(
                .put, "/v2/tenants", headers: t.admin, json: .object(["infuraApiKey": "inf-1", "polyScanApiKey": "ps-2"]))
            #expect(put.status == 200 && put.string("infuraApiKey") == "inf-1")
            let after = try await h.call(.get, "/v2/tenants/client-config", headers: t.headers)
            #expect(after.string("infuraApiKey") == "inf-1" && after.string("polyScanApiKey") == "ps-2", "\(after.text)")
            let long = String(repeating: "k", count: 600)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["infuraApiKey": .string(long)])).status == 400)
        }
    }
}
