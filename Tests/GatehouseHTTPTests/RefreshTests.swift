import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Testing

@Suite struct RefreshTests {
    struct Session {
        var tenant: Harness.TenantSetup
        var access: String
        var refresh: String
    }

    static func login(_ h: Harness) async throws -> Session {
        let (t, idp) = try await h.tenantWithProvider()
        let r = try await h.exchange(t, try idp.token(now: h.clock.now))
        return Session(tenant: t, access: try #require(r.string("accessToken")), refresh: try #require(r.string("refreshToken")))
    }

    static func refresh(_ h: Harness, _ s: Session, _ token: String) async throws -> Reply {
        try await h.post("/v2/auth/refresh", .object(["refreshToken": .string(token)]), headers: s.tenant.headers)
    }

    /// 50 refreshes of the session's first refresh token at once, round-robin over `nodes`: (status, new refresh token).
    static func concurrentRefreshes(of s: Session, spreadOver nodes: [Harness]) async throws -> [(Int, String?)] {
        try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for i in 0..<50 {
                let node = nodes[i % nodes.count]
                group.addTask {
                    let r = try await refresh(node, s, s.refresh)
                    return (r.status, r.string("refreshToken"))
                }
            }
            return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
    }

    @Test func rotationOnEveryUse() async throws {
        try await withHarness { h in
            let s = try await Self.login(h)
            h.clock.advance(by: 1)
            let r1 = try await Self.refresh(h, s, s.refresh)
            #expect(r1.status == 200)
            let next = try #require(r1.string("refreshToken"))
            #expect(next != s.refresh)
            let newAccess = try #require(r1.string("accessToken"))
            #expect(try CompactJWS(newAccess).decodePayload(AccessTokenClaims.self).sid
                == CompactJWS(s.access).decodePayload(AccessTokenClaims.self).sid)
            let r2 = try await Self.refresh(h, s, next)
            #expect(r2.status == 200)
            #expect(try await h.verify(s.tenant, try #require(r2.string("accessToken")))["valid"] == .bool(true))
        }
    }

    @Test(arguments: TestDatabase.kinds) func reuseRevokesTheSession(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let s = try await Self.login(h)
            let r1 = try await Self.refresh(h, s, s.refresh)
            let next = try #require(r1.string("refreshToken"))
            // Past the grace window, the spent token is reuse.
            h.clock.advance(by: 11)
            let reuse = try await Self.refresh(h, s, s.refresh)
            #expect(reuse.status == 401)
            #expect(reuse.string("error") == "Invalid or expired refresh token")
            // The whole family is dead, and so are its access tokens wherever revocation is checked.
            #expect(try await Self.refresh(h, s, next).status == 401)
            let v = try await h.verify(s.tenant, s.access)
            #expect(v["valid"] == .bool(false))
            #expect(v.string("errorMessage") == "session revoked")
            let events = try await h.engine.store.events(tenantId: s.tenant.id, afterSequence: 0, limit: 1000)
            #expect(events.contains { $0.type == "token.reuse_detected" })
            let metrics = try await h.call(.get, "/metrics")
            #expect(metrics.text.contains("gatehouse_refresh_reuse_detected_total 1"))
        }
    }

    @Test(arguments: TestDatabase.kinds) func graceWindowReturnsTheSamePair(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let s = try await Self.login(h)
            let first = try await Self.refresh(h, s, s.refresh)
            h.clock.advance(by: 5)
            let retry = try await Self.refresh(h, s, s.refresh)
            #expect(retry.status == 200)
            #expect(retry.string("refreshToken") == first.string("refreshToken"))
            #expect(retry.string("accessToken") == first.string("accessToken"))
            // Once the successor is used, the old token is reuse even inside the window.
            let successor = try #require(first.string("refreshToken"))
            #expect(try await Self.refresh(h, s, successor).status == 200)
            #expect(try await Self.refresh(h, s, s.refresh).status == 401)
            #expect(try await h.verify(s.tenant, s.access)["valid"] == .bool(false))
        }
    }

    @Test(arguments: TestDatabase.kinds) func fiftyConcurrentRefreshesYieldOneSuccessor(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let s = try await Self.login(h)
            let results = try await Self.concurrentRefreshes(of: s, spreadOver: [h])
            #expect(results.allSatisfy { $0.0 == 200 }, "\(results.map(\.0))")
            #expect(Set(results.compactMap(\.1)).count == 1)
            #expect(try await h.verify(s.tenant, s.access)["valid"] == .bool(true))
            // One spend, one event: the 49 answered from the grace window wrote none.
            let refreshed = try await h.engine.store.events(tenantId: s.tenant.id, afterSequence: 0, limit: 1000)
                .filter { $0.type == EventType.tokenRefreshed.rawValue }
            #expect(refreshed.count == 1)
            #expect(refreshed.first?.subject != nil && refreshed.first?.data.contains("sessionId") == true)
            #expect(try await h.engine.events.verifyChain(tenantId: s.tenant.id) == nil)
        }
    }

    /// Two nodes on one database, 50 concurrent refreshes of one token split between them: one successor.
    @Test(arguments: TestDatabase.kinds) func twoNodesAgreeOnOneSuccessor(kind: String) async throws {
        try await withTwoNodes(kind: kind) { a, b in
            let s = try await Self.login(a)
            let results = try await Self.concurrentRefreshes(of: s, spreadOver: [a, b])
            #expect(results.allSatisfy { $0.0 == 200 }, "\(results.map(\.0))")
            #expect(Set(results.compactMap(\.1)).count == 1)
            // Reuse seen by one node revokes the session for the other.
            let next = try #require(results.first?.1)
            #expect(try await Self.refresh(b, s, next).status == 200)
            #expect(try await Self.refresh(a, s, s.refresh).status == 401)
            #expect(try await b.verify(s.tenant, s.access)["valid"] == .bool(false))
            let types = try await a.engine.store.events(tenantId: s.tenant.id, afterSequence: 0, limit: 1000).map(\.type)
            #expect(types.filter { $0 == "token.refreshed" }.count == 2 && types.last == "token.reuse_detected", "\(types)")
            #expect(try await b.engine.events.verifyChain(tenantId: s.tenant.id) == nil)
        }
    }

    @Test func expiredAndGarbageRefreshTokens() async throws {
        try await withHarness { h in
            let s = try await Self.login(h)
            for garbage in ["", "rt_nope", String(repeating: "a", count: 600), s.access] {
                let r = try await Self.refresh(h, s, garbage)
                #expect(r.status == 401 || r.status == 400, "\(garbage.prefix(10)): \(r.status)")
            }
            h.clock.advance(by: 24 * 3600 + 1)
            #expect(try await Self.refresh(h, s, s.refresh).status == 401)
        }
    }

    /// Verified tokens are remembered by their full text: the same claims under another signature never pass.
    @Test func aForgedSignatureFailsEvenAfterTheGenuineTokenWasVerified() async throws {
        try await withHarness { h in
            let s = try await Self.login(h)
            #expect(try await h.verify(s.tenant, s.access)["valid"] == .bool(true))
            let parts = s.access.split(separator: ".")
            let forger = try PrivateSigningKey.generate(.ES256)
            let forged = parts[0] + "." + parts[1] + "." + Base64URL.encode(try forger.sign(Array((parts[0] + "." + parts[1]).utf8)))
            let v = try await h.verify(s.tenant, String(forged))
            #expect(v["valid"] == .bool(false))
            #expect(v.string("errorMessage") == "bad signature")
            #expect(try await h.verify(s.tenant, s.access)["valid"] == .bool(true))
        }
    }

    @Test func accessTokenExpiresAndNotBefore() async throws {
        try await withHarness { h in
            let s = try await Self.login(h)
            h.clock.advance(by: 899)
            #expect(try await h.verify(s.tenant, s.access)["valid"] == .bool(true))
            h.clock.advance(by: 2)
            let v = try await h.verify(s.tenant, s.access)
            #expect(v["valid"] == .bool(false))
            #expect(v.string("errorMessage") == "token expired")
            // A token from the future (clock skew beyond the leeway) is not yet valid.
            let r = try await Self.refresh(h, s, s.refresh)
            let fresh = try #require(r.string("accessToken"))
            h.clock.advance(by: -60)
            #expect(try await h.verify(s.tenant, fresh).string("errorMessage") == "token not yet valid")
        }
    }
}

