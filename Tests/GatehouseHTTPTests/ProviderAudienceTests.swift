import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Hummingbird
import Testing

/// Issue 10, item 5: an external provider names the audience its tokens must carry.
@Suite struct ProviderAudienceTests {
    @Test func everyProviderNamesAnAudience() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let idp = ExternalIssuer.eddsa()
            let none = try await h.post("/v2/identity-providers", .object(["issuer": .string(idp.issuer), "jwks": idp.jwksValue]), headers: t.admin)
            #expect(none.status == 400, "\(none.text)")
            #expect(none["details"]?.objectValue?["field"] == .string("audience"))
            for bad: JSONValue in ["", [], [""], 7, ["ok", 3]] {
                let r = try await h.post(
                    "/v2/identity-providers", .object(["issuer": .string(idp.issuer), "jwks": idp.jwksValue, "audience": bad]), headers: t.admin)
                #expect(r.status == 400, "audience \(bad): \(r.text)")
            }
            // A list: a token for any of them is accepted, for another one refused.
            let created = try await h.post(
                "/v2/identity-providers",
                .object(["issuer": .string(idp.issuer), "jwks": idp.jwksValue, "audience": ["web-app", "ios-app"]]), headers: t.admin)
            #expect(created.status == 201, "\(created.text)")
            #expect(created["audience"] == ["web-app", "ios-app"])
            #expect(try await h.exchange(t, try idp.token(aud: "ios-app", now: h.clock.now)).status == 200)
            #expect(try await h.exchange(t, try idp.token(aud: "web-app", now: h.clock.now)).status == 200)
            #expect(try await h.exchange(t, try idp.token(aud: "someone-else", now: h.clock.now)).status == 401)
            #expect(try await h.exchange(t, try idp.token(aud: nil, now: h.clock.now)).status == 401)
        }
    }

    /// A provider stored before audiences were required refuses every token, a warning names it at start,
    /// and an admin can give it one.
    @Test func aProviderWithoutAudienceRefusesTokensUntilOneIsSet() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let idp = ExternalIssuer.es256()
            let id = UUID().uuidString.lowercased()
            _ = try await h.engine.store.insertIdentityProvider(
                IdentityProvider(
                    id: id, tenantId: t.id, issuer: idp.issuer, jwks: idp.jwksJSON, jwksUri: nil, audiences: [],
                    algorithms: ExternalAlgorithm.allCases, emailClaim: "email", createdAt: h.clock.now))
            let refused = try await h.exchange(t, try idp.token(now: h.clock.now))
            #expect(refused.status == 401)
            #expect(refused.string("error")?.contains("audience") == true, "\(refused.text)")
            await h.runtime.warnAboutProvidersWithoutAudience()
            #expect(h.logs.all.contains(idp.issuer) && h.logs.all.contains(id), "the warning names the provider")
            let patched = try await h.call(.patch, "/v2/identity-providers/\(id)", headers: t.admin, json: .object(["audience": "gatehouse-tests"]))
            #expect(patched.status == 200, "\(patched.status) \(patched.text)")
            #expect(patched["audience"] == ["gatehouse-tests"])
            #expect(try await h.exchange(t, try idp.token(now: h.clock.now)).status == 200)
            #expect(try await h.call(.patch, "/v2/identity-providers/\(id)", headers: t.admin, json: .object(["audience": []])).status == 400)
            #expect(try await h.call(.patch, "/v2/identity-providers/\(UUID().uuidString)", headers: t.admin, json: .object(["audience": "x"])).status == 404)
        }
    }
}
