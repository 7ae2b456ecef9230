import Crypto
import Foundation
import GatehouseCore
import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing

/// An authenticator app, written here from RFC 6238/4226 and RFC 4648 base32 — independent of the server's
/// OTP library — so the secret the server shows is proven usable by a standard client.
enum Authenticator {
    static func base32Decode(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0, value = 0
        var out: [UInt8] = []
        for c in text.uppercased() where c != "=" {
            guard let i = alphabet.firstIndex(of: c) else { return nil }
            value = (value << 5) | i
            bits += 5
            if bits >= 8 {
                out.append(UInt8((value >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return out
    }

    static func code(base32 secret: String, at date: Date, digits: Int = 6) -> String {
        let key = SymmetricKey(data: base32Decode(secret)!)
        var counter = UInt64(date.timeIntervalSince1970 / 30).bigEndian
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: withUnsafeBytes(of: &counter) { Array($0) }, using: key))
        let offset = Int(mac[19] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let modulo = UInt32(pow(10, Double(digits)))
        let s = String(binary % modulo)
        return String(repeating: "0", count: digits - s.count) + s
    }
}

@Suite struct TOTPTests {
    /// RFC 6238 appendix B, SHA-1, through the server's own code path.
    @Test(arguments: [
        (59.0, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ])
    func rfc6238Vectors(time: Double, expected: String) {
        let secret = TOTPSecret(keyText: "12345678901234567890")
        #expect(secret.code(at: Date(timeIntervalSince1970: time), digits: 8) == expected)
        #expect(Authenticator.code(base32: secret.base32, at: Date(timeIntervalSince1970: time), digits: 8) == expected)
    }

    @Test func driftIsOneStepEachWay() {
        let secret = TOTPSecret.generate(SystemRandomSource())
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        for (offset, accepted) in [(-60.0, false), (-30, true), (0, true), (30, true), (60, false)] {
            let code = Authenticator.code(base32: secret.base32, at: now.addingTimeInterval(offset))
            #expect((secret.matchingStep(code, now: now) != nil) == accepted, "offset \(offset)")
        }
        #expect(secret.matchingStep("12345", now: now) == nil)
        #expect(secret.matchingStep("abcdef", now: now) == nil)
    }

    static func enrolledLogin(_ h: Harness, _ t: Harness.TenantSetup) async throws -> (pending: String, secret: String) {
        let login = try await EnterpriseAuthTests.login(h, t)
        #expect(login["registerOtp"] == .bool(true))
        let pending = try #require(login.string("token"))
        let setup = try await h.call(.post, "/auth/otp/setup", headers: ["authorization": "Bearer \(pending)", "x-project-key": t.projectKey])
        #expect(setup.status == 200, "\(setup.text)")
        let secret = try #require(setup.string("secret"))
        let url = try #require(setup.string("otpauthUrl"))
        #expect(url.hasPrefix("otpauth://totp/") && url.contains("secret=\(secret)"))
        #expect(setup.string("qrSvg")?.hasPrefix("<svg") == true)
        #expect(Authenticator.base32Decode(secret)!.count >= 20, "at least 20 secret bytes")
        return (pending, secret)
    }

    static func verify(_ h: Harness, _ t: Harness.TenantSetup, pending: String, otp: String) async throws -> Reply {
        try await h.call(
            .post, "/auth/otp/verify", headers: ["authorization": "Bearer \(pending)", "x-project-key": t.projectKey],
            json: .object(["otp": .string(otp)]))
    }

    @Test func enrollmentLoginReplayAndLockout() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            #expect(try await h.call(.put, "/v2/tenants", headers: t.admin, json: .object(["requireMfa": true])).status == 200)
            let (pending, secret) = try await Self.enrolledLogin(h, t)
            // The pending token opens nothing else.
            #expect(try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(pending)", "x-project-key": t.projectKey]).status == 401)
            // Not enrolled until a first good code.
            #expect(try await h.call(.get, "/v2/users/\(id)", headers: t.admin)["mfaEnabled"] == .bool(false))
            #expect(try await Self.verify(h, t, pending: pending, otp: "000000").status == 401)
            let code = Authenticator.code(base32: secret, at: h.clock.now)
            let ok = try await Self.verify(h, t, pending: pending, otp: code)
            #expect(ok.status == 200, "\(ok.text)")
            let access = try #require(ok.string("accessToken"))
            #expect(try CompactJWS(access).decodePayload(AccessTokenClaims.self).amr == ["pwd", "otp"])
            #expect(try await h.call(.get, "/v2/users/\(id)", headers: t.admin)["mfaEnabled"] == .bool(true))
            // The pending token is spent; the code is spent.
            #expect(try await Self.verify(h, t, pending: pending, otp: code).status == 401)
            let second = try await EnterpriseAuthTests.login(h, t)
            #expect(second["registerOtp"] == .bool(false))
            let pending2 = try #require(second.string("token"))
            #expect(try await Self.verify(h, t, pending: pending2, otp: code).status == 401, "no replay")
            // The secret is never shown again.
            #expect(try await h.call(.post, "/auth/otp/setup", headers: ["authorization": "Bearer \(pending2)", "x-project-key": t.projectKey]).status == 409)
            h.clock.advance(by: 30)
            #expect(try await Self.verify(h, t, pending: pending2, otp: Authenticator.code(base32: secret, at: h.clock.now)).status == 200)

            // Five wrong codes kill a pending token: the right code no longer helps.
            h.clock.advance(by: 30)
            let pending3 = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            for _ in 0..<5 { #expect(try await Self.verify(h, t, pending: pending3, otp: "123456").status != 200) }
            #expect(try await Self.verify(h, t, pending: pending3, otp: Authenticator.code(base32: secret, at: h.clock.now)).status != 200)
            // Pending tokens expire after five minutes.
            let pending4 = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            h.clock.advance(by: 301)
            #expect(try await Self.verify(h, t, pending: pending4, otp: Authenticator.code(base32: secret, at: h.clock.now)).status == 401)
        }
    }

    @Test func adminResetAndServiceVerification() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let id = try await ClassicAPITests.user(h, tenant: t)
            let token = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            // A signed-in user may enroll with their access token too.
            let setup = try await h.call(.post, "/auth/otp/setup", headers: ["authorization": "Bearer \(token)", "x-project-key": t.projectKey])
            let secret = try #require(setup.string("secret"))
            let login = try await EnterpriseAuthTests.login(h, t)
            #expect(login["tokens"] != nil, "MFA is on only after a first good code")
            let number = try #require(try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(token)", "x-project-key": t.projectKey])["id"]?.numberValue)

            func service(_ otp: String, key: String? = t.apiPrivateKey) async throws -> Reply {
                var headers = t.headers
                if let key { headers["x-api-key"] = key }
                return try await h.post("/auth/otp/verify-service", .object(["otp": .string(otp), "userId": .number(number)]), headers: headers)
            }
            #expect(try await service(Authenticator.code(base32: secret, at: h.clock.now))["valid"] == .bool(false), "not enrolled yet")
            let pending = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            _ = pending
            // Confirm enrollment through a normal MFA login.
            try await h.engine.store.confirmTOTP(tenantId: t.id, userId: id)
            h.clock.advance(by: 30)
            let good = try await service(Authenticator.code(base32: secret, at: h.clock.now))
            #expect(good.json == .object(["userId": .number(number), "valid": true]))
            #expect(try await service("000000")["valid"] == .bool(false))
            #expect(try await service("000000", key: nil).status == 401)
            #expect(try await service("000000", key: "sk_tenant_wrong").status == 401)
            // The admin resets MFA: password login opens again, and the old secret is gone.
            #expect(try await h.call(.put, "/v2/users/\(id)", headers: t.admin, json: .object(["resetMfa": true])).status == 200)
            #expect(try await EnterpriseAuthTests.login(h, t)["tokens"] != nil)
            #expect(try await h.engine.store.totpState(tenantId: t.id, userId: id)?.sealedSecret == nil)
        }
    }

    /// Issue 10, item 7: a long project name (the seed allows 255 bytes) and a long email still enrol.
    @Test func longProjectAndAccountNamesStillGiveAQRCode() async throws {
        try await withHarness { h in
            for projectName in [String(repeating: "Acme Loyalty Rewards ", count: 8) + "Ltd", String(repeating: "商", count: 85)] {
                let t = try await h.createTenant(projectName)
                let email = String(repeating: "firstname.lastname", count: 12) + "@example.com"
                _ = try await ClassicAPITests.user(h, email: email, tenant: t)
                let token = try #require(try await EnterpriseAuthTests.login(h, t, email: email).string("token"))
                let setup = try await h.call(.post, "/auth/otp/setup", headers: ["authorization": "Bearer \(token)", "x-project-key": t.projectKey])
                #expect(setup.status == 200, "\(projectName.utf8.count)-byte project: \(setup.text)")
                #expect(setup.string("qrSvg")?.hasPrefix("<svg") == true)
            }
        }
    }
}