@Suite struct KeyRotationTests {
    @Test func tokensSignedBeforeRotationStillVerify() async throws {
        try await withHarness { h in
            let s = try await RefreshTests.login(h)
            let oldKid = try CompactJWS(s.access).header.kid
            let newKid = try await h.engine.rotateSigningKey(tenantId: s.tenant.id)
            #expect(newKid != oldKid)
            #expect(try await h.verify(s.tenant, s.access)["valid"] == .bool(true))
            let events = try await h.engine.store.events(tenantId: s.tenant.id, afterSequence: 0, limit: 100)
            #expect(events.contains { $0.type == "signing_key.rotated" && $0.subject == newKid })
            let jwks = try await h.call(.get, "/t/\(s.tenant.id)/.well-known/jwks.json")
            let kids = Set(try #require(jwks["keys"]?.arrayValue).compactMap { $0.objectValue?["kid"]?.stringValue })
            #expect(kids == [oldKid, newKid].compactMap { $0 }.reduce(into: Set<String>()) { $0.insert($1) })
            let r = try await RefreshTests.refresh(h, s, s.refresh)
            #expect(try CompactJWS(try #require(r.string("accessToken"))).header.kid == newKid)
            // After every token the old key signed has expired, it leaves the JWKS.
            h.clock.advance(by: 366 * 24 * 3600)
            _ = try await h.engine.keys.reload(tenantId: s.tenant.id)
            let later = try await h.call(.get, "/t/\(s.tenant.id)/.well-known/jwks.json")
            #expect(later["keys"]?.arrayValue?.count == 1)
        }
    }

    @Test func aTokenSignedByAnotherNodesNewKeyIsPickedUp() async throws {
        try await withHarness { h in
            let s = try await RefreshTests.login(h)
            // Another node rotates: this node's cached ring does not know the kid yet.
            let store = h.engine.store
            let other = KeyRingCache(
                store: store, box: h.engine.box, clock: h.clock, random: SystemRandomSource(), algorithm: .ES256,
                retention: 3600)
            _ = try await other.rotate(tenantId: s.tenant.id, in: store)
            try await other.loadAfterRotation(tenantId: s.tenant.id)
            let tokens = TokenService(keys: other, clock: h.clock, random: SystemRandomSource(), publicURL: "http://gatehouse.test")
            let session = try #require(try await store.session(tenantId: s.tenant.id, id: try CompactJWS(s.access).decodePayload(AccessTokenClaims.self).sid))
            let issued = try await tokens.issue(session: session, ttl: 300)
            h.clock.advance(by: 2)
            #expect(try await h.verify(s.tenant, issued.token)["valid"] == .bool(true))
        }
    }
}
