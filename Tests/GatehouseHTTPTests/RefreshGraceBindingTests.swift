import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Testing

/// Issue 10, item 8: the grace window of a spent refresh token answers only the client that spent it.
@Suite struct RefreshGraceBindingTests {
    static func refresh(_ h: Harness, _ s: RefreshTests.Session, _ token: String, access: String?, agent: String? = nil) async throws -> Reply {
        var body: [String: JSONValue] = ["refreshToken": .string(token)]
        if let access { body["accessToken"] = .string(access) }
        var headers = s.tenant.headers
        if let agent { headers["user-agent"] = agent }
        return try await h.post("/v2/auth/refresh", .object(body), headers: headers)
    }

    @Test func withTheAccessTokenIssuedBesideIt() async throws {
        try await withHarness { h in
            let s = try await RefreshTests.login(h)
            let first = try await Self.refresh(h, s, s.refresh, access: s.access)
            let successor = try #require(first.string("refreshToken"))
            // The lost response, retried with the same pair: the same successor.
            let retry = try await Self.refresh(h, s, s.refresh, access: s.access)
            #expect(retry.status == 200 && retry.string("refreshToken") == successor, "\(retry.text)")
            // The spent token with any other access token is reuse: the session ends.
            let other = try await Self.refresh(h, s, s.refresh, access: try #require(first.string("accessToken")))
            #expect(other.status == 401)
            #expect(try await Self.refresh(h, s, successor, access: nil).status == 401, "the family is revoked")
            #expect(try await h.verify(s.tenant, s.access)["valid"] == .bool(false))
        }
    }

    @Test func withoutOneTheSameClientOnly() async throws {
        try await withHarness { h in
            let s = try await RefreshTests.login(h)
            let first = try await Self.refresh(h, s, s.refresh, access: nil, agent: "AcmeApp/2.1")
            let successor = try #require(first.string("refreshToken"))
            let retry = try await Self.refresh(h, s, s.refresh, access: nil, agent: "AcmeApp/2.1")
            #expect(retry.status == 200 && retry.string("refreshToken") == successor, "\(retry.text)")
            let stranger = try await Self.refresh(h, s, s.refresh, access: nil, agent: "curl/8.5")
            #expect(stranger.status == 401, "another client presenting the spent token is reuse")
            #expect(try await Self.refresh(h, s, successor, access: nil, agent: "AcmeApp/2.1").status == 401)
        }
    }

    @Test func theClassicAndEnterpriseRefreshesBindToo() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            let login = try await ClassicAPITests.login(h, headers: t.headers)
            let r0 = try #require(login.string("refreshToken"))
            func classic(_ token: String, _ agent: String) async throws -> Reply {
                try await h.post("/api/v1/auth/refresh", .object(["refreshToken": .string(token)]), headers: t.headers.merging(["user-agent": agent]) { a, _ in a })
            }
            let r1 = try #require(try await classic(r0, "A/1").string("refreshToken"))
            #expect(try await classic(r0, "A/1").string("refreshToken") == r1)
            #expect(try await classic(r0, "B/1").status == 401)
            #expect(try await classic(r1, "A/1").status == 401)
        }
    }
}
