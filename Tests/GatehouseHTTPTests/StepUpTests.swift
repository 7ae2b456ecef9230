import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseOutbound
import GatehouseServer
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// Issue 10, item 3: a stolen access token mints no lasting credential.
@Suite struct StepUpTests {
    static let shortStepUp: @Sendable (inout ServerConfiguration) -> Void = { $0.engine.stepUpMaxAge = 2 }

    static func expectStepUp(_ r: Reply, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 401, "\(what): \(r.text)", sourceLocation: sourceLocation)
        #expect(r.string("code") == "STEP_UP_REQUIRED", "\(what): \(r.text)", sourceLocation: sourceLocation)
    }

    @Test func enrolmentNeedsARecentSignIn() async throws {
        try await withHarness(configure: Self.shortStepUp) { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            let login = try await EnterpriseAuthTests.login(h, t)
            let refresh = try #require(login["tokens"]?.objectValue?["refreshToken"]?.stringValue)
            h.clock.advance(by: 3)

            func attempts(_ bearer: [String: String]) async throws -> [(String, Reply)] {
                [
                    ("device key", try await DeviceUser.registerChallenge(h, bearer: bearer, signer: .es256(), fingerprint: "fp-late")),
                    ("passkey", try await h.post("/auth/webauthn/register/start", .object(["name": "Key"]), headers: bearer)),
                    ("API key", try await h.post("/api/v1/auth/keys", .object(["name": "ci"]), headers: bearer)),
                    ("TOTP", try await h.call(.post, "/auth/otp/setup", headers: bearer)),
                ]
            }
            for (what, r) in try await attempts(bearer) { Self.expectStepUp(r, what) }
            // A refresh does not count as signing in again.
            let refreshed = try await h.post("/auth/refresh", .object(["refreshToken": .string(refresh)]), headers: t.headers)
            let renewed = try #require(refreshed.string("accessToken"), "\(refreshed.text)")
            for (what, r) in try await attempts(["authorization": "Bearer \(renewed)", "x-project-key": t.projectKey]) {
                Self.expectStepUp(r, "\(what) after a refresh")
            }
            // Signing in again opens every enrolment.
            let fresh = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            let freshBearer = ["authorization": "Bearer \(fresh)", "x-project-key": t.projectKey]
            for (what, r) in try await attempts(freshBearer) {
                #expect(r.status == 200 || r.status == 201, "\(what): \(r.text)")
            }
            // The Classic dialect names the reason in its own body shape.
            h.clock.advance(by: 3)
            let classic = try await h.post("/api/v1/auth/keys", .object(["name": "late"]), headers: freshBearer)
            #expect(classic.json == .object(["error": "Recent sign-in required", "code": "STEP_UP_REQUIRED"]))
        }
    }

    @Test func theMFAPendingTokenMaySetUpTheFirstTOTP() async throws {
        try await withHarness(configure: Self.shortStepUp) { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": true])).status == 200)
            let pending = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            h.clock.advance(by: 3)
            let setup = try await h.call(.post, "/auth/otp/setup", headers: ["authorization": "Bearer \(pending)", "x-project-key": t.projectKey])
            #expect(setup.status == 200, "\(setup.text)")
        }
    }

    /// The OTP step is not a new primary sign-in: the session's auth_time is the password's.
    @Test func anOTPCheckDoesNotRenewTheSignIn() async throws {
        try await withHarness(configure: Self.shortStepUp) { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": true])).status == 200)
            let (pending, secret) = try await TOTPTests.enrolledLogin(h, t)
            h.clock.advance(by: 1.5)
            let ok = try await TOTPTests.verify(h, t, pending: pending, otp: Authenticator.code(base32: secret, at: h.clock.now))
            let access = try #require(ok.string("accessToken"), "\(ok.text)")
            let bearer = ["authorization": "Bearer \(access)", "x-project-key": t.projectKey]
            #expect(try await h.post("/auth/webauthn/register/start", .object(["name": "Key"]), headers: bearer).status == 200)
            h.clock.advance(by: 1)
            // 2.5 s after the password, 1 s after the code: past the 2 s step-up age.
            Self.expectStepUp(try await h.post("/auth/webauthn/register/start", .object(["name": "Key"]), headers: bearer), "passkey")
        }
    }

    @Test func apiKeysCannotManageAPIKeys() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            let created = try await h.post("/api/v1/auth/keys", .object(["name": "ci"]), headers: bearer)
            let key = try #require(created.string("apiKey"), "\(created.text)")
            let keyId = try #require(created.string("keyId"))
            for header in [["x-api-key": key], ["authorization": "Bearer \(key)"]] {
                let h2 = header.merging(t.headers) { a, _ in a }
                #expect(try await h.post("/api/v1/auth/keys", .object(["name": "more"]), headers: h2).status == 403)
                #expect(try await h.call(.get, "/api/v1/auth/keys", headers: h2).status == 403)
                #expect(try await h.call(.delete, "/api/v1/auth/keys/\(keyId)", headers: h2).status == 403)
            }
            // The key still works where API keys belong.
            #expect(try await h.call(.get, "/auth/profile", headers: ["x-api-key": key, "x-project-key": t.projectKey]).status == 200)
            #expect(try await h.call(.get, "/api/v1/auth/keys", headers: bearer).json?.arrayValue?.count == 1)
        }
    }

    /// Both headers sent: the bearer token is the caller, the key is not read.
    @Test func aBearerTokenWinsOverAnAPIKey() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let jane = try await PasskeyTests.signedIn(h, t)
            let bob = try await PasskeyTests.signedIn(h, t, email: "bob@example.com", username: "bob")
            let bobKey = try #require(try await h.post("/api/v1/auth/keys", .object(["name": "b"]), headers: bob).string("apiKey"))
            let both = jane.merging(["x-api-key": bobKey]) { a, _ in a }
            let profile = try await h.call(.get, "/auth/profile", headers: both)
            #expect(profile.string("email") == "jane.doe@example.com", "\(profile.text)")
            let garbageKey = jane.merging(["x-api-key": "sk_live_not-a-key"]) { a, _ in a }
            #expect(try await h.call(.get, "/auth/profile", headers: garbageKey).status == 200)
            // A bearer token that is an API key still works as one.
            #expect(try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(bobKey)", "x-project-key": t.projectKey]).string("email") == "bob@example.com")
        }
    }

    @Test func apiKeysExpireAndDieWithTheirUsersAccess() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            let userId = try Harness.subject(of: try #require(bearer["authorization"]).replacingOccurrences(of: "Bearer ", with: ""))
            func key(_ body: JSONValue) async throws -> String {
                let r = try await h.post("/api/v1/auth/keys", body, headers: bearer)
                #expect(r.status == 201, "\(r.text)")
                return try #require(r.string("apiKey"))
            }
            func works(_ key: String) async throws -> Bool {
                try await h.call(.get, "/auth/profile", headers: ["x-api-key": key, "x-project-key": t.projectKey]).status == 200
            }
            let expiry = h.clock.now.addingTimeInterval(3600)
            let expiring = try await key(.object(["name": "an hour", "expiresAt": .string(expiry.rfc3339)]))
            let listed = try await h.call(.get, "/api/v1/auth/keys", headers: bearer)
            #expect(listed.json?.arrayValue?.first?.objectValue?["expiresAt"]?.stringValue == expiry.rfc3339)
            #expect(try await works(expiring))
            #expect(try await h.post("/api/v1/auth/keys", .object(["name": "past", "expiresAt": .string(h.clock.now.addingTimeInterval(-1).rfc3339)]), headers: bearer).status == 400)
            #expect(try await h.post("/api/v1/auth/keys", .object(["name": "bad", "expiresAt": "tomorrow"]), headers: bearer).status == 400)
            h.clock.advance(by: 3601)
            #expect(try await !works(expiring), "expired")

            // Disabled: revoked for good, re-enabling brings no key back.
            let fresh = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            let freshBearer = ["authorization": "Bearer \(fresh)", "x-project-key": t.projectKey]
            let k1 = try await h.post("/api/v1/auth/keys", .object(["name": "k1"]), headers: freshBearer).string("apiKey")
            let one = try #require(k1)
            #expect(try await works(one))
            #expect(try await h.call(.put, "/v2/users/\(userId)", headers: t.admin, json: .object(["status": "disabled"])).status == 200)
            #expect(try await h.call(.put, "/v2/users/\(userId)", headers: t.admin, json: .object(["status": "active"])).status == 200)
            #expect(try await !works(one), "a disabled user's keys stay revoked")

            // An admin password reset revokes them too.
            let again = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            let k2 = try await h.post("/api/v1/auth/keys", .object(["name": "k2"]), headers: ["authorization": "Bearer \(again)", "x-project-key": t.projectKey]).string("apiKey")
            let two = try #require(k2)
            #expect(try await works(two))
            #expect(try await h.post("/v2/users/\(userId)/password", .object(["password": "a new long passphrase"]), headers: t.admin).status == 204)
            #expect(try await !works(two), "a password reset revokes the user's keys")
        }
    }

    @Test func enrolmentsAreAuditedAndPushedToTheOtherDevices() async throws {
        try await PushTests.withPushingUser(token: "tok-phone") { fake, h, dispatcher, t, user in
            // A second device and a passkey: the phone hears of each, the new device not of itself.
            let tablet = try await DeviceUser.register(h, bearer: user.bearer, signer: .es256(), fingerprint: "tablet")
            _ = try await PasskeyTests.register(h, user.bearer, try SoftAuthenticator(.es256))
            #expect(try await dispatcher.runOnce() == 2)
            let delivered = fake.delivered.withLock { $0 }
            #expect(delivered.map(\.token) == ["tok-phone", "tok-phone"])
            #expect(Set(delivered.compactMap { $0.data["type"] }) == ["credential_enrolled"])
            #expect(Set(delivered.compactMap { $0.data["credentialType"] }) == ["device_key", "passkey"])
            #expect(delivered.contains { $0.data["deviceId"] == tablet })
            #expect(fake.violations.withLock { $0 } == [])
            let types = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 500).map(\.type)
            #expect(types.filter { $0 == "device.registered" }.count == 2)
            #expect(types.contains("passkey.registered"))
        }
    }
}
