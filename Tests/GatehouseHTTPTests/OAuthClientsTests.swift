import Foundation
import GatehouseCore
import HTTPTypes
import Testing

/// Issue 13, item 1: OAuth clients per tenant, registered by the tenant admin (RFC 6749 §2; redirect URIs
/// compared exactly, RFC 9700 §2.1).
@Suite struct OAuthClientsTests {
    static func register(_ h: Harness, _ t: Harness.TenantSetup, _ body: [String: JSONValue]) async throws -> Reply {
        try await h.post("/v2/oauth-clients", .object(body), headers: t.admin)
    }

    static let service: [String: JSONValue] = [
        "name": "Billing service", "grantTypes": ["client_credentials"], "scopes": ["read", "write"],
    ]

    @Test func aClientIsRegisteredListedChangedAndDeleted() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let created = try await Self.register(h, t, Self.service)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.string("clientId"))
            #expect(id.hasPrefix("ghc_"))
            #expect(created.string("clientSecret")?.hasPrefix("ghs_") == true)
            #expect(created.string("tokenEndpointAuthMethod") == "client_secret_basic")
            #expect(created["requirePkce"] == .bool(true) && created["firstParty"] == .bool(false))
            #expect(created["accessTokenTtl"] == .null)
            let read = try await h.call(.get, "/v2/oauth-clients/\(id)", headers: t.admin)
            #expect(read.status == 200 && read["clientSecret"] == nil)
            #expect(read["scopes"] == .array(["read", "write"]))
            let list = try await h.call(.get, "/v2/oauth-clients", headers: t.admin)
            #expect(list["data"]?.arrayValue?.count == 1)
            let changed = try await h.call(
                .patch, "/v2/oauth-clients/\(id)", headers: t.admin, json: .object(["name": "Billing", "accessTokenTtl": 120]))
            #expect(changed.status == 200 && changed.string("name") == "Billing" && changed["accessTokenTtl"] == .number(120))
            #expect(changed["clientSecret"] == nil)
            // Another tenant's admin sees nothing of it.
            let other = try await h.createTenant("Other")
            #expect(try await h.call(.get, "/v2/oauth-clients/\(id)", headers: other.admin).status == 404)
            #expect(try await h.call(.delete, "/v2/oauth-clients/\(id)", headers: other.admin).status == 404)
            #expect(try await h.call(.delete, "/v2/oauth-clients/\(id)", headers: t.admin).status == 204)
            #expect(try await h.call(.get, "/v2/oauth-clients/\(id)", headers: t.admin).status == 404)
            let events = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 100).map(\.type)
            #expect(events.contains("oauth_client.created") && events.contains("oauth_client.updated"))
            #expect(events.contains("oauth_client.deleted"))
        }
    }

    @Test func aPublicClientHasNoSecretAndAlwaysUsesPKCE() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let spa = try await Self.register(
                h, t,
                ["name": "SPA", "tokenEndpointAuthMethod": "none", "redirectUris": ["https://app.example.com/callback"]])
            #expect(spa.status == 201, "\(spa.text)")
            #expect(spa["clientSecret"] == nil && spa["requirePkce"] == .bool(true))
            #expect(spa["grantTypes"] == .array(["authorization_code", "refresh_token"]))
            let id = try #require(spa.string("clientId"))
            #expect(try await h.call(.post, "/v2/oauth-clients/\(id)/secret", headers: t.admin).status == 409)
            let pkceOff = try await h.call(.patch, "/v2/oauth-clients/\(id)", headers: t.admin, json: .object(["requirePkce": false]))
            #expect(pkceOff.status == 400 && pkceOff.string("code") == "INVALID_FIELD")
            // Made confidential, it gets a secret, shown in that answer.
            let confidential = try await h.call(
                .patch, "/v2/oauth-clients/\(id)", headers: t.admin, json: .object(["tokenEndpointAuthMethod": "client_secret_post"]))
            #expect(confidential.status == 200 && confidential.string("clientSecret")?.hasPrefix("ghs_") == true)
        }
    }

    @Test func registrationRefusals() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let code: [String: JSONValue] = ["name": "Web app", "grantTypes": ["authorization_code"]]
            func with(_ extra: [String: JSONValue], base: [String: JSONValue] = code) -> [String: JSONValue] {
                base.merging(extra) { $1 }
            }
            let refused: [(String, [String: JSONValue])] = [
                ("a fragment", with(["redirectUris": ["https://app.example.com/cb#x"]])),
                ("http on a public host", with(["redirectUris": ["http://app.example.com/cb"]])),
                ("a wildcard", with(["redirectUris": ["https://*.example.com/cb"]])),
                ("a relative URI", with(["redirectUris": ["/cb"]])),
                ("javascript", with(["redirectUris": ["javascript:alert(1)"]])),
                ("user information", with(["redirectUris": ["https://user:pw@app.example.com/cb"]])),
                ("no redirect URI for the code grant", code),
                ("an unknown grant", with(["grantTypes": ["password"], "redirectUris": ["https://a.example/cb"]])),
                ("refresh_token alone", with(["grantTypes": ["refresh_token"]])),
                ("no grant", with(["grantTypes": [], "redirectUris": ["https://a.example/cb"]])),
                ("client_credentials for a public client", with(["tokenEndpointAuthMethod": "none"], base: Self.service)),
                ("an unknown auth method", with(["tokenEndpointAuthMethod": "private_key_jwt"], base: Self.service)),
                ("a scope with a space", with(["scopes": ["read write"]], base: Self.service)),
                ("a scope with a quote", with(["scopes": ["re\"ad"]], base: Self.service)),
                ("a TTL too long", with(["accessTokenTtl": 999_999], base: Self.service)),
                ("an unknown id token alg", with(["idTokenSignedResponseAlg": "none"], base: Self.service)),
                ("no name", ["grantTypes": ["client_credentials"]]),
                ("a blank name", with(["name": "  "], base: Self.service)),
                ("a control character in the name", with(["name": "a\u{7}b"], base: Self.service)),
                ("redirect URIs of the wrong type", with(["redirectUris": "https://a.example/cb"])),
                ("a name of the wrong type", with(["name": 5], base: Self.service)),
            ]
            for (why, body) in refused {
                let r = try await Self.register(h, t, body)
                #expect(r.status == 400, "\(why): \(r.status) \(r.text)")
                #expect(r.string("code") != nil, "\(why)")
            }
            // What is allowed: loopback http, a native app's private-use scheme, exact https.
            let ok = try await Self.register(
                h, t,
                with(["redirectUris": ["http://127.0.0.1:8400/cb", "http://localhost/cb", "com.example.app:/oauth2redirect", "https://app.example.com/cb?x=1"]]))
            #expect(ok.status == 201, "\(ok.text)")
            let events = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 100).map(\.type)
            #expect(events.filter { $0 == "oauth_client.created" }.count == 1)
        }
    }
}
