import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing

/// Every JSON endpoint against malformed input: a clear 4xx, never a 500.
@Suite struct BadInputTests {
    static let projectKeyPosts = ["/v2/auth/token", "/v2/auth/refresh", "/v2/auth/verify"]
    static let adminPosts = ["/v2/businesses", "/v2/identity-providers", "/v2/admins"]

    @Test func malformedBodies() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let biz = try await h.post("/v2/businesses", .object(["name": "B"]), headers: t.admin)
            let bizId = try #require(biz.string("id"))
            var targets: [(String, [String: String], String)] = []
            targets += Self.projectKeyPosts.map { ($0, t.headers, "POST") }
            targets += (Self.adminPosts + ["/v2/businesses/\(bizId)/memberships"]).map { ($0, t.admin, "POST") }
            targets += [("/v2/tenants", ["x-api-key": Harness.systemKey], "POST"), ("/v2/tenants", t.admin, "PUT")]
            let big = "{\"authToken\":\"" + String(repeating: "a", count: 70 * 1024) + "\"}"
            for (path, headers, m) in targets {
                let method: HTTPRequest.Method = m == "PUT" ? .put : .post
                func send(_ body: String, _ type: String = "application/json") async throws -> Reply {
                    try await h.call(method, path, headers: headers, body: body, contentType: type)
                }
                let notJSON = try await send("{nope")
                #expect(notJSON.status == 400, "\(path) not JSON: \(notJSON.status)")
                #expect(notJSON.string("code") != nil)
                #expect(try await send("[1,2]").status == 400, "\(path) array body")
                #expect(try await send("\"text\"").status == 400, "\(path) string body")
                #expect(try await send("").status == 400, "\(path) empty body")
                #expect(try await send("{}", "text/plain").status == 415, "\(path) wrong content type")
                #expect(try await send(big).status == 413, "\(path) 70 KiB body")
                let wrongTypes = try await send(
                    #"{"authToken":12,"refreshToken":true,"name":[],"issuer":{},"userId":5,"projectName":1,"role":2}"#)
                #expect(wrongTypes.status == 400, "\(path) wrong types: \(wrongTypes.text)")
                let missing = try await send(#"{"unrelated":"field"}"#)
                #expect(missing.status == 400 || (m == "PUT" && missing.status == 200), "\(path) missing fields: \(missing.status)")
            }
        }
    }

