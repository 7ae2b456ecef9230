import Foundation
import GatehouseCore
import Testing

/// Issue 10, item 13: failed `/v2/auth/token` calls are throttled per client address and cannot flood the
/// audit log: one event per address and reason per minute, carrying how many failures it stands for.
@Suite struct ExchangeFailureTests {
    @Test func failuresAreThrottledAndCoalesced() async throws {
        try await withHarness { h in
            let (t, idp) = try await h.tenantWithProvider()
            let tenant = try #require(try await h.engine.store.tenant(id: t.id))
            func attempt(from address: String = "203.0.113.9") async -> GatehouseError.Code? {
                do {
                    // The same failure every time: a token for another audience.
                    let garbage = TokenExchangeRequest(authToken: try idp.token(aud: "someone-else", now: h.clock.now))
                    _ = try await h.engine.auth.exchange(tenant: tenant, garbage, clientAddress: address)
                    return nil
                } catch let e as GatehouseError {
                    return e.code
                } catch {
                    return .internalError
                }
            }
            func failureEvents() async throws -> [AuditEvent] {
                try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000)
                    .filter { $0.type == "login.failed" && $0.data.contains(#""method":"external""#) }
            }
            var codes: [GatehouseError.Code?] = []
            for _ in 0..<60 { codes.append(await attempt()) }
            // The address limit (50 in 15 minutes) applies, as to password logins.
            #expect(codes.prefix(49).allSatisfy { $0 == .invalidToken }, "\(codes)")
            #expect(codes.suffix(10).allSatisfy { $0 == .throttled }, "\(codes)")
            #expect(try await failureEvents().count == 1, "one event for a minute's run")
            // Another address has its own budget and its own event.
            #expect(await attempt(from: "198.51.100.4") == .invalidToken)
            #expect(try await failureEvents().count == 2)
            // A minute on, the next failure is recorded with the count of the run it ends.
            h.clock.advance(by: 15 * 60 + 1)
            #expect(await attempt() == .invalidToken)
            let events = try await failureEvents()
            #expect(events.count == 3)
            let data = try JSONDecoder().decode([String: JSONValue].self, from: Data(try #require(events.last).data.utf8))
            #expect(data["count"] == .number(50), "\(data)")
            // A valid exchange from the same address still works.
            let ok = try await h.engine.auth.exchange(
                tenant: tenant, TokenExchangeRequest(authToken: try idp.token(now: h.clock.now)), clientAddress: "203.0.113.9")
            #expect(!ok.accessToken.isEmpty)
        }
    }
}
