import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Testing

@Suite struct TenantTests {
    @Test func createNeedsTheSystemKey() async throws {
        try await withHarness { h in
            let body: JSONValue = .object(["projectName": "X"])
            #expect(try await h.post("/v2/tenants", body).status == 401)
            #expect(try await h.post("/v2/tenants", body, headers: ["x-api-key": "sk_system_wrong"]).status == 401)
            let t = try await h.createTenant()
            // A tenant's own key is not the system key.
            #expect(try await h.post("/v2/tenants", body, headers: ["x-api-key": t.apiPrivateKey]).status == 401)
        }
    }

    @Test func createReturnsTheSeedShapeAndSecretsOnce() async throws {
        try await withHarness { h in
            let r = try await h.post(
                "/v2/tenants", .object(["projectName": "Green Coffee Club"]), headers: ["x-api-key": Harness.systemKey])
            #expect(r.status == 201)
            #expect(r.string("projectName") == "Green Coffee Club")
            #expect(r.string("acronym") == "GCC")
            #expect(r.string("defaultWalletManagementType") == "custodial")
            #expect(r["allowJWTForUnauthenticatedUsers"] == .bool(false))
            #expect(r.string("projectApiKey")?.hasPrefix("pk_live_") == true)
            #expect(r.string("testnetProjectApiKey")?.hasPrefix("pk_test_") == true)
            #expect(r.string("jwt")?.split(separator: ".").count == 3)
            #expect(r.string("apiPrivateKey")?.hasPrefix("sk_tenant_") == true)
            #expect(r.string("createdAt")?.hasSuffix("Z") == true)
            // The admin token works and lives a year.
            let claims = try CompactJWS(try #require(r.string("jwt"))).decodePayload(AccessTokenClaims.self)
            #expect(claims.lvl == .tenant)
            #expect(claims.exp - claims.iat == 365 * 24 * 3600)
            // Never again: not in /me nor in the admin view.
            let pk = try #require(r.string("projectApiKey"))
            let me = try await h.call(.get, "/v2/tenants/me", headers: ["x-project-key": pk])
            #expect(me.status == 200)
            #expect(me["jwt"] == nil && me["apiPrivateKey"] == nil)
        }
    }

    @Test func projectKeyEndpoints() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let cc = try await h.call(.get, "/v2/tenants/client-config", headers: t.headers)
            #expect(cc.status == 200)
            #expect(cc.string("id") == t.id)
            #expect(cc.string("projectName") == "Acme Loyalty")
            #expect(cc.json?.objectValue?.keys.contains("clientIpLocation") == true)
            #expect(cc["clientIpLocation"] == .null)

            _ = try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["loginToken": "let-me-in"]))
            let lt = try await h.call(.get, "/v2/tenants/login-token", headers: t.headers)
            #expect(lt.status == 200)
            #expect(lt.json == .string("let-me-in"))

            for path in ["/v2/tenants/me", "/v2/tenants/client-config", "/v2/tenants/login-token"] {
                let missing = try await h.call(.get, path)
                #expect(missing.status == 401)
                #expect(missing.string("code") == "INVALID_PROJECT_KEY")
                let garbage = try await h.call(.get, path, headers: ["x-project-key": "pk_live_nope"])
                #expect(garbage.status == 401)
                #expect(garbage.string("code") == "INVALID_PROJECT_KEY")
                let huge = try await h.call(.get, path, headers: ["x-project-key": String(repeating: "x", count: 5000)])
                #expect(huge.status == 401)
            }
        }
    }

    @Test func dataLevelsOfTenantById() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let other = try await h.createTenant("Other Org")
            let put = try await h.call(
                .put, "/v2/tenants", headers: t.admin,
                json: .object([
                    "stripeApiKey": "sk_stripe_secret_1", "stripeWebhookSecret": "whsec_2", "stripePublishableKey": "pk_stripe_3",
                    "projectDescription": "Coffee rewards",
                ]))
            #expect(put.status == 200)
            #expect(put.string("stripeApiKey") == "sk_stripe_secret_1", "the admin sees the secrets they wrote")

            let anonymous = try await h.call(.get, "/v2/tenants/\(t.id)")
            #expect(anonymous.status == 200)
            #expect(anonymous.string("projectName") == "Acme Loyalty")
            #expect(anonymous.string("projectDescription") == "Coffee rewards")
            // Seed 002: the project key is the public project identifier (issue 12, item 3).
            #expect(anonymous.string("projectApiKey") == t.projectKey)
            #expect(anonymous["stripeApiKey"] == nil)

            let withKey = try await h.call(.get, "/v2/tenants/\(t.id)", headers: t.headers)
            #expect(withKey.string("projectApiKey") == t.projectKey)
            #expect(withKey.string("stripePublishableKey") == "pk_stripe_3")
            #expect(withKey["stripeApiKey"] == nil && withKey["stripeWebhookSecret"] == nil)
            #expect(withKey["testnetProjectApiKey"] == nil)

            let foreignKey = try await h.call(.get, "/v2/tenants/\(t.id)", headers: other.headers)
            #expect(foreignKey["stripePublishableKey"] == nil, "another tenant's key sees only public data")

            let admin = try await h.call(.get, "/v2/tenants/\(t.id)", headers: ["authorization": "Bearer \(t.adminJWT)"])
            #expect(admin.status == 200)
            #expect(admin.string("stripeApiKey") == "sk_stripe_secret_1")
            #expect(admin.string("stripeWebhookSecret") == "whsec_2")
            #expect(admin["testnetProjectApiKey"] != nil)

            let foreignAdmin = try await h.call(.get, "/v2/tenants/\(t.id)", headers: ["authorization": "Bearer \(other.adminJWT)"])
            #expect(foreignAdmin.status == 403)
            let badBearer = try await h.call(.get, "/v2/tenants/\(t.id)", headers: ["authorization": "Bearer garbage"])
            #expect(badBearer.status == 401)
            #expect(try await h.call(.get, "/v2/tenants/\(UUID().uuidString)").status == 404)

            // Secrets never reach a log line.
            for secret in ["sk_stripe_secret_1", "whsec_2", t.apiPrivateKey, Harness.systemKey, t.adminJWT] {
                #expect(!h.logs.all.contains(secret))
            }
        }
    }

    @Test func updateNeedsTheTenantAdmin() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let body: JSONValue = .object(["projectName": "Renamed Project"])
            #expect(try await h.call(.put, "/v2/tenants", json: body).status == 401)
            #expect(try await h.call(.put, "/v2/tenants", headers: ["authorization": "Bearer x.y.z"], json: body).status == 401)
            let ok = try await h.call(.put, "/v2/tenants", headers: ["authorization": "Bearer \(t.adminJWT)"], json: body)
            #expect(ok.status == 200)
            #expect(ok.string("projectName") == "Renamed Project")
            #expect(ok.string("acronym") == "RP")
            let bad = try await h.call(
                .put, "/v2/tenants", headers: t.admin, json: .object(["defaultWalletManagementType": "yes"]))
            #expect(bad.status == 400)
            // A revoked admin session stops at once.
            let claims = try CompactJWS(t.adminJWT).decodePayload(AccessTokenClaims.self)
            _ = try await h.engine.sessions.revoke(tenantId: t.id, sessionId: claims.sid, reason: "test")
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: body).status == 401)
        }
    }
}
