import Foundation
import GatehouseCore
import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing

/// Issue 10, item 4: authorization is not frozen into a session. Removing a right revokes the sessions that
/// used it, and every refresh re-reads the user's status, membership and admin rights.
@Suite struct AuthorizationRecheckTests {
    struct Login {
        var access: String
        var refresh: String
    }

    static func classicLogin(_ h: Harness, _ t: Harness.TenantSetup) async throws -> Login {
        let r = try await ClassicAPITests.login(h, headers: t.headers)
        return Login(access: try #require(r.string("token"), "\(r.text)"), refresh: try #require(r.string("refreshToken")))
    }

    static func exchangeLogin(_ h: Harness, _ t: Harness.TenantSetup, _ token: String, type: String) async throws -> Login {
        let r = try await h.exchange(t, token, type: type)
        return Login(access: try #require(r.string("accessToken"), "\(r.text)"), refresh: try #require(r.string("refreshToken")))
    }

    /// An external user who is a member of the business "Cafe" with `role` and a tenant admin: the tenant,
    /// the IdP token, the user id and the business id.
    static func memberAndAdmin(_ h: Harness, role: String) async throws -> (Harness.TenantSetup, String, String, String) {
        let (t, idp) = try await h.tenantWithProvider()
        let token = try idp.token(sub: "biz-user", now: h.clock.now)
        let userId = try Harness.subject(of: try #require(try await h.exchange(t, token).string("accessToken")))
        let cafe = try #require(try await h.post("/v2/businesses", .object(["name": "Cafe"]), headers: t.admin).string("id"))
        let m = try await h.post(
            "/v2/businesses/\(cafe)/memberships", .object(["userId": .string(userId), "role": .string(role)]), headers: t.admin)
        #expect(m.status == 201)
        #expect(try await h.post("/v2/admins", .object(["userId": .string(userId)]), headers: t.admin).status == 201)
        return (t, token, userId, cafe)
    }

    static func refreshes(_ h: Harness, _ t: Harness.TenantSetup, _ l: Login) async throws -> Bool {
        try await h.post("/v2/auth/refresh", .object(["refreshToken": .string(l.refresh)]), headers: t.headers).status == 200
    }

    static func valid(_ h: Harness, _ t: Harness.TenantSetup, _ l: Login) async throws -> Bool {
        try await h.verify(t, l.access)["valid"] == .bool(true)
    }

    @Test(arguments: TestDatabase.kinds) func disablingAUserRevokesTheirSessionsForGood(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            let l = try await Self.classicLogin(h, t)
            #expect(try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["status": "disabled"])).status == 200)
            #expect(try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["status": "active"])).status == 200)
            #expect(try await !Self.valid(h, t, l), "re-enabling brings no session back")
            #expect(try await !Self.refreshes(h, t, l))
        }
    }

    @Test func anAdminPasswordResetRevokesEverySession() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            let l = try await Self.classicLogin(h, t)
            #expect(try await h.post("/v2/users/\(id)/password", .object(["password": "another long passphrase"]), headers: t.admin).status == 204)
            #expect(try await !Self.valid(h, t, l))
            #expect(try await !Self.refreshes(h, t, l))
            #expect(try await ClassicAPITests.login(h, "jane.doe", "another long passphrase", headers: t.headers).status == 200)
        }
    }

    @Test(arguments: TestDatabase.kinds) func removingAMembershipOrAnAdminRevokesTheirSessions(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let (t, token, userId, cafe) = try await Self.memberAndAdmin(h, role: "admin")
            let business = try await Self.exchangeLogin(h, t, token, type: "business")
            let admin = try await Self.exchangeLogin(h, t, token, type: "tenant")
            let plain = try await Self.exchangeLogin(h, t, token, type: "user")

            #expect(try await h.call(.delete, "/v2/businesses/\(cafe)/memberships/\(userId)", headers: t.admin).status == 204)
            #expect(try await !Self.valid(h, t, business), "the membership's session is revoked, not re-scoped")
            #expect(try await !Self.refreshes(h, t, business))
            #expect(try await Self.valid(h, t, admin), "other sessions are not touched")
            #expect(try await Self.valid(h, t, plain), "other sessions are not touched")

            #expect(try await h.call(.delete, "/v2/admins/\(userId)", headers: t.admin).status == 204)
            #expect(try await !Self.valid(h, t, admin))
            #expect(try await !Self.refreshes(h, t, admin))
            #expect(try await h.call(.get, "/v2/businesses", headers: ["authorization": "Bearer \(admin.access)"]).status != 200)
            #expect(try await Self.valid(h, t, plain))
            #expect(try await Self.refreshes(h, t, plain))
        }
    }

    /// A right taken away by any path (here straight in the database, as another tool might) is seen by
    /// the next refresh, which refuses and revokes the session.
    @Test(arguments: TestDatabase.kinds) func everyRefreshReReadsTheRights(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let (t, token, userId, cafe) = try await Self.memberAndAdmin(h, role: "viewer")
            let business = try await Self.exchangeLogin(h, t, token, type: "business")
            let admin = try await Self.exchangeLogin(h, t, token, type: "tenant")

            _ = try await h.engine.store.deleteMembership(tenantId: t.id, businessId: cafe, userId: userId)
            #expect(try await !Self.refreshes(h, t, business))
            #expect(try await !Self.valid(h, t, business), "the refused refresh revoked the session")

            _ = try await h.engine.store.deleteTenantAdmin(tenantId: t.id, userId: userId)
            #expect(try await !Self.refreshes(h, t, admin))
            #expect(try await !Self.valid(h, t, admin))
        }
    }

    @Test func theProfileReadsTheRoleFromTheMembership() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let token = try idp.token(sub: "biz-user", now: h.clock.now)
            let userId = try Harness.subject(of: try #require(try await h.exchange(t, token).string("accessToken")))
            let cafe = try #require(try await h.post("/v2/businesses", .object(["name": "Cafe"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/businesses/\(cafe)/memberships", .object(["userId": .string(userId), "role": "owner"]), headers: t.admin).status == 201)
            let business = try await Self.exchangeLogin(h, t, token, type: "business")
            // The role changes behind the token's back (its claim still says owner).
            _ = try await h.engine.store.deleteMembership(tenantId: t.id, businessId: cafe, userId: userId)
            _ = try await h.engine.store.insertMembership(
                Membership(tenantId: t.id, businessId: cafe, userId: userId, role: "viewer", createdAt: h.clock.now))
            let profile = try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(business.access)", "x-project-key": t.projectKey])
            #expect(profile.status == 200, "\(profile.text)")
            #expect(profile["permissions"] == .array(BuiltInRole.viewer.permissions.map { .string($0) }))
        }
    }

    @Test(arguments: TestDatabase.kinds) func aUserDisabledOnOneNodeIsRefusedOnTheOther(kind: String) async throws {
        try await withTwoNodes(kind: kind) { a, b in
            let t = try await a.createTenant()
            let id = try await ClassicAPITests.user(a, tenant: t)
            let l = try await Self.classicLogin(a, t)
            #expect(try await a.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["status": "disabled"])).status == 200)
            #expect(try await !Self.refreshes(b, t, l))
            #expect(try await !Self.valid(b, t, l))
        }
    }
}
