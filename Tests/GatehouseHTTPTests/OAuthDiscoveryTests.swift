import Foundation
import GatehouseCore
import HTTPTypes
import Testing

/// Issue 13, item 4: the discovery documents say what exists, and everything they advertise works.
@Suite struct OAuthDiscoveryTests {
    static let origin = "http://gatehouse.test"

    @Test func everyAdvertisedEndpointAndMethodWorks() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let r = try await h.call(.get, "/t/\(t.id)/.well-known/oauth-authorization-server")
            #expect(r.status == 200, "\(r.text)")
            let issuer = "\(Self.origin)/t/\(t.id)"
            #expect(r.string("issuer") == issuer)
            #expect(r["grant_types_supported"] == .array(["authorization_code", "refresh_token", "client_credentials"]))
            #expect(r["response_types_supported"] == .array(["code"]) && r["code_challenge_methods_supported"] == .array(["S256"]))
            #expect(r["authorization_response_iss_parameter_supported"] == .bool(true))
            #expect(r["token_endpoint_auth_methods_supported"] == .array(["client_secret_basic", "client_secret_post", "none"]))
            // RFC 8414 §3.1's form for an issuer with a path answers the same document.
            #expect(try await h.call(.get, "/.well-known/oauth-authorization-server/t/\(t.id)").text == r.text)
            func path(_ key: String) throws -> String {
                let url = try #require(r.string(key))
                #expect(url.hasPrefix(issuer + "/"), "\(key) is under the issuer")
                return String(url.dropFirst(Self.origin.count))
            }
            #expect(try await h.call(.get, try path("jwks_uri"))["keys"]?.arrayValue?.isEmpty == false)
            // Each client authentication method the token endpoint advertises.
            let basic = try await OAuthTokenTests.client(h, t)
            let post = try await OAuthTokenTests.client(h, t, ["tokenEndpointAuthMethod": "client_secret_post"])
            let token = try path("token_endpoint")
            let byBasic = try await OAuthTokenTests.token(h, token, "grant_type=client_credentials", headers: basic.basic)
            #expect(byBasic.status == 200)
            let byPost = try await OAuthTokenTests.token(
                h, token, "grant_type=client_credentials&client_id=\(post.id)&client_secret=\(try #require(post.secret))")
            #expect(byPost.status == 200)
            let access = try #require(byBasic.string("access_token"))
            let introspected = try await OAuthTokenTests.token(h, try path("introspection_endpoint"), "token=\(access)", headers: basic.basic)
            #expect(introspected["active"] == .bool(true))
            // `none` is a revocation method too: a public client revokes (here: nothing of its own).
            let spa = try await h.post(
                "/v2/oauth-clients",
                .object(["name": "SPA", "tokenEndpointAuthMethod": "none", "redirectUris": ["https://app.example.com/cb"]]),
                headers: t.admin)
            let spaId = try #require(spa.string("clientId"))
            #expect(try await OAuthTokenTests.token(h, try path("revocation_endpoint"), "token=\(access)&client_id=\(spaId)").status == 200)
            #expect(try await OAuthTokenTests.token(h, try path("revocation_endpoint"), "token=\(access)", headers: basic.basic).status == 200)
            #expect(try await OAuthTokenTests.token(h, try path("introspection_endpoint"), "token=\(access)", headers: basic.basic).text == #"{"active":false}"#)
            // The code flow's endpoints: the authorization endpoint shows its sign-in page, the token endpoint
            // redeems a code for the ID token algorithms advertised, userinfo answers the code-flow token.
            let f = try await OAuthCodeGrantTests.flow(h, tenant: t)
            let authorize = try path("authorization_endpoint")
            #expect(authorize == "/t/\(t.id)/oauth2/authorize")
            let page = try await h.call(.get, HostedLoginTests.authorizePath(f))
            #expect(page.status == 200 && page.text.contains("<form"))
            let openID = try await h.call(.get, "/t/\(t.id)/.well-known/openid-configuration")
            for alg in try #require(openID["id_token_signing_alg_values_supported"]?.arrayValue).compactMap(\.stringValue) {
                let client = try await OAuthCodeGrantTests.flow(h, ["name": .string("App \(alg)"), "idTokenSignedResponseAlg": .string(alg)], tenant: t)
                let tokens = try await OAuthCodeGrantTests.exchange(h, client, try await OAuthCodeGrantTests.code(h, client))
                #expect(try CompactJWS(try #require(tokens.string("id_token"))).header.alg == alg)
                let access = try #require(tokens.string("access_token"))
                let info = try await h.call(.get, try path("userinfo_endpoint"), headers: ["authorization": "Bearer \(access)"])
                #expect(info.status == 200 && info.string("sub") == f.userId, "\(info.text)")
            }
        }
    }

    @Test func theUnprefixedDocumentsAreTheDefaultTenantsAndOpenIDAddsItsFields() async throws {
        try await withHarness { h in
            let defaultTenant = try #require(try await h.engine.store.defaultTenant())
            let oauth = try await h.call(.get, "/.well-known/oauth-authorization-server")
            #expect(oauth.string("issuer") == "\(Self.origin)/t/\(defaultTenant.id)")
            #expect(oauth["subject_types_supported"] == nil)
            let openID = try await h.call(.get, "/.well-known/openid-configuration")
            #expect(openID.string("issuer") == oauth.string("issuer"))
            #expect(openID["subject_types_supported"] == .array(["public"]))
            let t = try await h.createTenant()
            #expect(try await h.call(.get, "/t/\(t.id)/.well-known/openid-configuration").string("issuer") == "\(Self.origin)/t/\(t.id)")
            #expect(try await h.call(.get, "/t/\(UUID().uuidString)/.well-known/openid-configuration").status == 404)
        }
    }
}
