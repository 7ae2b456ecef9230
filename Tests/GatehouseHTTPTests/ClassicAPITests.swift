import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Hummingbird
import Testing

/// Seed 003, shape for shape, against the default tenant (no project key) and a named one.
@Suite struct ClassicAPITests {
    static func user(_ h: Harness, username: String = "jane.doe", email: String = "jane.doe@example.com", password: String = "correct horse battery", tenant: Harness.TenantSetup? = nil) async throws -> String {
        let admin: [String: String]
        if let tenant { admin = tenant.admin } else {
            let defaultTenant = try #require(try await h.engine.store.defaultTenant())
            admin = ["authorization": "Bearer \(try await h.engine.tenants.issueAdminToken(tenantId: defaultTenant.id))"]
        }
        let r = try await h.post(
            "/v2/users", .object(["username": .string(username), "email": .string(email), "password": .string(password)]), headers: admin)
        #expect(r.status == 201, "\(r.text)")
        return try #require(r.string("id"))
    }

    static func login(_ h: Harness, _ username: String = "jane.doe", _ password: String = "correct horse battery", headers: [String: String] = [:]) async throws -> Reply {
        try await h.post("/api/v1/auth/login", .object(["username": .string(username), "password": .string(password)]), headers: headers)
    }

    @Test func loginRefreshLogout() async throws {
        try await withHarness { h in
            let id = try await Self.user(h)
            let r = try await Self.login(h)
            #expect(r.status == 200, "\(r.text)")
            let token = try #require(r.string("token"))
            #expect(r["expires_in"] == .number(900))
            #expect(r["user"] == .object(["id": .string(id), "username": "jane.doe", "email": "jane.doe@example.com"]))
            let refresh = try #require(r.string("refreshToken"))
            #expect(try CompactJWS(token).decodePayload(AccessTokenClaims.self).amr == ["pwd"])
            // Email works as the login name too, case-insensitively.
            #expect(try await Self.login(h, "JANE.DOE@EXAMPLE.COM").status == 200)

            let rotated = try await h.post("/api/v1/auth/refresh", .object(["refreshToken": .string(refresh)]))
            #expect(rotated.status == 200)
            #expect(Set(rotated.json?.objectValue?.keys.map { $0 } ?? []) == ["token", "expires_in", "refreshToken"])
            let bad = try await h.post("/api/v1/auth/refresh", .object(["refreshToken": "rt_nope"]))
            #expect(bad.status == 401)
            #expect(bad.json == .object(["error": "Invalid or expired refresh token"]))

            // One engine: the Classic token verifies in the Project dialect of the same tenant.
            let defaultTenant = try #require(try await h.engine.store.defaultTenant())
            let project = ["x-project-key": defaultTenant.projectApiKey]
            #expect(try await h.post("/v2/auth/verify", .object(["authToken": .string(token)]), headers: project)["valid"] == .bool(true))

            let out = try await h.call(.post, "/api/v1/auth/logout", headers: ["authorization": "Bearer \(token)"])
            #expect(out.status == 200)
            #expect(out.json == .object(["message": "Successfully logged out"]))
            // Revoked at once, everywhere.
            let after = try await h.post("/v2/auth/verify", .object(["authToken": .string(token)]), headers: project)
            #expect(after["valid"] == .bool(false))
            #expect(try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(token)"]).status == 401)
            #expect(try await h.call(.post, "/api/v1/auth/logout", headers: ["authorization": "Bearer \(token)"]).status == 401)
            let none = try await h.call(.post, "/api/v1/auth/logout")
            #expect(none.status == 401)
            #expect(none.json == .object(["error": "Authentication required"]))
        }
    }

    @Test func wrongPasswordAndUnknownUserLookTheSame() async throws {
        try await withHarness { h in
            _ = try await Self.user(h)
            for (user, pass) in [("jane.doe", "wrong password!"), ("nobody", "correct horse battery"), ("", "x"), ("jane.doe", "")] {
                let r = try await Self.login(h, user, pass)
                if user.isEmpty || pass.isEmpty {
                    #expect(r.status == 400, "\(r.text)")
                    #expect(r.string("error") != nil && r["code"] == nil)
                } else {
                    #expect(r.status == 401)
                    #expect(r.json == .object(["error": "Invalid credentials"]))
                }
            }
            // A 1 MB password is refused by the body limit before any hashing.
            let huge = String(repeating: "p", count: 1_000_000)
            #expect(try await Self.login(h, "jane.doe", huge).status == 413)
            // 2 KB: past the password limit, answered like any wrong password.
            #expect(try await Self.login(h, "jane.doe", String(repeating: "p", count: 2048)).status == 401)
        }
    }

