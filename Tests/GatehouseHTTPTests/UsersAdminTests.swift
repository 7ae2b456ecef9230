import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Testing

@Suite struct UsersAdminTests {
    @Test func createListFilterGetUpdateDelete() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let created = try await h.post(
                "/v2/users",
                .object([
                    "email": "Zoë@Example.com", "password": "long enough pw", "isSuperAdmin": true,
                    "department": ["id": "d1", "name": "Finance"], "employee": ["id": "e1", "name": "Zoë", "avatarFileId": "f1"],
                ]), headers: t.admin)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.string("id"))
            #expect(created["isSuperAdmin"] == .bool(true))
            #expect(created["department"] == .object(["id": "d1", "name": "Finance"]))
            #expect(created["password"] == nil && !created.text.contains("$2b$"), "no password or hash in responses")

            // Unique per tenant, case-insensitively and across Unicode normal forms (NFD "e" + U+0308 = NFC "ë").
            for email in ["zoë@example.com", "ZOË@EXAMPLE.COM", "zoe\u{308}@example.com"] {
                #expect(try await h.post("/v2/users", .object(["email": .string(email)]), headers: t.admin).status == 409, "\(email)")
            }
            for _ in 0..<3 { _ = try await h.post("/v2/users", .object(["username": .string("u\(UUID().uuidString.prefix(6))")]), headers: t.admin) }
            let page1 = try await h.call(.get, "/v2/users?limit=2", headers: t.admin)
            #expect(page1["data"]?.arrayValue?.count == 2)
            let cursor = try #require(page1.string("nextCursor"))
            let page2 = try await h.call(.get, "/v2/users?limit=2&cursor=\(cursor)", headers: t.admin)
            #expect((page2["data"]?.arrayValue?.count ?? 0) >= 2, "admin + 3 + created = 5 users")
            let filtered = try await h.call(.get, "/v2/users?email=ZO%C3%8B@example.com", headers: t.admin)
            #expect(filtered["data"]?.arrayValue?.map { $0.objectValue?["id"] } == [.string(id)])

            let updated = try await h.call(
                .put, "/v2/users/\(id)", headers: t.admin, json: .object(["employee": nil, "username": "zoe", "resetMfa": true]))
            #expect(updated.status == 200, "\(updated.text)")
            #expect(updated["employee"] == nil && updated.string("username") == "zoe")
            #expect(updated["department"] != nil, "untouched fields stay")
            #expect(try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["status": "anonymous"])).status == 400)
            #expect(try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["email": "not-an-email"])).status == 400)
            #expect(try await h.call(.get, "/v2/users/\(id)", headers: t.admin).string("username") == "zoe")
            #expect(try await h.call(.delete, "/v2/users/\(id)", headers: t.admin).status == 204)
            #expect(try await h.call(.get, "/v2/users/\(id)", headers: t.admin).status == 404)
            #expect(try await h.call(.delete, "/v2/users/\(id)", headers: t.admin).status == 404)
        }
    }

    /// Fuzzing found this reply undocumented: an admin deleting their own account, or their own admin role, is
    /// refused, and stays able to work.
    @Test func anAdminCannotDeleteThemselves() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let me = try Harness.subject(of: t.adminJWT)
            let r = try await h.call(.delete, "/v2/users/\(me)", headers: t.admin)
            #expect(r.status == 409 && r.string("code") == "CONFLICT", "\(r.text)")
            #expect(try await h.call(.get, "/v2/users/\(me)", headers: t.admin).status == 200)
            let demote = try await h.call(.delete, "/v2/admins/\(me)", headers: t.admin)
            #expect(demote.status == 409 && demote.string("code") == "CONFLICT", "\(demote.text)")
            #expect(try await h.call(.get, "/v2/users", headers: t.admin).status == 200)
        }
    }

    @Test func passwordRules() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            func create(_ password: String) async throws -> Int {
                try await h.post("/v2/users", .object(["username": .string("u\(UUID().uuidString.prefix(8))"), "password": .string(password)]), headers: t.admin).status
            }
            #expect(try await create("short") == 400)
            #expect(try await create("ok-eight") == 201)
            #expect(try await create(String(repeating: "x", count: 1025)) == 400)
            #expect(try await create("🔐🔐🔐🔐🔐🔐🔐🔐") == 201, "eight characters, whatever their bytes")
            #expect(try await h.post("/v2/users", .object(["password": "no name at all"]), headers: t.admin).status == 400)
            #expect(try await h.post("/v2/users", .object(["username": ""]), headers: t.admin).status == 400)
        }
    }

    @Test func disabledAndDeletedUsersLoseAccessAtOnce() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            let token = try #require(try await ClassicAPITests.login(h, headers: t.headers).string("token"))
            #expect(try await h.verify(t, token)["valid"] == .bool(true))
            #expect(try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["status": "disabled"])).status == 200)
            #expect(try await h.verify(t, token)["valid"] == .bool(false))
            #expect(try await ClassicAPITests.login(h, headers: t.headers).status == 401)
            #expect(try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["status": "active"])).status == 200)
            let again = try #require(try await ClassicAPITests.login(h, headers: t.headers).string("token"))
            #expect(try await h.call(.delete, "/v2/users/\(id)", headers: t.admin).status == 204)
            #expect(try await h.verify(t, again)["valid"] == .bool(false))
        }
    }

    /// A hash made at a lower cost than configured is replaced at the next successful login.
    @Test func passwordsAreRehashedWhenTheCostRises() async throws {
        try await withHarness(configure: { $0.engine.bcryptCost = 6 }) { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            try await h.engine.store.setPasswordHash(tenantId: t.id, userId: id, hash: Bcrypt.hash("correct horse battery", cost: 4))
            #expect(try await ClassicAPITests.login(h, headers: t.headers).status == 200)
            let (_, hash) = try #require(try await h.engine.store.credentials(tenantId: t.id, login: "jane.doe"))
            #expect(hash?.hasPrefix("$2b$06$") == true, "\(hash ?? "nil")")
            #expect(try await ClassicAPITests.login(h, headers: t.headers).status == 200)
        }
    }
}
