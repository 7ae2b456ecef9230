import Foundation
import GatehouseCore
import GatehouseServer
import HTTPTypes
import Testing

/// Issue 14: codes of the authorization code flow (RFC 6749 §4.1.2), as the hosted login page will issue
/// them from a browser session.
@Suite struct AuthorizationCodeTests {
    @Test func aCodeIsStoredAsItsHashBoundToTheRequestAndTheSignIn() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let userId = try await ClassicAPITests.user(h, tenant: t)
            let login = try await ClassicAPITests.login(h, headers: t.headers)
            let principal = try await h.engine.auth.authenticate(tenantId: t.id, bearer: try #require(login.string("token")))
            let browser = try #require(try await h.engine.store.session(tenantId: t.id, id: principal.claims.sid))
            let request = AuthorizationGrantRequest(
                clientId: "ghc_app", redirectURI: "https://app.example/cb", scopes: ["openid"], state: "s", nonce: "n",
                codeChallenge: "c", prompt: [], maxAge: nil, loginHint: nil)
            let code = try await h.engine.authorizationCodes.issue(request, browserSession: browser, userId: userId)
            #expect(code.hasPrefix("ghac_") && code.utf8.count >= 5 + 43, "256 bits")
            let stored = try #require(try await h.engine.store.authorizationCode(tenantId: t.id, hash: Digest.sha256Hex(code)))
            #expect(stored.clientId == "ghc_app" && stored.redirectURI == "https://app.example/cb" && stored.nonce == "n")
            #expect(stored.codeChallenge == "c" && stored.scopes == ["openid"] && stored.userId == userId)
            #expect(stored.amr == browser.amr && stored.authTime == browser.authTime && stored.usedAt == nil)
            #expect(stored.expiresAt.timeIntervalSince(stored.createdAt) == 60)
            let events = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 100).map(\.type)
            #expect(events.contains("oauth.code_issued"))
            // Another user's, or an ended, browser session issues nothing.
            await #expect(throws: GatehouseError.self) {
                _ = try await h.engine.authorizationCodes.issue(request, browserSession: browser, userId: UUID().uuidString)
            }
            _ = try await h.engine.sessions.revoke(tenantId: t.id, sessionId: browser.id, reason: "test")
            let ended = try #require(try await h.engine.store.session(tenantId: t.id, id: browser.id))
            await #expect(throws: GatehouseError.self) {
                _ = try await h.engine.authorizationCodes.issue(request, browserSession: ended, userId: userId)
            }
        }
    }

    /// OpenID Connect ID tokens in RS256 need an RSA key beside the tenant's ES256 access-token key: made on
    /// first need, once under concurrency, published in the JWKS; access tokens stay ES256.
    @Test func anRSAKeyJoinsTheRingOnFirstNeed() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            func jwks() async throws -> [[String: JSONValue]] {
                let r = try await h.call(.get, "/t/\(t.id)/.well-known/jwks.json")
                guard case .array(let keys)? = r["keys"] else { return [] }
                return keys.compactMap { if case .object(let o) = $0 { o } else { nil } }
            }
            #expect(try await jwks().allSatisfy { $0["kty"] == .string("EC") })
            let made = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 { group.addTask { try await h.engine.keys.signingKey(tenantId: t.id, algorithm: .RS256).kid } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(made.count == 1, "one RSA key, whoever asks")
            let keys = try await jwks()
            let rsa = keys.filter { $0["kty"] == .string("RSA") }
            #expect(rsa.count == 1 && rsa.first?["alg"] == .string("RS256") && rsa.first?["kid"] == .string(made.first!))
            #expect(keys.count == 2)
            let ring = try await h.engine.keys.ring(tenantId: t.id)
            #expect(ring.currentKey.algorithm == .ES256)
            let again = try await h.engine.keys.signingKey(tenantId: t.id, algorithm: .RS256)
            #expect(again.kid == made.first && again.key.algorithm == .RS256)
        }
    }
}
