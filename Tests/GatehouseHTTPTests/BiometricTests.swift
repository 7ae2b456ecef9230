import Crypto
import Foundation
import GatehouseCore
import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing
import _CryptoExtras

@Suite struct BiometricTests {
    static func claims(_ token: String) throws -> [String: JSONValue] {
        try CompactJWS(token).decodePayload([String: JSONValue].self)
    }

    static func seconds(untilRFC3339 text: String?, from now: Date) throws -> TimeInterval {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let value = try #require(text)
        let date = try #require(formatter.date(from: value))
        return date.timeIntervalSince(now)
    }

    static let signers: [(String, @Sendable () throws -> DeviceSigner, DeviceSigner.KeyFormat)] = [
        ("ES256 DER signature, SPKI key", { .es256() }, .spki),
        ("ES256 raw signature, raw point key", { .es256(raw: true) }, .rawPoint),
        ("ES256 DER signature, PEM key", { .es256() }, .pem),
        ("RS256, SPKI key", { try .rsa("RS256") }, .spki),
        ("RS256, PEM key", { try .rsa("RS256") }, .pem),
        ("PS256, SPKI key", { try .rsa("PS256") }, .spki),
    ]

    @Test(arguments: 0..<signers.count)
    func registerAndLogIn(_ index: Int) async throws {
        let (label, make, format) = Self.signers[index]
        try await withHarness { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t, signer: try make(), format: format)

            let list = try await h.call(.get, "/auth/biometric/devices", headers: user.bearer)
            #expect(list.status == 200, "\(label): \(list.text)")
            let device = try #require(list.json?.arrayValue?.first?.objectValue, "\(label)")
            #expect(
                Set(device.keys) == [
                    "id", "userId", "deviceFingerprint", "deviceName", "deviceType", "keyAlgorithm", "publicKey", "fcmToken",
                    "isActive", "createdAt", "updatedAt", "lastUsedAt",
                ], "\(label): \(device.keys.sorted())")
            // Seed 004 shows both; unset, they are null (issue 12, item 6).
            #expect(device["fcmToken"] == .null && device["lastUsedAt"] == .null, "\(label)")
            #expect(device["id"]?.stringValue == user.deviceId)
            #expect(device["userId"]?.numberValue == Double(user.number))
            #expect(device["keyAlgorithm"]?.stringValue == user.signer.algorithm)
            #expect(device["isActive"] == .bool(true))

            let r = try await user.loginAttempt(h, t)
            #expect(r.status == 200, "\(label): \(r.text)")
            #expect(r["success"] == .bool(true))
            let tokens = try #require(r["tokens"]?.objectValue)
            let access = try #require(tokens["accessToken"]?.stringValue)
            #expect(try Self.claims(access)["amr"] == ["hwk"], "\(label)")
            let profile = try await h.call(.get, "/auth/profile", headers: ["authorization": "Bearer \(access)", "x-project-key": t.projectKey])
            #expect(profile["id"]?.numberValue == Double(user.number), "\(label)")
            // Without rememberMe the refresh token has the default life (a day).
            let life = try Self.seconds(untilRFC3339: tokens["refreshTokenExpiresAt"]?.stringValue, from: h.clock.now)
            #expect(abs(life - 24 * 3600) < 5, "\(label): \(life)")

