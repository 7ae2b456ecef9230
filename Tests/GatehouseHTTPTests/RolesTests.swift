import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import HTTPTypes
import Testing

/// Issue 15, items 1 and 2: custom roles with a parent chain, tenant-wide user roles, and the administration
/// routes checked against the caller's current roles.
@Suite struct RolesTests {
    /// A local user of the tenant holding `roles` tenant-wide, signed in through the Classic API: a user-level
    /// token, not the tenant admin's.
    static func member(_ h: Harness, _ t: Harness.TenantSetup, roles: [String]) async throws -> (id: String, headers: [String: String]) {
        let username = "u" + UUID().uuidString.prefix(8).lowercased()
        let created = try await h.post(
            "/v2/users", .object(["username": .string(username), "password": "correct horse battery"]), headers: t.admin)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.string("id"))
        for role in roles {
            let r = try await h.post("/v2/users/\(id)/roles", .object(["role": .string(role)]), headers: t.admin)
            #expect(r.status == 201, "\(role): \(r.text)")
        }
        let login = try await ClassicAPITests.login(h, username, headers: ["x-project-key": t.projectKey])
        #expect(login.status == 200, "\(login.text)")
        return (id, ["authorization": "Bearer \(try #require(login.string("token")))", "x-project-key": t.projectKey])
    }

    static func role(_ h: Harness, _ t: Harness.TenantSetup, _ name: String, parent: String? = nil, _ permissions: [String]) async throws {
        var body: [String: JSONValue] = ["name": .string(name), "permissions": .array(permissions.map { .string($0) })]
        if let parent { body["parent"] = .string(parent) }
        let r = try await h.post("/v2/roles", .object(body), headers: t.admin)
        #expect(r.status == 201, "\(name): \(r.text)")
    }

    static func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }

    @Test(arguments: TestDatabase.kinds) func inheritanceThreeLevelsDeepAndARemovedPermissionStopsAtOnce(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            try await Self.role(h, t, "support", ["users:read"])
            try await Self.role(h, t, "senior-support", parent: "support", ["roles:read"])
            try await Self.role(h, t, "auditor", parent: "senior-support", ["events:read"])
            let got = try await h.call(.get, "/v2/roles/auditor", headers: t.admin)
            #expect(Self.strings(got["permissions"]) == ["events:read"])
            #expect(Self.strings(got["effectivePermissions"]) == ["events:read", "roles:read", "users:read"])
            #expect(got["parent"] == "senior-support" && got["builtIn"] == .bool(false))

            let (_, auditor) = try await Self.member(h, t, roles: ["auditor"])
            #expect(try await h.call(.get, "/v2/users", headers: auditor).status == 200)
            #expect(try await h.call(.get, "/v2/roles", headers: auditor).status == 200)
            #expect(try await h.call(.get, "/v2/events", headers: auditor).status == 200)
            let write = try await h.post("/v2/users", .object(["username": "nope"]), headers: auditor)
            #expect(write.status == 403 && write.string("code") == "FORBIDDEN", "\(write.text)")
            #expect(write.text.contains("users:write"))
            let profile = try await h.call(.get, "/auth/profile", headers: auditor)
            #expect(Set(Self.strings(profile["permissions"])).isSuperset(of: ["events:read", "roles:read", "users:read"]), "\(profile.text)")

            // The grandparent loses users:read: the grandchild's very next request is refused, token unchanged.
            let change = try await h.call(.put, "/v2/roles/support", headers: t.admin, json: .object(["permissions": []]))
            #expect(change.status == 200, "\(change.text)")
            #expect(try await h.call(.get, "/v2/users", headers: auditor).status == 403)
            #expect(try await h.call(.get, "/v2/events", headers: auditor).status == 200)
            #expect(!Self.strings(try await h.call(.get, "/auth/profile", headers: auditor)["permissions"]).contains("users:read"))
            #expect(Self.strings(try await h.call(.get, "/v2/roles/auditor", headers: t.admin)["effectivePermissions"]) == ["events:read", "roles:read"])
        }
    }

    /// Two nodes on one database: a role changed through one is seen by the other at its next check (the
    /// roles version is read with every check, so no cache can hold the old set).
    @Test(arguments: TestDatabase.kinds) func aRoleChangedOnOneNodeIsSeenOnTheOther(kind: String) async throws {
        try await withTwoNodes(kind: kind) { a, b in
            let t = try await a.createTenant()
            try await Self.role(a, t, "reader", ["users:read"])
            let (_, reader) = try await Self.member(a, t, roles: ["reader"])
            #expect(try await b.call(.get, "/v2/users", headers: reader).status == 200)
            #expect(try await a.call(.put, "/v2/roles/reader", headers: t.admin, json: .object(["permissions": ["roles:read"]])).status == 200)
            #expect(try await b.call(.get, "/v2/users", headers: reader).status == 403)
            #expect(try await b.call(.get, "/v2/roles", headers: reader).status == 200)
        }
    }

    @Test func cyclesUnknownParentsAndTakenNamesAreRefused() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            try await Self.role(h, t, "a", ["x:read"])
            try await Self.role(h, t, "b", parent: "a", ["x:write"])
            try await Self.role(h, t, "c", parent: "b", [])
            func conflict(_ r: Reply, _ words: String) {
                #expect(r.status == 409 && r.string("code") == "CONFLICT" && r.text.contains(words), "\(r.text)")
            }
            // Closing the chain through an update, directly or further up; a role its own parent.
            conflict(try await h.call(.put, "/v2/roles/a", headers: t.admin, json: .object(["parent": "c"])), "cycle")
            conflict(try await h.call(.put, "/v2/roles/a", headers: t.admin, json: .object(["parent": "b"])), "cycle")
            conflict(try await h.call(.put, "/v2/roles/b", headers: t.admin, json: .object(["parent": "b"])), "cycle")
            conflict(try await h.post("/v2/roles", .object(["name": "d", "parent": "nobody"]), headers: t.admin), "nobody")
            conflict(try await h.post("/v2/roles", .object(["name": "a"]), headers: t.admin), "exists")
            conflict(try await h.post("/v2/roles", .object(["name": "owner"]), headers: t.admin), "exists")
            // Nothing changed: a is still the root.
            #expect(try await h.call(.get, "/v2/roles/a", headers: t.admin)["parent"] == nil)
            // Clearing a parent is fine; so is re-parenting onto a built-in.
            #expect(try await h.call(.put, "/v2/roles/c", headers: t.admin, json: .object(["parent": nil])).status == 200)
            let onBuiltIn = try await h.call(.put, "/v2/roles/c", headers: t.admin, json: .object(["parent": "viewer"]))
            #expect(Self.strings(onBuiltIn["effectivePermissions"]) == BuiltInRole.viewer.permissions)

            for bad: JSONValue in [
                ["name": "Upper"], ["name": "9lives"], ["name": "sp ace"], ["name": .string(String(repeating: "a", count: 65))],
                ["name": "ok", "permissions": ["noaction"]], ["name": "ok", "permissions": ["Users:read"]],
                ["name": "ok", "permissions": ["a:b:c"]], ["name": "ok", "permissions": ["x:\u{7}"]],
                ["name": "ok", "permissions": [.string("x:" + String(repeating: "a", count: 63))]],
                ["name": "ok", "description": "bell\u{7}"], ["name": 7], ["name": "ok", "permissions": "users:read"], [:],
            ] {
                #expect(try await h.post("/v2/roles", bad, headers: t.admin).status == 400, "\(bad)")
            }
        }
    }

    @Test func builtInsAreReadOnlyAndListedFirst() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            try await Self.role(h, t, "aaa", parent: "member", ["reports:read"])
            let list = try await h.call(.get, "/v2/roles", headers: t.admin)
            let names = (list["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue }
            #expect(names == ["owner", "admin", "member", "viewer", "aaa"], "\(list.text)")
            let owner = try await h.call(.get, "/v2/roles/owner", headers: t.admin)
            #expect(owner["builtIn"] == .bool(true) && owner["parent"] == "admin")
            #expect(Self.strings(owner["effectivePermissions"]) == BuiltInRole.owner.permissions)
            let aaa = try await h.call(.get, "/v2/roles/aaa", headers: t.admin)
            #expect(Set(Self.strings(aaa["effectivePermissions"])) == Set(BuiltInRole.member.permissions + ["reports:read"]))
            for name in ["owner", "admin", "member", "viewer"] {
                #expect(try await h.call(.put, "/v2/roles/\(name)", headers: t.admin, json: .object(["permissions": []])).status == 409)
                #expect(try await h.call(.delete, "/v2/roles/\(name)", headers: t.admin).status == 409)
            }
            // Paged by name.
            let first = try await h.call(.get, "/v2/roles?limit=3", headers: t.admin)
            #expect(first["data"]?.arrayValue?.count == 3 && first.string("nextCursor") == "member")
            let rest = try await h.call(.get, "/v2/roles?limit=3&cursor=member", headers: t.admin)
            #expect((rest["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue } == ["viewer", "aaa"])
            #expect(rest["nextCursor"] == nil)
            #expect(try await h.call(.get, "/v2/roles/no-such", headers: t.admin).status == 404)
            #expect(try await h.call(.get, "/v2/roles/%00", headers: t.admin).status == 400)
        }
    }

    @Test func aRoleStillHeldOrStillAParentIsNotDeleted() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            try await Self.role(h, t, "base", ["users:read"])
            try await Self.role(h, t, "child", parent: "base", [])
            try await Self.role(h, t, "biz", ["orders:write"])
            let (userId, _) = try await Self.member(h, t, roles: ["child"])
            let business = try #require(try await h.post("/v2/businesses", .object(["name": "Cafe"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/businesses/\(business)/memberships", .object(["userId": .string(userId), "role": "biz"]), headers: t.admin).status == 201)
            // An unknown role is no membership.
            #expect(try await h.post("/v2/businesses/\(business)/memberships", .object(["userId": .string(userId), "role": "ghost"]), headers: t.admin).status == 400)

            #expect(try await h.call(.delete, "/v2/roles/base", headers: t.admin).text.contains("parent"))
            let held = try await h.call(.delete, "/v2/roles/child", headers: t.admin)
            #expect(held.status == 409 && held.text.contains("held"), "\(held.text)")
            #expect(try await h.call(.delete, "/v2/roles/biz", headers: t.admin).status == 409)
            let roles = try await h.call(.get, "/v2/users/\(userId)/roles", headers: t.admin)
            #expect((roles["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["role"]?.stringValue } == ["child"])
            #expect(try await h.call(.delete, "/v2/users/\(userId)/roles/child", headers: t.admin).status == 204)
            #expect(try await h.call(.delete, "/v2/users/\(userId)/roles/child", headers: t.admin).status == 404)
            #expect(try await h.call(.delete, "/v2/roles/child", headers: t.admin).status == 204)
            #expect(try await h.call(.delete, "/v2/roles/base", headers: t.admin).status == 204)
            #expect(try await h.call(.delete, "/v2/businesses/\(business)/memberships/\(userId)", headers: t.admin).status == 204)
            #expect(try await h.call(.delete, "/v2/roles/biz", headers: t.admin).status == 204)
            #expect(try await h.call(.get, "/v2/roles/biz", headers: t.admin).status == 404)
        }
    }

    @Test func anotherTenantsRolesAreInvisible() async throws {
        try await withHarness { h in
            let a = try await h.createTenant("Tenant A")
            let b = try await h.createTenant("Tenant B")
            try await Self.role(h, a, "secret-role", ["users:read"])
            #expect(try await h.call(.get, "/v2/roles/secret-role", headers: b.admin).status == 404)
            let names = (try await h.call(.get, "/v2/roles", headers: b.admin)["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue }
            #expect(!names.contains("secret-role"))
            let bUser = try #require(try await h.post("/v2/users", .object(["username": "bee"]), headers: b.admin).string("id"))
            #expect(try await h.post("/v2/users/\(bUser)/roles", .object(["role": "secret-role"]), headers: b.admin).status == 400)
            // Tenant A's admin token on tenant B's project key: refused before any role is read.
            let crossed = ["authorization": a.admin["authorization"]!, "x-project-key": b.projectKey]
            #expect(try await h.call(.get, "/v2/roles", headers: crossed).status == 401)
        }
    }

    /// No role definition, grant, membership or admin change gives more than its author holds.
    @Test func noEscalationByDelegation() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            try await Self.role(h, t, "delegate", ["roles:read", "roles:write", "users:read", "users:write", "businesses:write", "admins:write"])
            try await Self.role(h, t, "big", ["events:read"])
            let (_, delegate) = try await Self.member(h, t, roles: ["delegate"])
            // Within what it holds: fine.
            #expect(try await h.post("/v2/roles", .object(["name": "helper", "permissions": ["users:read"]]), headers: delegate).status == 201)
            // Beyond: refused, directly and through a parent.
            let direct = try await h.post("/v2/roles", .object(["name": "sneaky", "permissions": ["events:read"]]), headers: delegate)
            #expect(direct.status == 403 && direct.text.contains("events:read"), "\(direct.text)")
            #expect(try await h.post("/v2/roles", .object(["name": "sneaky", "parent": "big"]), headers: delegate).status == 403)
            #expect(try await h.call(.put, "/v2/roles/helper", headers: delegate, json: .object(["parent": "big"])).status == 403)
            let other = try #require(try await h.post("/v2/users", .object(["username": "other"]), headers: delegate).string("id"))
            #expect(try await h.post("/v2/users/\(other)/roles", .object(["role": "big"]), headers: delegate).status == 403)
            #expect(try await h.post("/v2/users/\(other)/roles", .object(["role": "helper"]), headers: delegate).status == 201)
            let business = try #require(try await h.post("/v2/businesses", .object(["name": "Shop"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/businesses/\(business)/memberships", .object(["userId": .string(other), "role": "big"]), headers: delegate).status == 403)
            #expect(try await h.post("/v2/businesses/\(business)/memberships", .object(["userId": .string(other), "role": "viewer"]), headers: delegate).status == 403)
            // Making or unmaking an admin, or touching one, is for admins.
            let admin = try Harness.subject(of: t.adminJWT)
            #expect(try await h.post("/v2/admins", .object(["userId": .string(other)]), headers: delegate).status == 403)
            #expect(try await h.call(.delete, "/v2/admins/\(admin)", headers: delegate).status == 403)
            #expect(try await h.call(.post, "/v2/users/\(admin)/password", headers: delegate, json: .object(["password": "taken over!"])).status == 403)
            #expect(try await h.call(.put, "/v2/users/\(admin)", headers: delegate, json: .object(["status": "disabled"])).status == 403)
            #expect(try await h.call(.delete, "/v2/users/\(admin)", headers: delegate).status == 403)
            // A user holding more than the delegate (big) is out of reach too; one holding less is not.
            let bigUser = try #require(try await h.post("/v2/users", .object(["username": "biggie"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/users/\(bigUser)/roles", .object(["role": "big"]), headers: t.admin).status == 201)
            #expect(try await h.call(.delete, "/v2/users/\(bigUser)", headers: delegate).status == 403)
            #expect(try await h.call(.delete, "/v2/users/\(other)", headers: delegate).status == 204)
            // The admin still can do all of it.
            #expect(try await h.call(.delete, "/v2/users/\(bigUser)", headers: t.admin).status == 204)
        }
    }

    @Test func theLastAdminIsKept() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let me = try Harness.subject(of: t.adminJWT)
            let disable = try await h.call(.put, "/v2/users/\(me)", headers: t.admin, json: .object(["status": "disabled"]))
            #expect(disable.status == 409 && disable.text.contains("last admin"), "\(disable.text)")
            #expect(try await h.call(.get, "/v2/users", headers: t.admin).status == 200, "still signed in")
            // With a second admin, one can be removed; the one left cannot be disabled either.
            let second = try #require(try await h.post("/v2/users", .object(["username": "second"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/admins", .object(["userId": .string(second)]), headers: t.admin).status == 201)
            #expect(try await h.call(.delete, "/v2/admins/\(second)", headers: t.admin).status == 204)
            #expect(try await h.call(.put, "/v2/users/\(me)", headers: t.admin, json: .object(["status": "disabled"])).status == 409)
        }
    }

    /// A business-scoped token reaches its own business's resources, with the permissions its membership
    /// role grants, and nothing tenant-wide.
    @Test func aBusinessTokenReachesOnlyItsBusiness() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            try await Self.role(h, t, "shop-manager", parent: "admin", ["businesses:read", "businesses:write"])
            let external = try idp.token(sub: "manager", now: h.clock.now)
            let userId = try Harness.subject(of: try #require(try await h.exchange(t, external).string("accessToken")))
            let mine = try #require(try await h.post("/v2/businesses", .object(["name": "Mine"]), headers: t.admin).string("id"))
            let theirs = try #require(try await h.post("/v2/businesses", .object(["name": "Theirs"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/businesses/\(mine)/memberships", .object(["userId": .string(userId), "role": "shop-manager"]), headers: t.admin).status == 201)
            let token = try #require(try await h.exchange(t, external, type: "business").string("accessToken"))
            let biz = ["authorization": "Bearer \(token)", "x-project-key": t.projectKey]
            #expect(try await h.call(.get, "/v2/businesses/\(mine)", headers: biz).status == 200)
            #expect(try await h.call(.get, "/v2/businesses/\(mine)/memberships", headers: biz).status == 200)
            #expect(try await h.call(.get, "/v2/businesses/\(theirs)", headers: biz).status == 403)
            #expect(try await h.call(.get, "/v2/businesses/\(theirs)/memberships", headers: biz).status == 403)
            #expect(try await h.call(.get, "/v2/businesses", headers: biz).status == 403)
            #expect(try await h.call(.delete, "/v2/businesses/\(mine)", headers: biz).status == 403, "deleting is tenant-wide")
            // It may add a member with a role within its own permissions, not beyond.
            let newcomer = try #require(try await h.post("/v2/users", .object(["username": "newcomer"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/businesses/\(mine)/memberships", .object(["userId": .string(newcomer), "role": "member"]), headers: biz).status == 201)
            #expect(try await h.post("/v2/businesses/\(theirs)/memberships", .object(["userId": .string(newcomer), "role": "member"]), headers: biz).status == 403)
            // Profile permissions: the business role's chain.
            let profile = try await h.call(.get, "/auth/profile", headers: biz)
            #expect(Set(Self.strings(profile["permissions"])).isSuperset(of: ["businesses:write", "members:manage", "documents:read"]), "\(profile.text)")
            // The same user's user-level token holds no tenant role: nothing administrative.
            let plain = try #require(try await h.exchange(t, external).string("accessToken"))
            #expect(try await h.call(.get, "/v2/businesses/\(mine)", headers: ["authorization": "Bearer \(plain)", "x-project-key": t.projectKey]).status == 403)
        }
    }

    /// Every administration route, walked from the route table: a caller holding every administration
    /// permission but the route's is refused with 403 naming it, so a route added later without an entry in
    /// the permission table (closed to all) or with a wrong one fails here. A read-only role reads but
    /// writes nothing.
    @Test func everyAdminRouteRefusesACallerLackingItsPermission() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let adminRoutes = RouteTableTests.table(h).routes.filter { if case .admin = $0.access { true } else { false } }
            #expect(adminRoutes.count >= 35)
            for route in adminRoutes {
                #expect(AdminRoutePermissions.entry(route.method, route.path) != nil, "\(route.method) \(route.path) declares no permission")
            }
            for permission in AdminPermission.allCases {
                let name = "all-but-" + permission.rawValue.replacingOccurrences(of: ":", with: "-")
                try await Self.role(h, t, name, AdminPermission.allCases.filter { $0 != permission }.map(\.rawValue))
                let (_, caller) = try await Self.member(h, t, roles: [name])
                for route in adminRoutes where AdminRoutePermissions.entry(route.method, route.path)?.permission == permission {
                    let path = RouteTableTests.concrete(route.path)
                    let r = try await h.call(route.method, path, headers: caller, json: RouteTableTests.body(route))
                    #expect(
                        r.status == 403 && r.string("code") == "FORBIDDEN" && r["details"]?.objectValue?["permission"] == .string(permission.rawValue),
                        "\(route.method) \(route.path): \(r.status) \(r.text.prefix(120))")
                }
            }
            let reads = AdminPermission.allCases.filter { $0.rawValue.hasSuffix(":read") }.map(\.rawValue)
            try await Self.role(h, t, "read-only", reads)
            let (_, viewer) = try await Self.member(h, t, roles: ["read-only"])
            for route in adminRoutes {
                let r = try await h.call(route.method, RouteTableTests.concrete(route.path), headers: viewer, json: RouteTableTests.body(route))
                if AdminRoutePermissions.entry(route.method, route.path)?.permission.rawValue.hasSuffix(":read") == true {
                    #expect(r.status != 403, "\(route.path): a reader reads (\(r.status) \(r.text.prefix(100)))")
                } else {
                    #expect(r.status == 403, "\(route.method) \(route.path): a reader writes nothing (\(r.status))")
                }
            }
        }
    }

    /// The table is in the document (`x-required-permission` on every administration operation) and in the
    /// README, both made from it.
    @Test func thePermissionTableIsInTheDocumentAndTheREADME() async throws {
        try await withHarness { h in
            let table = RouteTableTests.table(h)
            let yaml = OpenAPIBuilder(routes: table.routes, schemas: table.schemas).yaml()
            let count = yaml.components(separatedBy: "x-required-permission:").count - 1
            #expect(count == AdminRoutePermissions.table.count, "every entry once in /openapi.yaml")
            let readme = try String(contentsOfFile: #filePath.components(separatedBy: "/Tests/")[0] + "/README.md", encoding: .utf8)
            let markdown = AdminRoutePermissions.markdown(table.routes)
            #expect(readme.contains("\n\n" + markdown + "\n\n"), "README's permission table differs from the route table; it should read:\n\(markdown)")
        }
    }

    /// The audit log's types: the README lists the catalog the recorder is limited to.
    @Test func theEventTypeTableIsInTheREADME() throws {
        let readme = try String(contentsOfFile: #filePath.components(separatedBy: "/Tests/")[0] + "/README.md", encoding: .utf8)
        #expect(readme.contains("\n\n" + EventType.markdown + "\n\n"), "README's event table differs from the catalog; it should read:\n\(EventType.markdown)")
        #expect(EventType.aliases.keys.allSatisfy { EventType(rawValue: $0) == nil }, "an old name is not also a new one")
    }
}