    @Test func fieldErrorsNameTheField() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let r = try await h.post("/v2/auth/token", .object(["authToken": .number(3)]), headers: t.headers)
            #expect(r.status == 400)
            #expect(r["details"]?.objectValue?["field"] == .string("authToken"))
            let missing = try await h.post("/v2/auth/token", .object([:]), headers: t.headers)
            #expect(missing["details"]?.objectValue?["field"] == .string("authToken"))
            let long = try await h.post(
                "/v2/businesses", .object(["name": .string(String(repeating: "n", count: 300))]), headers: t.admin)
            #expect(long.status == 400)
            let emptyName = try await h.post("/v2/businesses", .object(["name": "   "]), headers: t.admin)
            #expect(emptyName.status == 400)
            let extra = try await h.post(
                "/v2/businesses", .object(["name": "Fine", "unexpected": .object(["nested": .array([1, 2])])]), headers: t.admin)
            #expect(extra.status == 201, "unknown fields are ignored")
        }
    }

    @Test func garbageCredentials() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            for bearer in ["", "Bearer", "Bearer ", "Basic abc", "Bearer a.b.c", "Bearer " + String(repeating: "x", count: 12000)] {
                let r = try await h.call(.get, "/v2/businesses", headers: ["authorization": bearer, "x-project-key": t.projectKey])
                #expect(r.status == 401, "\(bearer.prefix(12)): \(r.status)")
            }
            // Past the 16 KiB header block no route reads it (RequestLimitsTests).
            let huge = try await h.call(
                .get, "/v2/businesses", headers: ["authorization": "Bearer " + String(repeating: "x", count: 20000), "x-project-key": t.projectKey])
            #expect(huge.status == 431)
            let verify = try await h.verify(t, String(repeating: "e30.", count: 3))
            #expect(verify.status == 200 && verify["valid"] == .bool(false))
            #expect(try await h.post("/v2/auth/verify", .object(["authToken": "x"]), headers: ["x-project-key": "garbage"]).status == 401)
        }
    }

    @Test func identityProviderValidation() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let idp = ExternalIssuer.eddsa()
            func create(_ body: JSONValue) async throws -> Reply { try await h.post("/v2/identity-providers", body, headers: t.admin) }
            #expect(try await create(.object(["audience": "aud", "issuer": "https://x"])).status == 400, "needs keys")
            #expect(try await create(.object(["audience": "aud", "issuer": "https://x", "jwks": idp.jwksValue, "jwksUri": "https://x/jwks"])).status == 400)
            #expect(try await create(.object(["audience": "aud", "issuer": "https://x", "jwks": .object(["keys": .array([])])])).status == 400)
            #expect(try await create(.object(["audience": "aud", "issuer": "https://x", "jwks": .string("nope")])).status == 400)
            #expect(try await create(.object(["audience": "aud", "issuer": "https://x", "jwksUri": "ftp://x"])).status == 400)
            #expect(try await create(.object(["audience": "aud", "issuer": "https://x", "jwks": idp.jwksValue, "algorithms": ["HS256"]])).status == 400)
            let privateJWKS: JSONValue = .object(["keys": .array([.object(["kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"])])])
            #expect(try await create(.object(["audience": "aud", "issuer": "https://x", "jwks": privateJWKS])).status == 400, "private keys refused")
            let ok = try await create(.object(["audience": "aud", "issuer": .string(idp.issuer), "jwks": idp.jwksValue, "algorithms": ["EdDSA"]]))
            #expect(ok.status == 201)
            #expect(try await create(.object(["audience": "aud", "issuer": .string(idp.issuer), "jwks": idp.jwksValue])).status == 409)
            let id = try #require(ok.string("id"))
            let got = try await h.call(.get, "/v2/identity-providers/\(id)", headers: t.admin)
            #expect(got.string("issuer") == idp.issuer)
            #expect(try await h.call(.get, "/v2/identity-providers", headers: t.admin)["data"]?.arrayValue?.count == 1)
            #expect(try await h.call(.delete, "/v2/identity-providers/\(id)", headers: t.admin).status == 204)
            #expect(try await h.call(.delete, "/v2/identity-providers/\(id)", headers: t.admin).status == 404)
        }
    }
}


/// Every registered route, with garbage in every path parameter and query, with and without credentials:
/// never a 500.
@Suite struct EveryRouteTests {
    @Test func garbageNeverProducesA500() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let garbage = ["x", "00000000-0000-0000-0000-000000000000", "%00", String(repeating: "z", count: 300), "..%2F..%2Fetc"]
            let credentials: [[String: String]] = [[:], t.headers, t.admin, ["authorization": "Bearer nope", "x-project-key": "nope"]]
            // Each router path's error dialect, from the route table (OPTIONS answers in its path's).
            var dialects: [String: ErrorDialect] = [:]
            for r in RouteTableTests.table(h).routes { dialects[Route.routerPath(r.path).description] = r.dialect }
            for route in h.routes {
                let dialect = dialects[route.path] ?? .json
                for g in garbage {
                    let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? g : String($0) }.joined(separator: "/")
                    for headers in credentials {
                        let method = HTTPRequest.Method(route.method)!
                        let body: JSONValue? = method == .get || method == .delete ? nil : .object(["x": .string(g)])
                        let r = try await h.call(method, "/" + path + "?limit=\(g)&cursor=\(g)", headers: headers, json: body)
                        #expect(r.status < 500, "\(route.method) /\(path): \(r.status) \(r.text)")
                        if r.status >= 400, dialect == .html {
                            #expect(r.headers[.contentType]?.hasPrefix("text/html") == true, "\(route.method) /\(path) page")
                        } else if r.status >= 400 {
                            // The Classic dialect answers the seed's {"error": "..."} and OAuth RFC 6749 §5.2's
                            // {"error", "error_description"}; the others add a code.
                            let codeless = dialect == .classic || dialect == .oauth
                            #expect(r.string(codeless ? "error" : "code") != nil, "\(route.method) /\(path) error body")
                            if codeless { #expect(r["code"] == nil, "\(route.method) /\(path) Classic or OAuth error shape") }
                        }
                    }
                }
            }
        }
    }
}