            // The use shows in the device list.
            let after = try await h.call(.get, "/auth/biometric/devices", headers: user.bearer)
            #expect(after.json?.arrayValue?.first?.objectValue?["lastUsedAt"]?.stringValue != nil, "\(label)")
        }
    }

    @Test func rememberMeAndRefresh() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let r = try await user.loginAttempt(h, t, rememberMe: true)
            #expect(r.status == 200, "\(r.text)")
            let tokens = try #require(r["tokens"]?.objectValue)
            let life = try Self.seconds(untilRFC3339: tokens["refreshTokenExpiresAt"]?.stringValue, from: h.clock.now)
            #expect(abs(life - 30 * 24 * 3600) < 5, "\(life)")

            h.clock.advance(by: 3600)
            let refreshed = try await h.post(
                "/auth/biometric/refresh", .object(["refreshToken": tokens["refreshToken"]!]), headers: t.headers)
            #expect(refreshed.status == 200, "\(refreshed.text)")
            #expect(refreshed["success"] == .bool(true))
            let next = try #require(refreshed["tokens"]?.objectValue)
            #expect(next["refreshToken"] != tokens["refreshToken"])
            // The successor keeps the remembered life instead of falling back to a day (up to the session's
            // own end, 30 days after the login).
            let nextLife = try Self.seconds(untilRFC3339: next["refreshTokenExpiresAt"]?.stringValue, from: h.clock.now)
            #expect(abs(nextLife - (30 * 24 * 3600 - 3600)) < 5, "\(nextLife)")
            #expect(try Self.claims(try #require(next["accessToken"]?.stringValue))["amr"] == ["hwk"])

            let garbage = try await h.post("/auth/biometric/refresh", .object(["refreshToken": "rt_nope"]), headers: t.headers)
            #expect(garbage.status == 401, "\(garbage.text)")
        }
    }

    @Test(arguments: TestDatabase.kinds)
    func reRegisteringReplacesTheKeyOnlyAfterProof(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let newKey = DeviceSigner.es256()
            // A challenge for the new key that is never answered leaves the old key in force.
            let pending = try await DeviceUser.registerChallenge(h, bearer: user.bearer, signer: newKey, fingerprint: user.fingerprint)
            #expect(pending.string("deviceId") == user.deviceId, "same fingerprint, same device id")
            #expect(try await user.loginAttempt(h, t).status == 200)
            #expect(try await user.loginAttempt(h, t, by: newKey).status == 401)

            let again = try await DeviceUser.register(h, bearer: user.bearer, signer: newKey, fingerprint: user.fingerprint)
            #expect(again == user.deviceId)
            #expect(try await user.loginAttempt(h, t, by: newKey).status == 200)
            #expect(try await user.loginAttempt(h, t).status == 401, "the old key no longer works")
            let list = try await h.call(.get, "/auth/biometric/devices", headers: user.bearer)
            #expect(list.json?.arrayValue?.count == 1, "one fingerprint, one device")
        }
    }

    @Test func registrationRefusals() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let signer = DeviceSigner.es256()

            // Wrong key: the challenge signed by another key than the one submitted.
            let c = try await DeviceUser.registerChallenge(h, bearer: user.bearer, signer: signer, fingerprint: "fp-wrong")
            let wrong = try await h.post(
                "/auth/biometric/register/verify",
                .object(["sessionId": .string(c.string("sessionId")!), "signedChallenge": .string(try DeviceSigner.es256().sign(c.string("challenge")!))]),
                headers: user.bearer)
            #expect(wrong.status == 400, "\(wrong.text)")
            // ...and the challenge is spent: the right signature no longer helps.
            let late = try await h.post(
                "/auth/biometric/register/verify",
                .object(["sessionId": .string(c.string("sessionId")!), "signedChallenge": .string(try signer.sign(c.string("challenge")!))]),
                headers: user.bearer)
            #expect(late.status == 401, "\(late.text)")

            // Another session of the same user cannot finish this session's registration.
            let c2 = try await DeviceUser.registerChallenge(h, bearer: user.bearer, signer: signer, fingerprint: "fp-other-session")
            let second = try await EnterpriseAuthTests.login(h, t)
            let otherSession = ["authorization": "Bearer \(second.string("token")!)", "x-project-key": t.projectKey]
            let foreign = try await h.post(
                "/auth/biometric/register/verify",
                .object(["sessionId": .string(c2.string("sessionId")!), "signedChallenge": .string(try signer.sign(c2.string("challenge")!))]),
                headers: otherSession)
            #expect(foreign.status == 401, "\(foreign.text)")

            // Expired.
            let c3 = try await DeviceUser.registerChallenge(h, bearer: user.bearer, signer: signer, fingerprint: "fp-expired")
            h.clock.advance(by: 301)
            let expired = try await h.post(
                "/auth/biometric/register/verify",
                .object(["sessionId": .string(c3.string("sessionId")!), "signedChallenge": .string(try signer.sign(c3.string("challenge")!))]),
                headers: user.bearer)
            #expect(expired.status == 401, "\(expired.text)")
            h.clock.advance(by: -301)

            // Keys that do not parse or do not match the algorithm: 400 with the reason.
            let p256 = DeviceSigner.es256().publicKey()
            let der = Data(base64Encoded: p256)!
            let rsa1024 = try DeviceSigner.rsa("RS256", bits: 1024).publicKey()
            for (key, alg, why) in [
                ("not base64 at all !!!", "ES256", "malformed base64"),
                (der.prefix(der.count - 10).base64EncodedString(), "ES256", "truncated DER"),
                (rsa1024, "RS256", "RSA-1024"),
                (p256, "RS256", "EC key named RS256"),
                (try DeviceSigner.rsa("RS256").publicKey(), "ES256", "RSA key named ES256"),
                ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "ES256", "PEM garbage"),
                (Data(repeating: 4, count: 65).base64EncodedString(), "ES256", "a raw point not on the curve"),
            ] {
                let r = try await h.post(
                    "/auth/biometric/register/challenge",
                    .object([
                        "deviceFingerprint": "fp-bad", "deviceName": "x", "deviceType": "mobile", "keyAlgorithm": .string(alg),
                        "publicKey": .string(key),
                    ]), headers: user.bearer)
                #expect(r.status == 400, "\(why): \(r.text)")
                #expect(r.text.contains("publicKey"), "\(why): \(r.text)")
            }

            // Field checks.
            for (body, why) in [
                (["deviceName": "x", "deviceType": "mobile", "keyAlgorithm": "ES256", "publicKey": .string(p256)], "no fingerprint"),
                (["deviceFingerprint": "f", "deviceName": "x", "deviceType": "watch", "keyAlgorithm": "ES256", "publicKey": .string(p256)], "bad type"),
                (["deviceFingerprint": "f", "deviceName": "x", "deviceType": "mobile", "keyAlgorithm": "HS256", "publicKey": .string(p256)], "bad alg"),
                (["deviceFingerprint": "f", "deviceName": .string(String(repeating: "n", count: 256)), "deviceType": "mobile", "keyAlgorithm": "ES256", "publicKey": .string(p256)], "long name"),
                (["deviceFingerprint": 5, "deviceName": "x", "deviceType": "mobile", "keyAlgorithm": "ES256", "publicKey": .string(p256)], "wrong type"),
                (["deviceFingerprint": "f", "deviceName": "x", "deviceType": "mobile", "keyAlgorithm": "ES256", "publicKey": .string(String(repeating: "A", count: 9000))], "oversize key"),
            ] as [([String: JSONValue], String)] {
                let r = try await h.post("/auth/biometric/register/challenge", .object(body), headers: user.bearer)
                #expect(r.status == 400, "\(why): \(r.text)")
            }
            let anonymous = try await DeviceUser.registerChallenge(h, bearer: t.headers, signer: signer, fingerprint: "fp-anon")
            #expect(anonymous.status == 401, "\(anonymous.text)")
            let badVerify = try await h.post(
                "/auth/biometric/register/verify", .object(["sessionId": "not-a-uuid", "signedChallenge": "AAAA"]), headers: user.bearer)
            #expect(badVerify.status == 400, "\(badVerify.text)")
        }
    }

    @Test(arguments: TestDatabase.kinds)
    func loginRefusals(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)

            // A signature over a different challenge.
            let a = try await h.post("/auth/biometric/challenge", .object(["deviceFingerprint": .string(user.fingerprint)]), headers: t.headers)
            let b = try await h.post("/auth/biometric/challenge", .object(["deviceFingerprint": .string(user.fingerprint)]), headers: t.headers)
            let crossed = try await h.post(
                "/auth/biometric/authenticate",
                .object(["sessionId": .string(b.string("sessionId")!), "signedChallenge": .string(try user.signer.sign(a.string("challenge")!))]),
                headers: t.headers)
            #expect(crossed.status == 401, "challenge of another session: \(crossed.text)")

            // Reused challenge: the first use succeeds, the second is refused.
            let body: JSONValue = .object([
                "sessionId": .string(a.string("sessionId")!), "signedChallenge": .string(try user.signer.sign(a.string("challenge")!)),
            ])
            #expect(try await h.post("/auth/biometric/authenticate", body, headers: t.headers).status == 200)
            let replay = try await h.post("/auth/biometric/authenticate", body, headers: t.headers)
            #expect(replay.status == 401, "\(replay.text)")

            // Expired challenge.
            let c = try await h.post("/auth/biometric/challenge", .object(["deviceFingerprint": .string(user.fingerprint)]), headers: t.headers)
            h.clock.advance(by: 5 * 60 + 1)
            let expired = try await h.post(
                "/auth/biometric/authenticate",
                .object(["sessionId": .string(c.string("sessionId")!), "signedChallenge": .string(try user.signer.sign(c.string("challenge")!))]),
                headers: t.headers)
            #expect(expired.status == 401, "\(expired.text)")

            // A device of another tenant: the same fingerprint means nothing here.
            let t2 = try await h.createTenant("Other Co")
            let elsewhere = try await user.loginAttempt(h, t2)
            #expect(elsewhere.status == 401, "\(elsewhere.text)")

            // Unknown fingerprints get the same answer shape.
            let unknown = try await h.post("/auth/biometric/challenge", .object(["deviceFingerprint": "never-registered"]), headers: t.headers)
            #expect(unknown.status == 200)
            #expect(Set(unknown.json?.objectValue?.keys ?? [:].keys) == ["challenge", "expiresAt", "sessionId"])
            let challenge = try #require(unknown.string("challenge"))
            #expect(Base64URL.decode(challenge)?.count ?? 0 >= 32, "at least 32 random bytes")

            // Deactivated device.
            let del = try await h.call(.delete, "/auth/biometric/devices/\(user.deviceId)", headers: user.bearer)
            #expect(del.status == 200, "\(del.text)")
            #expect(try await user.loginAttempt(h, t).status == 401)
            let list = try await h.call(.get, "/auth/biometric/devices", headers: user.bearer)
            #expect(list.json?.arrayValue?.first?.objectValue?["isActive"] == .bool(false))
            #expect(try await h.call(.delete, "/auth/biometric/devices/\(user.deviceId)", headers: user.bearer).status == 404)

            // Garbage.
            for body in [
                JSONValue.object(["sessionId": .string(UUID().uuidString), "signedChallenge": "AAAA"]),
                .object(["sessionId": "x", "signedChallenge": "AAAA"]),
                .object(["sessionId": .string(UUID().uuidString)]),
                .object(["sessionId": .string(UUID().uuidString), "signedChallenge": .string(String(repeating: "A", count: 5000))]),
                .object(["sessionId": .string(UUID().uuidString), "signedChallenge": 12]),
            ] {
                let r = try await h.post("/auth/biometric/authenticate", body, headers: t.headers)
                #expect(r.status == 400 || r.status == 401, "\(body): \(r.text)")
            }
        }
    }

    @Test func devicesOfOtherUsers() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let jane = try await DeviceUser.make(h, t)
            let john = try await DeviceUser.make(h, t, email: "john@example.com", username: "john", fingerprint: jane.fingerprint)
            // A shared tablet: the same fingerprint for two users; each key logs in its own user.
            let asJane = try await jane.loginAttempt(h, t)
            let asJohn = try await john.loginAttempt(h, t)
            let janeAccess = try #require(asJane["tokens"]?.objectValue?["accessToken"]?.stringValue)
            let johnAccess = try #require(asJohn["tokens"]?.objectValue?["accessToken"]?.stringValue)
            #expect(try Self.claims(janeAccess)["sub"] != Self.claims(johnAccess)["sub"])

            // John can neither see, change nor deactivate Jane's device.
            let johnsList = try await h.call(.get, "/auth/biometric/devices", headers: john.bearer)
            #expect(johnsList.json?.arrayValue?.count == 1)
            let fcm = try await h.call(
                .put, "/auth/biometric/devices/fcm-token", headers: john.bearer,
                json: .object(["deviceId": .string(jane.deviceId), "fcmToken": "tok"]))
            #expect(fcm.status == 404, "\(fcm.text)")
            #expect(try await h.call(.delete, "/auth/biometric/devices/\(jane.deviceId)", headers: john.bearer).status == 404)

            let own = try await h.call(
                .put, "/auth/biometric/devices/fcm-token", headers: jane.bearer,
                json: .object(["deviceId": .string(jane.deviceId), "fcmToken": "tok-jane"]))
            #expect(own.status == 200, "\(own.text)")
            #expect(own["success"] == .bool(true) && own.string("message") != nil)
            let list = try await h.call(.get, "/auth/biometric/devices", headers: jane.bearer)
            #expect(list.json?.arrayValue?.first?.objectValue?["fcmToken"]?.stringValue == "tok-jane")
            let long = try await h.call(
                .put, "/auth/biometric/devices/fcm-token", headers: jane.bearer,
                json: .object(["deviceId": .string(jane.deviceId), "fcmToken": .string(String(repeating: "t", count: 256))]))
            #expect(long.status == 400, "\(long.text)")
        }
    }

    @Test func wrongSignaturesAreThrottled() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let impostor = DeviceSigner.es256()
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(try await user.loginAttempt(h, t, by: impostor).status) }
            #expect(statuses.prefix(4).allSatisfy { $0 == 401 }, "\(statuses)")
            #expect(statuses.last == 429, "\(statuses)")
            // Locked even for the right key until the lock ends.
            #expect(try await user.loginAttempt(h, t).status == 429)
            h.clock.advance(by: 31)
            #expect(try await user.loginAttempt(h, t).status == 200)
        }
    }

    @Test func serverGeneratedKeys() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let r = try await h.post("/auth/biometric/keys", .object(["keyAlgorithm": "ES256", "keyName": "backup"]), headers: t.headers)
            #expect(r.status == 200, "\(r.text)")
            #expect(r.string("curve") == "P-256" && r.string("keyAlgorithm") == "ES256")
            let privateText = try #require(r.string("privateKey"))
            let publicText = try #require(r.string("publicKey"))
            let privateDER = try #require(Data(base64Encoded: privateText))
            let publicDER = try #require(Data(base64Encoded: publicText))
            let key = try P256.Signing.PrivateKey(derRepresentation: privateDER)
            #expect(key.pemRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----"), "PKCS#8")
            #expect(key.publicKey.derRepresentation == publicDER, "SPKI of the same key")
            // The pair works for a real registration and login.
            let user = try await DeviceUser.make(h, t, signer: DeviceSigner(key: .p256(key), algorithm: "ES256"))
            #expect(try await user.loginAttempt(h, t).status == 200)
            #expect(!h.logs.all.contains(r.string("privateKey")!), "the private key is never logged")
            for (body, why) in [
                (JSONValue.object(["keyAlgorithm": "RS256"]), "only ES256"), (.object([:]), "missing"),
                (.object(["keyAlgorithm": 1]), "wrong type"),
            ] {
                #expect(try await h.post("/auth/biometric/keys", body, headers: t.headers).status == 400, "\(why)")
            }
            let two = try await h.post("/auth/biometric/keys", .object(["keyAlgorithm": "ES256"]), headers: t.headers)
            #expect(two.string("privateKey") != r.string("privateKey"))
        }
    }
}
