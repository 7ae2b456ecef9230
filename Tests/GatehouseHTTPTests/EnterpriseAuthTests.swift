import Foundation
import GatehouseCore
import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing

@Suite struct EnterpriseAuthTests {
    static func login(_ h: Harness, _ t: Harness.TenantSetup, email: String = "jane.doe@example.com", password: String = "correct horse battery") async throws -> Reply {
        try await h.post("/auth/login", .object(["email": .string(email), "password": .string(password)]), headers: t.headers)
    }

    @Test func loginProfileRefreshSessions() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            _ = try await h.call(
                .put, "/v2/users/\(id)", headers: t.admin,
                json: .object(["department": ["id": "d7", "name": "Ops"], "employee": ["id": "e7", "name": "Jane", "avatarFileId": "av1"]]))
            let r = try await Self.login(h, t)
            #expect(r.status == 200, "\(r.text)")
            #expect(r["registerOtp"] == .bool(false))
            let token = try #require(r.string("token"))
            let tokens = try #require(r["tokens"]?.objectValue)
            #expect(Set(tokens.keys) == ["accessToken", "accessTokenExpiresAt", "refreshToken", "refreshTokenExpiresAt", "signature"])
            #expect(tokens["accessToken"]?.stringValue == token)

            let bearer = ["authorization": "Bearer \(token)", "x-project-key": t.projectKey]
            let profile = try await h.call(.get, "/auth/profile", headers: bearer)
            #expect(profile.status == 200, "\(profile.text)")
            let number = try #require(profile["id"]?.numberValue)
            #expect(number >= 1 && number.rounded() == number, "the Enterprise id is the user's integer number")
            #expect(profile.string("email") == "jane.doe@example.com")
            #expect(profile["isSuperAdmin"] == .bool(false) && profile["mfaEnabled"] == .bool(false))
            #expect(profile["department"] == .object(["id": "d7", "name": "Ops"]))
            #expect(profile["employee"] == .object(["id": "e7", "name": "Jane", "avatarFileId": "av1"]))
            #expect(profile["permissions"] == .array([]), "no membership, no permissions")
            let signature = try #require(profile.string("signature"))

            // The file signature verifies for this user only.
            let ok = try await h.post("/auth/signature/verify", .object(["signature": .string(signature), "userId": .number(number)]), headers: t.headers)
            #expect(ok["valid"] == .bool(true))
            let other = try await h.post("/auth/signature/verify", .object(["signature": .string(signature), "userId": .number(number + 1)]), headers: t.headers)
            #expect(other["valid"] == .bool(false))
            // Tampered in the MAC's middle, and respelled in the last character's unused bits: both refused.
            var chars = Array(signature)
            let middle = chars.count - 10
            chars[middle] = chars[middle] == "A" ? "B" : "A"
            let lastFlip = signature.dropLast() + String(signature.last == "A" ? "B" : "A")
            for tampered in [String(chars), String(lastFlip)] {
                #expect(try await h.post("/auth/signature/verify", .object(["signature": .string(tampered), "userId": .number(number)]), headers: t.headers)["valid"] == .bool(false), "\(tampered)")
            }
            h.clock.advance(by: 901)
            #expect(try await h.post("/auth/signature/verify", .object(["signature": .string(signature), "userId": .number(number)]), headers: t.headers)["valid"] == .bool(false), "expires with the access token")
            h.clock.advance(by: -901)

            let refreshed = try await h.post("/auth/refresh", .object(["refreshToken": tokens["refreshToken"]!]), headers: t.headers)
            #expect(refreshed.status == 200)
            #expect(refreshed.json?.objectValue.map { Set($0.keys) } == ["accessToken", "accessTokenExpiresAt", "refreshToken", "refreshTokenExpiresAt", "signature"])

            // Two sessions; revoking the other one kills it at once, access and refresh token alike.
            let secondLogin = try await Self.login(h, t)
            let second = try #require(secondLogin.string("token"))
            let secondRefresh = try #require(secondLogin["tokens"]?.objectValue?["refreshToken"])
            let list = try await h.call(.get, "/auth/sessions", headers: bearer)
            let sessions = try #require(list.json?.arrayValue)
            #expect(sessions.count == 2)
            #expect(sessions.filter { $0.objectValue?["current"] == .bool(true) }.count == 1)
            let secondSid = try CompactJWS(second).decodePayload(AccessTokenClaims.self).sid
            #expect(try await h.call(.delete, "/auth/sessions/\(secondSid)", headers: bearer).status == 204)
            #expect(try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(second)", "x-project-key": t.projectKey]).status == 401)
            #expect(try await h.call(.delete, "/auth/sessions/\(secondSid)", headers: bearer).status == 404)
            #expect(try await h.post("/auth/refresh", .object(["refreshToken": secondRefresh]), headers: t.headers).status == 401)
            #expect(try await h.call(.get, "/auth/profile", headers: bearer).status == 200)
        }
    }

    @Test func permissionsFollowTheRoleChain() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            let biz = try #require(try await h.post("/v2/businesses", .object(["name": "Shop"]), headers: t.admin).string("id"))
            _ = try await h.post("/v2/businesses/\(biz)/memberships", .object(["userId": .string(id), "role": "admin"]), headers: t.admin)
            let token = try #require(try await Self.login(h, t).string("token"))
            let profile = try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(token)", "x-project-key": t.projectKey])
            let permissions = Set(profile["permissions"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            #expect(permissions.isSuperset(of: BuiltInRole.member.permissions), "admin inherits member")
            #expect(permissions.isSuperset(of: BuiltInRole.viewer.permissions), "and viewer")
            #expect(!permissions.isSuperset(of: BuiltInRole.owner.permissions), "but not owner")
        }
    }

    @Test func refusals() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            let wrong = try await Self.login(h, t, password: "nope nope nope")
            #expect(wrong.status == 401 && wrong.string("code") == "UNAUTHORIZED")
            #expect(try await Self.login(h, t, email: "ghost@example.com").status == 401)
            #expect(try await h.post("/auth/login", .object(["email": 1, "password": "x"]), headers: t.headers).status == 400)
            #expect(try await h.call(.get, "/auth/profile", headers: t.headers).status == 401)
            #expect(try await h.call(.get, "/auth/sessions", headers: ["authorization": "Bearer x.y.z", "x-project-key": t.projectKey]).status == 401)
            #expect(try await h.post("/auth/refresh", .object(["refreshToken": "rt_x"]), headers: t.headers).status == 401)
            #expect(try await h.post("/auth/signature/verify", .object(["signature": "1.x"]), headers: t.headers).status == 400)
            #expect(try await h.post("/auth/signature/verify", .object(["signature": "garbage", "userId": 1]), headers: t.headers)["valid"] == .bool(false))
            // An account with MFA on is not let in on a password alone: it gets a pending token only.
            try await h.engine.store.updateUser({
                var u = try #require(try await h.engine.store.user(tenantId: t.id, id: id))
                u.mfaEnabled = true
                return u
            }())
            let pending = try await Self.login(h, t)
            #expect(pending.status == 200)
            #expect(pending.string("token")?.hasPrefix("mfa_") == true)
            #expect(pending["tokens"] == nil)
        }
    }
}
