import Foundation
import GatehouseCore
import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing

/// Every answer that carries a token or a secret is `Cache-Control: no-store` (RFC 6749 §5.1 asks it of
/// token answers; a shared cache or a browser's history must not keep any of them), in every dialect.
@Suite struct NoStoreTests {
    @Test func everyAnswerHoldingATokenOrSecretIsNoStore() async throws {
        try await withHarness { h in
            var answers: [(String, Reply)] = []
            let created = try await h.post("/v2/tenants", .object(["projectName": "No Store Co"]), headers: ["x-api-key": Harness.systemKey])
            answers.append(("tenant with its secrets", created))
            let t = Harness.TenantSetup(
                id: try #require(created.string("id")), projectKey: try #require(created.string("projectApiKey")),
                adminJWT: try #require(created.string("jwt")), apiPrivateKey: try #require(created.string("apiPrivateKey")))
            _ = try await ClassicAPITests.user(h, tenant: t)
            let classic = try await ClassicAPITests.login(h, headers: t.headers)
            answers.append(("Classic login", classic))
            let refresh = try #require(classic.string("refreshToken"))
            answers.append(("Classic refresh", try await h.post("/api/v1/auth/refresh", .object(["refreshToken": .string(refresh)]), headers: t.headers)))
            let bearer = t.headers.merging(["authorization": "Bearer \(try #require(classic.string("token")))"]) { $1 }
            answers.append(("Classic API key", try await h.post("/api/v1/auth/keys", .object(["name": "k"]), headers: bearer)))
            answers.append(("Enterprise login", try await EnterpriseAuthTests.login(h, t)))
            answers.append(("tenant API key", try await h.post("/v2/api-keys", .object(["name": "k", "permissions": ["users:read"]]), headers: t.admin)))
            let client = try await h.post("/v2/oauth-clients", .object(["name": "c", "grantTypes": ["client_credentials"], "scopes": ["api"]]), headers: t.admin)
            answers.append(("OAuth client with its secret", client))
            let webhook = try await h.post("/v2/webhooks", .object(["url": "https://hooks.example.com/in", "events": ["user.created"]]), headers: t.admin)
            answers.append(("webhook with its secret", webhook))
            let idp = ExternalIssuer.eddsa()
            try await h.registerProvider(t, idp)
            let exchanged = try await h.exchange(t, try idp.token(now: h.clock.now))
            answers.append(("Project token exchange", exchanged))
            let projectRefresh = try #require(exchanged.string("refreshToken"))
            answers.append(("Project refresh", try await h.post("/v2/auth/refresh", .object(["refreshToken": .string(projectRefresh)]), headers: t.headers)))
            for (what, reply) in answers where reply.status < 300 {
                #expect(reply.headers[.cacheControl] == "no-store", "\(what): \(reply.status) \(reply.headers[.cacheControl] ?? "none")")
            }
            // The answers above that must have succeeded did (a refused one proves nothing about its secret).
            #expect(answers.filter { $0.1.status < 300 }.count == answers.count, "\(answers.map { "\($0.0) \($0.1.status)" })")
        }
    }
}
