import Foundation
import GatehouseCore
import GatehouseStore
import HTTPTypes
import Hummingbird
import Testing

/// Issue 10, items 11 and 12: strings no database can store, control characters in identifiers, and login
/// names that could mean two accounts.
@Suite struct InputHygieneTests {
    /// A JSON body whose one string field carries `\u0000` (as the six characters of the escape).
    static func withNUL(_ field: String, _ prefix: String = "jane") -> String {
        #"{"\#(field)":"\#(prefix)\u0000x","password":"correct horse battery","email":"a@example.com","name":"n"}"#
    }

    @Test(arguments: TestDatabase.kinds) func aNULInAnyStringIsRefusedBeforeAnyQuery(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            let cases: [(HTTPRequest.Method, String, [String: String], String)] = [
                (.post, "/api/v1/auth/login", t.headers, Self.withNUL("username")),
                (.post, "/auth/login", t.headers, Self.withNUL("email")),
                (.post, "/auth/login", t.headers, #"{"email":"jane.doe@example.com","password":"correct\u0000horse"}"#),
                (.post, "/v2/users", t.admin, Self.withNUL("username")),
                (.post, "/v2/businesses", t.admin, Self.withNUL("name", "Cafe")),
                (.post, "/v2/auth/token", t.headers, #"{"authToken":"x","context":{"businessId":"\u0000"}}"#),
                (.post, "/v2/auth/refresh", t.headers, #"{"refreshToken":"rt_\u0000"}"#),
                (.post, "/api/v1/auth/keys", bearer, Self.withNUL("name", "ci")),
                (.post, "/auth/webauthn/check", t.headers, #"{"email":"\u0000@example.com"}"#),
            ]
            for (method, path, headers, body) in cases {
                let r = try await h.call(method, path, headers: headers, body: body)
                #expect(r.status == 400, "\(path) \(body): \(r.status) \(r.text)")
                #expect(r.text.contains("U+0000"), "\(path): \(r.text)")
            }
            // An escaped backslash followed by "u0000" is seven ordinary characters, not a NUL.
            let literal = try await h.call(.post, "/v2/businesses", headers: t.admin, body: #"{"name":"C:\\u0000dir"}"#)
            #expect(literal.status == 201, "\(literal.text)")
            #expect(literal.string("name") == #"C:\u0000dir"#)
            // Query strings too.
            #expect(try await h.call(.get, "/v2/users?email=a%00b@example.com", headers: t.admin).status == 400)
        }
    }

    @Test func controlCharactersInIdentifiersAreRefused() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            for bad in ["jane\u{07}doe", "jane\ndoe", "jane\tdoe", "jane\u{7F}", "jane\u{85}doe", "\u{1B}[31mjane"] {
                let user = try await h.post("/v2/users", .object(["username": .string(bad), "password": "correct horse battery"]), headers: t.admin)
                #expect(user.status == 400, "username \(bad.debugDescription): \(user.text)")
                let email = try await h.post("/v2/users", .object(["email": .string(bad + "@example.com")]), headers: t.admin)
                #expect(email.status == 400, "email \(bad.debugDescription): \(email.text)")
                let business = try await h.post("/v2/businesses", .object(["name": .string(bad)]), headers: t.admin)
                #expect(business.status == 400, "business \(bad.debugDescription): \(business.text)")
                let login = try await ClassicAPITests.login(h, bad, "whatever", headers: t.headers)
                #expect(login.status == 400, "login \(bad.debugDescription): \(login.text)")
                let key = try await h.post("/api/v1/auth/keys", .object(["name": .string(bad)]), headers: bearer)
                #expect(key.status == 400, "key name \(bad.debugDescription): \(key.text)")
            }
            // A PEM public key keeps its line breaks.
            let signer = DeviceSigner.es256()
            let pem = try await DeviceUser.registerChallenge(h, bearer: bearer, signer: signer, fingerprint: "fp-pem", format: .pem)
            #expect(pem.status == 200, "\(pem.text)")
        }
    }

    @Test func aUsernameCannotLookLikeAnEmail() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let at = try await h.post("/v2/users", .object(["username": "bob@example.com", "password": "correct horse battery"]), headers: t.admin)
            #expect(at.status == 400, "\(at.text)")
            #expect(at["details"]?.objectValue?["field"] == .string("username"))
            let id = try await ClassicAPITests.user(h, tenant: t)
            let rename = try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["username": "carol@example.com"]))
            #expect(rename.status == 400, "\(rename.text)")
        }
    }

    /// A username equal to another user's email (possible only in data older than the rule above): the
    /// login name means the account with that username, always.
    @Test(arguments: TestDatabase.kinds) func theLoginLookupPrefersTheExactUsername(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            // The email owner first, so that insertion order would favour them.
            _ = try await ClassicAPITests.user(h, username: "owner", email: "carol@example.com", password: "the email owner's pass", tenant: t)
            let hash = try await h.engine.passwords.hash("the legacy user's pass")
            let now = h.clock.now
            _ = try await h.engine.store.insertLocalUser(
                User(id: UUID().uuidString, tenantId: t.id, email: nil, username: "carol@example.com", createdAt: now, updatedAt: now),
                passwordHash: hash)
            for _ in 0..<3 {
                #expect(try await ClassicAPITests.login(h, "carol@example.com", "the legacy user's pass", headers: t.headers).status == 200)
            }
            // The email owner signs in by their username.
            #expect(try await ClassicAPITests.login(h, "owner", "the email owner's pass", headers: t.headers).status == 200)
        }
    }
}
