import Foundation
import GatehouseCore
import HTTPTypes
import Testing

/// Issue 16, item 4: a request head past the limits is refused before any route reads it (431 for too
/// many or too large header fields, 414 for a long target); at the limits it is served. The decoder's own
/// bound beyond these (the connection closed) is checked over a real socket in e2e/test_hardening.py.
@Suite struct RequestLimitsTests {
    @Test func headFieldsAndTargetArePinnedAtTheirLimits() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            var hundred = t.admin
            for i in hundred.count..<100 { hundred["x-filler-\(i)"] = "v" }
            #expect(try await h.call(.get, "/v2/users", headers: hundred).status == 200, "100 fields are allowed")
            var many = hundred
            many["x-one-more"] = "v"
            for path in ["/v2/users", "/health/live"] {
                let r = try await h.call(.get, path, headers: many)
                #expect(r.status == 431 && r.string("code") == "REQUEST_HEADER_FIELDS_TOO_LARGE", "\(path): \(r.status) \(r.text)")
            }
            // Worded in each dialect: the Classic seed's {"error"}, OAuth's invalid_request.
            let classic = try await h.post("/api/v1/auth/login", .object(["username": "a", "password": "b"]), headers: many)
            #expect(classic.status == 431 && classic.string("error")?.contains("header") == true, "\(classic.text)")
            let oauth = try await h.call(.post, "/oauth2/token", headers: many, body: "grant_type=client_credentials", contentType: OAuthTokenTests.form)
            #expect(oauth.status == 431 && oauth.string("error") == "invalid_request", "\(oauth.text)")
            var large = t.admin
            large["x-large"] = String(repeating: "a", count: 16 * 1024)
            #expect(try await h.call(.get, "/v2/users", headers: large).status == 431)
            large["x-large"] = String(repeating: "a", count: 15 * 1024)
            #expect(try await h.call(.get, "/v2/users", headers: large).status == 200)
            let long = "/v2/users?cursor=" + String(repeating: "a", count: 8 * 1024)
            #expect(try await h.call(.get, long, headers: t.admin).status == 414)
            let atLimit = "/health/live?" + String(repeating: "a", count: 8 * 1024 - 13)
            #expect(try await h.call(.get, atLimit).status == 200)
        }
    }
}
