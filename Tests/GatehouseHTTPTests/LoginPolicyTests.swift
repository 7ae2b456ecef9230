import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Hummingbird
import Testing

/// One login policy for every password entry point (issue 10, items 1 and 2): the second factor, and
/// brute-force attempts reserved before the password or code is checked.
@Suite struct LoginPolicyTests {
    /// Every password entry point, as a client calls it. Each answers with a usable access token only when
    /// the password alone is enough.
    static let passwordEntryPoints: [(name: String, call: @Sendable (Harness, Harness.TenantSetup) async throws -> Reply)] = [
        ("classic", { h, t in try await ClassicAPITests.login(h, headers: t.headers) }),
        ("enterprise", { h, t in try await EnterpriseAuthTests.login(h, t) }),
    ]

    /// The access token an entry point's answer carries, if any.
    static func accessToken(in r: Reply) -> String? {
        if let t = r.string("token"), !t.hasPrefix(MFAService.pendingPrefix) { return t }
        return r["tokens"]?.objectValue?["accessToken"]?.stringValue
    }

    @Test func mfaUsersGetNoTokenFromAnyPasswordEntryPoint() async throws {
        try await withHarness { h in
            // A tenant that requires MFA, and in another tenant a user who enrolled TOTP on their own.
            let required = try await h.createTenant("Requires MFA")
            _ = try await ClassicAPITests.user(h, tenant: required)
            #expect(try await h.call(.put, "/v2/tenants", headers: required.admin, json: .object(["requireMfa": true])).status == 200)
            let enrolled = try await h.createTenant("Enrolled user")
            let userId = try await ClassicAPITests.user(h, tenant: enrolled)
            let before = try await EnterpriseAuthTests.login(h, enrolled)
            let access = try #require(before.string("token"))
            let setup = try await h.call(
                .post, "/auth/otp/setup", headers: ["authorization": "Bearer \(access)", "x-project-key": enrolled.projectKey])
            #expect(setup.status == 200, "\(setup.text)")
            try await h.engine.store.confirmTOTP(tenantId: enrolled.id, userId: userId)

            for t in [required, enrolled] {
                for (name, call) in Self.passwordEntryPoints {
                    let r = try await call(h, t)
                    #expect(Self.accessToken(in: r) == nil, "\(name) gave a token without the second factor: \(r.text)")
                    #expect(r.status == 401 || r.string("token")?.hasPrefix(MFAService.pendingPrefix) == true, "\(name): \(r.text)")
                }
                let classic = try await ClassicAPITests.login(h, headers: t.headers)
                #expect(classic.status == 401)
                #expect(classic.json == .object(["error": "MFA required", "code": "MFA_REQUIRED"]))
                // A wrong password still says only that.
                let wrong = try await ClassicAPITests.login(h, "jane.doe", "not the password", headers: t.headers)
                #expect(wrong.json == .object(["error": "Invalid credentials"]))
            }
            // The Enterprise login's second step still works: the pending token, then the code, then tokens.
            let events = try await h.engine.store.events(tenantId: required.id, afterSequence: 0, limit: 100).map(\.type)
            #expect(events.contains("login.mfa_required"), "\(events)")
            #expect(!events.contains("login.succeeded"), "no session was started in the MFA tenant: \(events)")
        }
    }

    @Test(arguments: TestDatabase.kinds) func concurrentWrongPasswordsPayForAtMostTheLimit(kind: String) async throws {
        // A real bcrypt cost, so that the guesses overlap as an attacker's burst would.
        try await withHarness(kind: kind, configure: { $0.engine.bcryptCost = 8 }) { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            let before = h.engine.passwords.comparisons
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        try await ClassicAPITests.login(h, "jane.doe", "wrong guess \(i)", headers: t.headers).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let compared = h.engine.passwords.comparisons - before
            #expect(compared <= 5, "\(compared) bcrypt comparisons for a limit of 5")
            #expect(statuses.filter { $0 == 401 }.count <= 5)
            #expect(statuses.filter { $0 == 429 }.count >= 45, "\(statuses)")
            // Locked: the right password is not even checked.
            #expect(try await ClassicAPITests.login(h, headers: t.headers).status == 429)
            #expect(h.engine.passwords.comparisons - before == compared)
        }
    }

    @Test func usernameAndEmailCountInOneBucket() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            for i in 0..<5 {
                let name = i % 2 == 0 ? "jane.doe" : "jane.doe@example.com"
                #expect(try await ClassicAPITests.login(h, name, "wrong", headers: t.headers).status == 401)
            }
            #expect(try await ClassicAPITests.login(h, "jane.doe@example.com", headers: t.headers).status == 429)
            #expect(try await ClassicAPITests.login(h, "jane.doe", headers: t.headers).status == 429)
            // Unknown names still lock, by their normalised name.
            for _ in 0..<5 { #expect(try await ClassicAPITests.login(h, "Nobody.Here", "x", headers: t.headers).status == 401) }
            #expect(try await ClassicAPITests.login(h, "nobody.here", "x", headers: t.headers).status == 429)
        }
    }

    @Test(arguments: TestDatabase.kinds) func concurrentWrongCodesOnOnePendingTokenCheckAtMostFive(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            _ = try await ClassicAPITests.user(h, tenant: t)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": true])).status == 200)
            let (pending, secret) = try await TOTPTests.enrolledLogin(h, t)
            let code = Authenticator.code(base32: secret, at: h.clock.now)
            // Fifty wrong codes at once, none of them the right one.
            let wrong = code == "000000" ? "111111" : "000000"
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await TOTPTests.verify(h, t, pending: pending, otp: wrong).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let checked = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000)
                .filter { $0.type == "login.failed" && $0.data.contains(#""method":"otp""#) }.count
            #expect(checked <= 5, "\(checked) codes checked for a limit of 5")
            #expect(statuses.filter { $0 == 429 }.count >= 45, "\(statuses)")
            #expect(!statuses.contains(200))
            // The right code no longer helps.
            #expect(try await TOTPTests.verify(h, t, pending: pending, otp: code).status != 200)
        }
    }

    /// A passkey is a second factor only with user verification; a device key is one on its own.
    @Test func passkeysWithoutUserVerificationDoNotPassForMFAUsers() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let auth = try SoftAuthenticator()
            _ = try await PasskeyTests.register(h, user.bearer, auth)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": true])).status == 200)
            var noUV = SoftAuthenticator.Knobs()
            noUV.userVerified = false
            let (o1, s1) = try await PasskeyTests.loginStart(h, t)
            let refused = try await PasskeyTests.loginFinish(h, t, s1, try auth.get(o1, noUV))
            #expect(refused.status == 401, "\(refused.text)")
            let (o2, s2) = try await PasskeyTests.loginStart(h, t)
            #expect(try await PasskeyTests.loginFinish(h, t, s2, try auth.get(o2)).status == 200, "with UV")
            #expect(try await user.loginAttempt(h, t).status == 200, "a device key is two factors")
            // Without the tenant rule, the same passkey without UV is enough again.
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": false])).status == 200)
            let (o3, s3) = try await PasskeyTests.loginStart(h, t)
            #expect(try await PasskeyTests.loginFinish(h, t, s3, try auth.get(o3, noUV)).status == 200)
        }
    }
}
