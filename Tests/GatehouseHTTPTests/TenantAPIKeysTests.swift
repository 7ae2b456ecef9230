import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import HTTPTypes
import Testing

/// Issue 15, item 3: tenant API keys for server-to-server administration.
@Suite struct TenantAPIKeysTests {
    static func key(_ h: Harness, _ headers: [String: String], _ body: JSONValue) async throws -> Reply {
        try await h.call(.post, "/v2/api-keys", headers: headers, json: body)
    }

    @Test(arguments: TestDatabase.kinds) func aKeyHoldsExactlyItsPermissions(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let made = try await Self.key(h, t.admin, ["name": "sync job", "permissions": ["users:read", "users:read"]])
            #expect(made.status == 201, "\(made.text)")
            let plaintext = try #require(made.string("apiKey"))
            #expect(plaintext.hasPrefix("sk_live_") && plaintext.count == 51)
            #expect(RolesTests.strings(made["permissions"]) == ["users:read"])
            #expect(made.string("createdBy") == "user:\(try Harness.subject(of: t.adminJWT))")
            // Only its hash is stored.
            let stored = try #require(try await h.engine.store.tenantAPIKey(hash: Digest.sha256Hex(plaintext)))
            #expect(stored.id == made.string("keyId") && stored.keyHash != plaintext)

            let withKey = ["x-api-key": plaintext]
            #expect(try await h.call(.get, "/v2/users", headers: withKey).status == 200, "the key names its tenant")
            #expect(try await h.call(.get, "/v2/users", headers: withKey.merging(["x-project-key": t.projectKey]) { a, _ in a }).status == 200)
            let write = try await h.post("/v2/users", .object(["username": "bot-made"]), headers: withKey)
            #expect(write.status == 403 && write.text.contains("users:write"), "\(write.text)")
            #expect(try await h.call(.get, "/v2/roles", headers: withKey).status == 403)
            let someone = try Harness.subject(of: t.adminJWT)
            #expect(try await h.call(.get, "/v2/users/\(someone)", headers: withKey).status == 200, "users:read reads anyone")
            // Not a Classic or Enterprise credential, and never a key maker.
            #expect(try await h.call(.get, "/auth/profile", headers: withKey.merging(["x-project-key": t.projectKey]) { a, _ in a }).status == 401)
            #expect(try await Self.key(h, withKey, [:]).status == 403)

            // Listed without the key, with its last use.
            let list = try await h.call(.get, "/v2/api-keys", headers: t.admin)
            let listed = try #require(list["data"]?.arrayValue?.first?.objectValue)
            #expect(listed["apiKey"] == nil && !list.text.contains(plaintext) && !list.text.contains(stored.keyHash))
            #expect(listed["lastUsed"]?.stringValue != nil, "\(list.text)")
            try await h.engine.tenantKeys.lastUsed.flush()
            #expect(try await h.engine.store.tenantAPIKey(hash: stored.keyHash)?.lastUsedAt != nil)

            // Deleted: refused at its next request.
            #expect(try await h.call(.delete, "/v2/api-keys/\(stored.id)", headers: t.admin).status == 204)
            #expect(try await h.call(.get, "/v2/users", headers: withKey).status == 401)
            #expect(try await h.call(.delete, "/v2/api-keys/\(stored.id)", headers: t.admin).status == 404)
        }
    }

    @Test func refusals() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            for held in ["api-keys:write", "roles:write", "admins:write"] {
                let r = try await Self.key(h, t.admin, ["permissions": .array([.string(held)])])
                #expect(r.status == 400 && r.text.contains(held), "\(r.text)")
            }
            for bad: JSONValue in [
                ["permissions": []], ["permissions": ["Users:read"]], ["permissions": "users:read"], ["name": ""],
                ["name": "bell\u{7}"], ["expiresAt": "tomorrow"], ["businessId": "nope"],
                ["businessId": "00000000-0000-4000-8000-000000000000"],
            ] {
                #expect(try await Self.key(h, t.admin, bad).status == 400, "\(bad)")
            }
            let past = Date(timeIntervalSince1970: h.clock.now.timeIntervalSince1970 - 60).rfc3339
            #expect(try await Self.key(h, t.admin, ["expiresAt": .string(past)]).status == 400)
            // Garbage and unknown keys.
            for garbage in ["sk_live_nothing", "sk_test_" + String(repeating: "A", count: 43), "tk_x", String(repeating: "x", count: 5000), "sk_live_\u{1}"] {
                #expect(try await h.call(.get, "/v2/users", headers: ["x-api-key": garbage]).status == 401, "\(garbage.prefix(20))")
            }
            // Without a permission list a key gets what its creator holds that a key may hold.
            let all = try await Self.key(h, t.admin, [:])
            #expect(all.status == 201)
            let granted = Set(RolesTests.strings(all["permissions"]))
            #expect(granted == Set(AdminPermission.allCases.map(\.rawValue)).subtracting(TenantAPIKeyService.neverHeld))
        }
    }

    @Test func neverMoreThanItsCreatorHeld() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            try await RolesTests.role(h, t, "integrator", ["api-keys:write", "users:read"])
            let (_, integrator) = try await RolesTests.member(h, t, roles: ["integrator"])
            #expect(try await Self.key(h, integrator, ["permissions": ["users:read"]]).status == 201)
            let beyond = try await Self.key(h, integrator, ["permissions": ["users:read", "events:read"]])
            #expect(beyond.status == 403 && beyond.text.contains("events:read"), "\(beyond.text)")
            let defaulted = try await Self.key(h, integrator, [:])
            #expect(RolesTests.strings(defaulted["permissions"]) == ["users:read"], "api-keys:write is never held by a key")
        }
    }

    @Test func aKeyIsBoundToItsTenantItsBusinessAndItsLifetime() async throws {
        try await withHarness { h in
            let a = try await h.createTenant("Tenant A")
            let b = try await h.createTenant("Tenant B")
            let shop = try #require(try await h.post("/v2/businesses", .object(["name": "Shop"]), headers: a.admin).string("id"))
            let other = try #require(try await h.post("/v2/businesses", .object(["name": "Other"]), headers: a.admin).string("id"))
            let scoped = try #require(
                try await Self.key(h, a.admin, ["businessId": .string(shop), "permissions": ["businesses:read"]]).string("apiKey"))
            #expect(try await h.call(.get, "/v2/businesses/\(shop)", headers: ["x-api-key": scoped]).status == 200)
            #expect(try await h.call(.get, "/v2/businesses/\(other)", headers: ["x-api-key": scoped]).status == 403)
            #expect(try await h.call(.get, "/v2/businesses", headers: ["x-api-key": scoped]).status == 403)
            let admin = try Harness.subject(of: a.adminJWT)
            #expect(try await h.call(.get, "/v2/users/\(admin)", headers: ["x-api-key": scoped]).status == 403, "no users:read: refused, not unauthenticated")
            // Tenant A's key under tenant B's project key: refused, as if unknown.
            #expect(try await h.call(.get, "/v2/businesses/\(shop)", headers: ["x-api-key": scoped, "x-project-key": b.projectKey]).status == 401)

            // Expired: refused at once, by the clock.
            let soon = Date(timeIntervalSince1970: h.clock.now.timeIntervalSince1970 + 120).rfc3339
            let brief = try #require(try await Self.key(h, a.admin, ["permissions": ["users:read"], "expiresAt": .string(soon)]).string("apiKey"))
            #expect(try await h.call(.get, "/v2/users", headers: ["x-api-key": brief]).status == 200)
            h.clock.advance(by: 121)
            #expect(try await h.call(.get, "/v2/users", headers: ["x-api-key": brief]).status == 401)

            // The creator's sign-in is older than the step-up window now: no new key.
            h.clock.advance(by: 3600)
            let stale = try await Self.key(h, a.admin, [:])
            #expect(stale.status == 401 && stale.string("code") == "STEP_UP_REQUIRED", "\(stale.text)")
        }
    }

    @Test func theTestnetProjectKeyMakesTestKeys() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let tenant = try #require(try await h.engine.store.tenant(projectKey: t.projectKey))
            var headers = t.admin
            headers["x-project-key"] = tenant.testnetProjectApiKey
            let made = try await Self.key(h, headers, ["permissions": ["users:read"]])
            #expect(made.status == 201, "\(made.text)")
            let plaintext = try #require(made.string("apiKey"))
            #expect(plaintext.hasPrefix("sk_test_"))
            #expect(try await h.call(.get, "/v2/users", headers: ["x-api-key": plaintext]).status == 200)
        }
    }
}
