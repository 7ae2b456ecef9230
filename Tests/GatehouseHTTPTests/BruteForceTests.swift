import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Hummingbird
import Testing

@Suite struct BruteForceTests {
    static func attempt(_ h: Harness, _ t: Harness.TenantSetup, _ password: String) async throws -> Reply {
        try await ClassicAPITests.login(h, "jane.doe", password, headers: t.headers)
    }

    @Test func accountLocksAfterFiveFailuresAndBacksOff() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            for _ in 0..<5 { #expect(try await Self.attempt(h, t, "wrong password").status == 401) }
            // Locked: even the right password is not checked.
            let locked = try await Self.attempt(h, t, "correct horse battery")
            #expect(locked.status == 429)
            #expect(locked.headers[.retryAfter] == "30")
            #expect(locked.json == .object(["error": "Too many failed attempts; try again later"]))
            // Case and Unicode variants of the name are the same account.
            #expect(try await ClassicAPITests.login(h, "JANE.DOE", "x-x-x-x-x", headers: t.headers).status == 429)
            h.clock.advance(by: 31)
            #expect(try await Self.attempt(h, t, "correct horse battery").status == 200, "success clears the account")
            for _ in 0..<5 { _ = try await Self.attempt(h, t, "wrong password") }
            #expect(try await Self.attempt(h, t, "wrong password").headers[.retryAfter] == "30")
            h.clock.advance(by: 31)
            for _ in 0..<5 { _ = try await Self.attempt(h, t, "wrong password") }
            #expect(try await Self.attempt(h, t, "wrong password").headers[.retryAfter] == "60", "each lock doubles")
            // Failures spread over more than the window do not add up.
            h.clock.advance(by: 61)
            for _ in 0..<4 { _ = try await Self.attempt(h, t, "wrong password") }
            h.clock.advance(by: 15 * 60 + 1)
            #expect(try await Self.attempt(h, t, "wrong password").status == 401)
            #expect(try await Self.attempt(h, t, "correct horse battery").status == 200)
        }
    }

    @Test(arguments: TestDatabase.kinds) func countersAreSharedByNodes(kind: String) async throws {
        try await withTwoNodes(kind: kind) { a, b in
            let t = try await a.createTenant()
            _ = try await ClassicAPITests.user(a, tenant: t)
            for i in 0..<5 { #expect(try await Self.attempt(i % 2 == 0 ? a : b, t, "wrong password").status == 401) }
            #expect(try await Self.attempt(a, t, "correct horse battery").status == 429)
            #expect(try await Self.attempt(b, t, "correct horse battery").status == 429)
        }
    }

    @Test func addressLimitCoversManyAccounts() async throws {
        try await withHarness(configure: { $0.engine.bruteForce.addressLimit = 3 }) { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            let tenant = try #require(try await h.engine.store.tenant(id: t.id))
            for name in ["a", "b", "c"] {
                await #expect(throws: GatehouseError.self) {
                    _ = try await h.engine.login.login(tenant: tenant, login: name, password: "guess", clientAddress: "203.0.113.7", via: .classic)
                }
            }
            do {
                _ = try await h.engine.login.login(
                    tenant: tenant, login: "jane.doe", password: "correct horse battery", clientAddress: "203.0.113.7", via: .classic)
                Issue.record("the address should be locked")
            } catch let e as GatehouseError {
                #expect(e.code == .throttled)
            }
            // Another address is not affected.
            guard
                case .signedIn(let user, _) = try await h.engine.login.login(
                    tenant: tenant, login: "jane.doe", password: "correct horse battery", clientAddress: "198.51.100.1", via: .classic)
            else { Issue.record("no session"); return }
            #expect(user.username == "jane.doe")
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() {
        let r = ClientAddressResolver(trustedProxies: ["10.0.0.1", "10.0.0.2"])
        #expect(r.resolve(peer: "198.51.100.9", forwardedFor: "1.2.3.4") == "198.51.100.9")
        #expect(r.resolve(peer: "10.0.0.1", forwardedFor: "1.2.3.4") == "1.2.3.4")
        #expect(r.resolve(peer: "10.0.0.1", forwardedFor: "6.6.6.6, 1.2.3.4, 10.0.0.2") == "1.2.3.4", "spoofed left entries ignored")
        #expect(r.resolve(peer: "10.0.0.1", forwardedFor: nil) == "10.0.0.1")
        #expect(r.resolve(peer: nil, forwardedFor: "1.2.3.4") == nil)
    }
}