    /// Unknown users are checked against a dummy hash of the configured cost, so a failure for an unknown
    /// name pays for one bcrypt comparison exactly like a wrong password (the time itself is measured by
    /// bench/, not asserted here).
    @Test func unknownUserCostsAsMuchAsAWrongPassword() async throws {
        try await withHarness(configure: { $0.engine.bcryptCost = 6 }) { h in
            _ = try await Self.user(h)
            let hasher = h.engine.passwords
            let before = hasher.comparisons
            #expect(try await Self.login(h, "jane.doe", "definitely wrong").status == 401)
            #expect(hasher.comparisons == before + 1, "a wrong password runs one comparison")
            #expect(try await Self.login(h, "no-such-user", "definitely wrong").status == 401)
            #expect(hasher.comparisons == before + 2, "an unknown user runs one comparison too")
            #expect(try await hasher.dummyCost() == 6, "against a hash of the configured cost")
        }
    }

    @Test func apiKeys() async throws {
        try await withHarness { h in
            _ = try await Self.user(h)
            _ = try await Self.user(h, username: "other", email: "other@example.com")
            let token = try #require(try await Self.login(h).string("token"))
            let otherToken = try #require(try await Self.login(h, "other").string("token"))
            let bearer = ["authorization": "Bearer \(token)"]

            let created = try await h.post("/api/v1/auth/keys", .object(["name": "My Integration Key"]), headers: bearer)
            #expect(created.status == 201)
            let keyId = try #require(created.string("keyId"))
            let apiKey = try #require(created.string("apiKey"))
            #expect(keyId.hasPrefix("key_") && apiKey.hasPrefix("sk_live_") && apiKey.count >= 8 + 43)
            #expect(created.string("name") == "My Integration Key")
            #expect(created.string("createdAt")?.hasSuffix("Z") == true)

            let list = try await h.call(.get, "/api/v1/auth/keys", headers: bearer)
            let entry = try #require(list.json?.arrayValue?.first?.objectValue)
            #expect(Set(entry.keys) == ["keyId", "name", "createdAt", "lastUsed"])
            #expect(entry["lastUsed"] == .null)
            #expect(!list.text.contains(apiKey))

            // The key authenticates as its owner, as a bearer or as x-api-key (but manages no keys: StepUpTests).
            #expect(try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(apiKey)"]).status == 200)
            #expect(try await h.call(.get, "/auth/profile", headers: ["x-api-key": apiKey]).status == 200)
            try await h.engine.apiKeys.lastUsed.flush()
            let stored = try await h.engine.store.apiKeys(tenantId: try #require(try await h.engine.store.defaultTenant()).id, userId: try Harness.subject(of: token))
            #expect(stored.first?.lastUsedAt != nil, "lastUsed written by the batch")
            let listed = try await h.call(.get, "/api/v1/auth/keys", headers: bearer)
            #expect(listed.json?.arrayValue?.first?.objectValue?["lastUsed"]?.stringValue?.hasSuffix("Z") == true)

            // Another user's key: 404, as if it did not exist.
            let foreign = try await h.call(.delete, "/api/v1/auth/keys/\(keyId)", headers: ["authorization": "Bearer \(otherToken)"])
            #expect(foreign.status == 404)
            #expect(foreign.json == .object(["error": "API key not found"]))
            #expect(try await h.call(.delete, "/api/v1/auth/keys/\(keyId)", headers: bearer).status == 204)
            #expect(try await h.call(.delete, "/api/v1/auth/keys/\(keyId)", headers: bearer).status == 404)
            // Deleted: stops working at once.
            let dead = try await h.call(.get, "/api/v1/auth/keys", headers: ["x-api-key": apiKey])
            #expect(dead.status == 401)
            #expect(dead.json == .object(["error": "Authentication required"]))
            #expect(try await h.call(.get, "/api/v1/auth/keys", headers: ["x-api-key": "sk_live_forged"]).status == 401)
            // Seed 003 shows no body: `{}` creates a key with a default name (issue 12, item 2).
            #expect(try await h.post("/api/v1/auth/keys", .object([:]), headers: bearer).status == 201)
        }
    }

    @Test func tenantsAreSeparate() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await Self.user(h, tenant: t)
            #expect(try await Self.login(h, headers: t.headers).status == 200)
            #expect(try await Self.login(h).status == 401, "not in the default tenant")
            #expect(try await Self.login(h, headers: ["x-project-key": "pk_live_nope"]).status == 401)
        }
    }
}
