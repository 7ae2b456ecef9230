import Crypto
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Testing

@Suite struct TokenExchangeTests {
    @Test(arguments: ["EdDSA", "ES256", "RS256"])
    func userExchangeFindsOrCreatesTheUser(alg: String) async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let idp: ExternalIssuer =
                switch alg {
                case "EdDSA": .eddsa()
                case "ES256": .es256()
                default: try .rs256()
                }
            try await h.registerProvider(t, idp)
            let first = try await h.exchange(t, try idp.token(now: h.clock.now))
            #expect(first.status == 200, "\(first.text)")
            let access = try #require(first.string("accessToken"))
            #expect(first.string("refreshToken")?.hasPrefix("rt_") == true)
            let claims = try CompactJWS(access).decodePayload(AccessTokenClaims.self)
            #expect(claims.lvl == .user)
            #expect(claims.tid == t.id)
            #expect(claims.iss == "http://gatehouse.test/t/\(t.id)")
            #expect(claims.amr == ["ext"])
            #expect(claims.exp - claims.iat == 900)
            let second = try await h.exchange(t, try idp.token(now: h.clock.now))
            #expect(try Harness.subject(of: try #require(second.string("accessToken"))) == claims.sub, "same user")

            let v = try await h.verify(t, access)
            #expect(v["valid"] == .bool(true))
            #expect(v.string("tenantId") == t.id)
            #expect(v.string("identifierEmail") == "user@example.com")
            #expect(v["errorMessage"] == .null)
        }
    }

    @Test(arguments: TestDatabase.kinds) func concurrentFirstLoginsCreateOneUser(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let (t, idp) = try await h.tenantWithProvider()
            let token = try idp.token(sub: "racer", now: h.clock.now)
            let subjects = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let r = try await h.exchange(t, token)
                        #expect(r.status == 200, "\(r.text)")
                        return try Harness.subject(of: try #require(r.string("accessToken")))
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(subjects.count == 1)
        }
    }

    @Test func refusals() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let now = h.clock.now
            let stranger = ExternalIssuer.eddsa(idp.issuer, kid: idp.kid)
            let rsa = try ExternalIssuer.rs256()
            // HS256 "signed" with the provider's public key as the HMAC secret: the classic confusion attack.
            let hmacKey = SymmetricKey(data: Array(idp.jwksJSON.utf8))
            let hs256 = try CompactJWS.serialize(
                header: ["alg": "HS256", "kid": idp.kid],
                payloadJSON: try JSONEncoder().encode([
                    "iss": JSONValue.string(idp.issuer), "sub": .string("x"), "aud": .string("gatehouse-tests"),
                    "exp": .number(now.timeIntervalSince1970 + 300),
                ])
            ) { Array(HMAC<SHA256>.authenticationCode(for: $0, using: hmacKey)) }
            let unsigned = try idp.token(now: now, headerAlg: "none").split(separator: ".").prefix(2).joined(separator: ".") + "."
            let cases: [(String, String)] = [
                ("wrong issuer", try idp.token(now: now, iss: "https://evil.example.com")),
                ("wrong audience", try idp.token(aud: "someone-else", now: now)),
                ("no audience", try idp.token(aud: nil, now: now)),
                ("expired", try idp.token(now: now.addingTimeInterval(-600), expiresIn: 300)),
                ("not yet valid", try idp.token(now: now, nbf: now.addingTimeInterval(120))),
                ("bad signature", try idp.token(now: now, signer: stranger)),
                ("unknown kid", try idp.token(now: now, headerKid: .some("other-kid"))),
                ("alg none", unsigned),
                ("HS256 with the public key", hs256),
                ("alg of another key type", try idp.token(now: now, headerAlg: "RS256", signer: rsa)),
                ("garbage", "not-a-jwt"),
                ("three garbage parts", "a.b.c"),
            ]
            for (name, token) in cases {
                let r = try await h.exchange(t, token)
                #expect(r.status == 401, "\(name): \(r.status) \(r.text)")
                #expect(r.string("code") == "INVALID_TOKEN", "\(name)")
                let v = try await h.verify(t, token)
                #expect(v.status == 200, "\(name)")
                #expect(v["valid"] == .bool(false), "\(name)")
                #expect(v.string("errorMessage") != nil, "\(name)")
            }
            // Failed exchanges are audited: one event per distinct reason within the minute (ExchangeFailureTests).
            let events = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000)
                .filter { $0.type == "login.failed" && $0.data.contains(#""method":"external""#) }
            let reasons = Set(try events.map {
                try JSONDecoder().decode([String: JSONValue].self, from: Data($0.data.utf8))["reason"]?.stringValue ?? ""
            })
            #expect(events.count == reasons.count && events.count >= 8, "\(reasons)")
        }
    }

    @Test func deletingAProviderStopsItsTokensAtOnce() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let token = try idp.token(now: h.clock.now)
            #expect(try await h.exchange(t, token).status == 200)
            let list = try await h.call(.get, "/v2/identity-providers", headers: t.admin)
            let id = try #require(list["data"]?.arrayValue?.first?.objectValue?["id"]?.stringValue)
            #expect(try await h.call(.delete, "/v2/identity-providers/\(id)", headers: t.admin).status == 204)
            #expect(try await h.exchange(t, token).status == 401)
        }
    }

    @Test func tenantIsolation() async throws {
        try await withHarness { h in
            let a = try await h.createTenant("Tenant A")
            let b = try await h.createTenant("Tenant B")
            let idp = ExternalIssuer.eddsa()
            try await h.registerProvider(a, idp)
            let token = try idp.token(now: h.clock.now)
            // B does not trust A's provider.
            #expect(try await h.exchange(b, token).status == 401)
            let pair = try await h.exchange(a, token)
            let access = try #require(pair.string("accessToken"))
            let refresh = try #require(pair.string("refreshToken"))
            // A's tokens mean nothing with B's project key.
            #expect(try await h.verify(b, access)["valid"] == .bool(false))
            #expect(try await h.post("/v2/auth/refresh", .object(["refreshToken": .string(refresh)]), headers: b.headers).status == 401)
            #expect(try await h.call(.get, "/v2/businesses", headers: ["authorization": "Bearer \(a.adminJWT)", "x-project-key": b.projectKey]).status == 401)
            #expect(try await h.verify(a, access)["valid"] == .bool(true))
        }
    }

    @Test(arguments: TestDatabase.kinds) func businessContext(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let (t, idp) = try await h.tenantWithProvider()
            let token = try idp.token(sub: "biz-user", now: h.clock.now)
            // Zero memberships.
            let none = try await h.exchange(t, token, type: "business")
            #expect(none.status == 403, "\(none.text)")
            let userId = try Harness.subject(of: try #require(try await h.exchange(t, token).string("accessToken")))

            func business(_ name: String) async throws -> String {
                let r = try await h.post("/v2/businesses", .object(["name": .string(name)]), headers: t.admin)
                #expect(r.status == 201)
                return try #require(r.string("id"))
            }
            let cafe = try await business("Cafe")
            let bakery = try await business("Bakery")
            let elsewhere = try await business("Elsewhere")
            let m = try await h.post(
                "/v2/businesses/\(cafe)/memberships", .object(["userId": .string(userId), "role": "admin"]), headers: t.admin)
            #expect(m.status == 201, "\(m.text)")
            // One membership: auto-selected.
            let one = try await h.exchange(t, token, type: "business")
            #expect(one.status == 200, "\(one.text)")
            let oneClaims = try CompactJWS(try #require(one.string("accessToken"))).decodePayload(AccessTokenClaims.self)
            #expect(oneClaims.bid == cafe)
            #expect(oneClaims.role == "admin")
            #expect(oneClaims.lvl == .business)

            _ = try await h.post(
                "/v2/businesses/\(bakery)/memberships", .object(["userId": .string(userId), "role": "viewer"]), headers: t.admin)
            // Several, none chosen: 409 with the options.
            let several = try await h.exchange(t, token, type: "business")
            #expect(several.status == 409)
            #expect(several.string("code") == "MULTIPLE_CONTEXT_SELECTION_REQUIRED")
            let options = try #require(several["details"]?.objectValue?["options"]?.arrayValue)
            #expect(Set(options.compactMap { $0.objectValue?["businessId"]?.stringValue }) == [cafe, bakery])
            #expect(options.contains { $0.objectValue?["name"] == .string("Bakery") && $0.objectValue?["role"] == .string("viewer") })
            // Explicit choice.
            let chosen = try await h.exchange(t, token, type: "business", businessId: bakery)
            #expect(chosen.status == 200)
            let chosenClaims = try CompactJWS(try #require(chosen.string("accessToken"))).decodePayload(AccessTokenClaims.self)
            #expect(chosenClaims.bid == bakery && chosenClaims.role == "viewer")
            // A business the user is not in.
            #expect(try await h.exchange(t, token, type: "business", businessId: elsewhere).status == 403)
            #expect(try await h.exchange(t, token, type: "business", businessId: UUID().uuidString).status == 403)
            #expect(try await h.exchange(t, token, type: "business", businessId: "not-a-uuid").status == 400)
        }
    }

    @Test func tenantSystemAndExternalTypes() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let idp = ExternalIssuer.es256()
            try await h.registerProvider(t, idp)
            let token = try idp.token(sub: "boss", now: h.clock.now)
            // Not an admin yet.
            #expect(try await h.exchange(t, token, type: "tenant").status == 403)
            let userId = try Harness.subject(of: try #require(try await h.exchange(t, token).string("accessToken")))
            let add = try await h.post("/v2/admins", .object(["userId": .string(userId)]), headers: t.admin)
            #expect(add.status == 201)
            #expect(try await h.post("/v2/admins", .object(["userId": .string(userId)]), headers: t.admin).status == 409)
            let admin = try await h.exchange(t, token, type: "tenant")
            #expect(admin.status == 200)
            let adminToken = try #require(admin.string("accessToken"))
            #expect(try CompactJWS(adminToken).decodePayload(AccessTokenClaims.self).lvl == .tenant)
            // That token administers the tenant.
            #expect(try await h.call(.get, "/v2/businesses", headers: ["authorization": "Bearer \(adminToken)"]).status == 200)
            // A user-level token does not.
            let userToken = try #require(try await h.exchange(t, token).string("accessToken"))
            #expect(try await h.call(.get, "/v2/businesses", headers: ["authorization": "Bearer \(userToken)"]).status == 403)

            // system: the tenant's API private key or the system key.
            for key in [t.apiPrivateKey, Harness.systemKey] {
                let sys = try await h.exchange(t, key, type: "system")
                #expect(sys.status == 200, "\(sys.text)")
                let c = try CompactJWS(try #require(sys.string("accessToken"))).decodePayload(AccessTokenClaims.self)
                #expect(c.lvl == .system && c.sub == "system")
            }
            #expect(try await h.exchange(t, "sk_tenant_wrong", type: "system").status == 401)
            let other = try await h.createTenant("Other")
            #expect(try await h.exchange(t, other.apiPrivateKey, type: "system").status == 401)

            // external: verified, no user provisioned.
            let before = try await h.engine.store.users(tenantId: t.id, page: .init(limit: 200), email: nil).items.count
            let ext = try await h.exchange(t, try idp.token(sub: "outsider", now: h.clock.now), type: "external")
            #expect(ext.status == 200)
            let extClaims = try CompactJWS(try #require(ext.string("accessToken"))).decodePayload(AccessTokenClaims.self)
            #expect(extClaims.lvl == .external && extClaims.sub == "outsider")
            #expect(try await h.engine.store.users(tenantId: t.id, page: .init(limit: 200), email: nil).items.count == before)
            #expect(try await h.verify(t, try #require(ext.string("accessToken")))["valid"] == .bool(true))
            #expect(try await h.exchange(t, token, type: "superuser").status == 400)
        }
    }

    @Test func anonymousUsersOnlyWhenTheTenantAllowsThem() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let body: JSONValue = .object(["rawLoginData": .object(["deviceId": "abc"])])
            // Not allowed: rawLoginData is ignored (seed 001, issue 12 item 4), so authToken is required.
            let refused = try await h.post("/v2/auth/token", body, headers: t.headers)
            #expect(refused.status == 400)
            _ = try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["allowJWTForUnauthenticatedUsers": true]))
            // The resolver caches tenants briefly; this node invalidated its copy on update.
            let ok = try await h.post("/v2/auth/token", body, headers: t.headers)
            #expect(ok.status == 200, "\(ok.text)")
            let access = try #require(ok.string("accessToken"))
            let v = try await h.verify(t, access)
            #expect(v["valid"] == .bool(true))
            let sub = try Harness.subject(of: access)
            #expect(v.string("identifierEmail") == "user-\(sub.replacingOccurrences(of: "-", with: ""))@id.gatehouse.local")
            let user = try #require(try await h.engine.store.user(tenantId: t.id, id: sub))
            #expect(user.status == .anonymous)
        }
    }

    @Test func verifyAcceptsTheTenantsExternalTokens() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let withEmail = try await h.verify(t, try idp.token(now: h.clock.now))
            #expect(withEmail["valid"] == .bool(true))
            #expect(withEmail.string("identifierEmail") == "user@example.com")
            #expect(withEmail["payload"]?.objectValue?["sub"] == .string("ext-user-1"))
            let noEmail = try await h.verify(t, try idp.token(email: nil, now: h.clock.now))
            let synthetic = try #require(noEmail.string("identifierEmail"))
            #expect(synthetic.wholeMatch(of: /user-[0-9a-f]{32}@id\.gatehouse\.local/) != nil)
        }
    }
}
