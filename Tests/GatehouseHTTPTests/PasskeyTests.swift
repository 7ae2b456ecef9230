import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Hummingbird
import Testing

@Suite struct PasskeyTests {
    /// A signed-in user; returns the bearer headers.
    static func signedIn(_ h: Harness, _ t: Harness.TenantSetup, email: String = "jane.doe@example.com", username: String = "jane.doe")
        async throws -> [String: String]
    {
        _ = try await ClassicAPITests.user(h, username: username, email: email, tenant: t)
        let login = try await EnterpriseAuthTests.login(h, t, email: email)
        return ["authorization": "Bearer \(try #require(login.string("token")))", "x-project-key": t.projectKey]
    }

    static func start(_ h: Harness, _ bearer: [String: String], name: String = "MacBook Touch ID") async throws -> (JSONValue, String) {
        let r = try await h.post("/auth/webauthn/register/start", .object(["name": .string(name)]), headers: bearer)
        #expect(r.status == 200, "\(r.text)")
        return (try #require(r["publicKey"]), try #require(r.string("sessionId")))
    }

    static func finish(_ h: Harness, _ bearer: [String: String], _ session: String, _ response: JSONValue) async throws -> Reply {
        try await h.post("/auth/webauthn/register/finish", .object(["sessionId": .string(session), "response": response]), headers: bearer)
    }

    /// Registers `auth` for the signed-in user; returns the stored passkey id.
    static func register(_ h: Harness, _ bearer: [String: String], _ auth: SoftAuthenticator, _ k: SoftAuthenticator.Knobs = .init())
        async throws -> String
    {
        let (options, session) = try await start(h, bearer)
        let r = try await finish(h, bearer, session, try auth.create(options, k))
        #expect(r.status == 200, "\(r.text)")
        return try #require(r["credential"]?.objectValue?["id"]?.stringValue)
    }

    static func loginStart(_ h: Harness, _ t: Harness.TenantSetup, email: String? = "jane.doe@example.com") async throws -> (JSONValue, String) {
        let r = try await h.post("/auth/webauthn/login/start", .object(email.map { ["email": .string($0)] } ?? [:]), headers: t.headers)
        #expect(r.status == 200, "\(r.text)")
        return (try #require(r["publicKey"]), try #require(r.string("sessionId")))
    }

    static func loginFinish(_ h: Harness, _ t: Harness.TenantSetup, _ session: String, _ response: JSONValue, rememberMe: Bool? = nil)
        async throws -> Reply
    {
        var body: [String: JSONValue] = ["sessionId": .string(session), "response": response]
        if let rememberMe { body["rememberMe"] = .bool(rememberMe) }
        return try await h.post("/auth/webauthn/login/finish", .object(body), headers: t.headers)
    }

    static let algorithms: [SoftAuthenticator.Algorithm] = [.es256, .eddsa, .rs256]

    @Test(arguments: 0..<3)
    func registerAndLogIn(_ index: Int) async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await Self.signedIn(h, t)
            let auth = try SoftAuthenticator(Self.algorithms[index])

            let (options, session) = try await Self.start(h, bearer)
            let o = try #require(options.objectValue)
            #expect(o["rp"] == ["id": "gatehouse.test", "name": "Acme Loyalty"])
            #expect(o["pubKeyCredParams"]?.arrayValue?.compactMap { $0.objectValue?["alg"]?.numberValue } == [-7, -8, -257])
            #expect(o["excludeCredentials"] == [])
            #expect(Base64URL.decode(o["challenge"]?.stringValue ?? "")?.count == 32)
            #expect(o["timeout"] == 300000)
            let fmt = index == 0 ? "packed" : "none"
            var k = SoftAuthenticator.Knobs()
            k.format = fmt
            let r = try await Self.finish(h, bearer, session, try auth.create(options, k))
            #expect(r.status == 200, "\(r.text)")
            #expect(r["success"] == true)
            #expect(r["credential"]?.objectValue?["attestationType"]?.stringValue == (fmt == "packed" ? "self" : "none"))

            // The next registration excludes this credential; registering it again is refused.
            let (again, againSession) = try await Self.start(h, bearer)
            #expect(again.objectValue?["excludeCredentials"]?.arrayValue?.first?.objectValue?["id"]?.stringValue == Base64URL.encode(auth.credentialId))
            let duplicate = try await Self.finish(h, bearer, againSession, try auth.create(again))
            #expect(duplicate.status == 409, "\(duplicate.text)")

            let check = try await h.post("/auth/webauthn/check", .object(["email": "jane.doe@example.com"]), headers: t.headers)
            #expect(check.json == ["hasPasskeys": true])
            let (login, loginSession) = try await Self.loginStart(h, t)
            #expect(login.objectValue?["allowCredentials"]?.arrayValue?.count == 1)
            #expect(login.objectValue?["rpId"] == "gatehouse.test")
            let ok = try await Self.loginFinish(h, t, loginSession, try auth.get(login), rememberMe: true)
            #expect(ok.status == 200, "\(ok.text)")
            let access = try #require(ok["tokens"]?.objectValue?["accessToken"]?.stringValue)
            #expect(try BiometricTests.claims(access)["amr"] == ["webauthn"])
            let life = try BiometricTests.seconds(untilRFC3339: ok["tokens"]?.objectValue?["refreshTokenExpiresAt"]?.stringValue, from: h.clock.now)
            #expect(abs(life - 30 * 24 * 3600) < 5)
        }
    }

    @Test func discoverableLogin() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await Self.signedIn(h, t)
            let auth = try SoftAuthenticator()
            _ = try await Self.register(h, bearer, auth)
            let (options, session) = try await Self.loginStart(h, t, email: nil)
            #expect(options.objectValue?["allowCredentials"] == [])
            let r = try await Self.loginFinish(h, t, session, try auth.get(options))
            #expect(r.status == 200, "\(r.text)")
            // Without a userHandle a discoverable login cannot name its user.
            let (o2, s2) = try await Self.loginStart(h, t, email: nil)
            let noHandle = try await Self.loginFinish(h, t, s2, try auth.get(o2, userHandle: false))
            #expect(noHandle.status == 401, "\(noHandle.text)")
        }
    }

    @Test(arguments: TestDatabase.kinds)
    func registrationRefusals(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let bearer = try await Self.signedIn(h, t)
            func attempt(_ label: String, status: Int = 401, auth: SoftAuthenticator? = nil, _ change: (inout SoftAuthenticator.Knobs) -> Void)
                async throws
            {
                let (options, session) = try await Self.start(h, bearer)
                var k = SoftAuthenticator.Knobs()
                change(&k)
                let r = try await Self.finish(h, bearer, session, try (auth ?? SoftAuthenticator()).create(options, k))
                #expect(r.status == status, "\(label): \(r.text)")
            }
            try await attempt("wrong origin") { $0.origin = "https://evil.example" }
            try await attempt("wrong rpId") { $0.rpId = "evil.example" }
            try await attempt("wrong challenge") { $0.challenge = Base64URL.encode([UInt8](repeating: 7, count: 32)) }
            try await attempt("wrong type") { $0.type = "webauthn.get" }
            try await attempt("no user presence") { $0.userPresent = false }
            try await attempt("cross-origin iframe") { $0.crossOrigin = true }
            try await attempt("unsupported algorithm", status: 400, auth: try SoftAuthenticator(.es384)) { _ in }
            try await attempt("unknown attestation format", status: 400) { $0.format = "tpm" }

            // Reused ceremony: the first finish succeeds, the second is refused.
            let (options, session) = try await Self.start(h, bearer)
            let auth = try SoftAuthenticator()
            let response = try auth.create(options)
            #expect(try await Self.finish(h, bearer, session, response).status == 200)
            #expect(try await Self.finish(h, bearer, session, response).status == 401)

            // Expired ceremony.
            let (o2, s2) = try await Self.start(h, bearer)
            h.clock.advance(by: 301)
            #expect(try await Self.finish(h, bearer, s2, try SoftAuthenticator().create(o2)).status == 401)
            h.clock.advance(by: -301)

            // Tampered clientDataJSON (the packed self-attestation signature covers its hash).
            let (o3, s3) = try await Self.start(h, bearer)
            var k = SoftAuthenticator.Knobs()
            k.format = "packed"
            var tampered = try SoftAuthenticator().create(o3, k)
            var inner = tampered.objectValue!["response"]!.objectValue!
            var cd = Base64URL.decode(inner["clientDataJSON"]!.stringValue!)!
            cd.insert(contentsOf: Array(#""x":1,"#.utf8), at: 1)
            inner["clientDataJSON"] = .string(Base64URL.encode(cd))
            var outer = tampered.objectValue!
            outer["response"] = .object(inner)
            tampered = .object(outer)
            #expect(try await Self.finish(h, bearer, s3, tampered).status == 401)

            // Garbage.
            let (_, s4) = try await Self.start(h, bearer)
            for (body, why) in [
                (JSONValue.object(["sessionId": .string(s4)]), "no response"),
                (.object(["sessionId": .string(s4), "response": ["type": "public-key", "rawId": "AAAA", "response": ["clientDataJSON": "!!", "attestationObject": "AA"]]]), "bad base64"),
                (.object(["sessionId": .string(s4), "response": ["type": "public-key", "rawId": "AAAA", "response": ["clientDataJSON": "e30", "attestationObject": "oA"]]]), "empty attestation map"),
                (.object(["sessionId": .string(s4), "response": ["type": "password", "rawId": "AAAA"]]), "wrong type"),
                (.object(["sessionId": "x", "response": [:]]), "bad session id"),
                (.object(["sessionId": .string(s4), "response": ["type": "public-key", "rawId": .string(String(repeating: "A", count: 5000)), "response": [:]]]), "oversize id"),
            ] {
                let r = try await h.post("/auth/webauthn/register/finish", body, headers: bearer)
                #expect(r.status == 400 || r.status == 401, "\(why): \(r.text)")
            }
        }
    }

    @Test(arguments: TestDatabase.kinds)
    func loginRefusals(kind: String) async throws {
        // Many failures on purpose: keep the brute-force lock (tested elsewhere) out of the way.
        try await withHarness(kind: kind, configure: { $0.engine.bruteForce.accountLimit = 100 }) { h in
            let t = try await h.createTenant()
            let bearer = try await Self.signedIn(h, t)
            let auth = try SoftAuthenticator()
            _ = try await Self.register(h, bearer, auth)
            func attempt(_ label: String, _ change: (inout SoftAuthenticator.Knobs) -> Void) async throws {
                let (options, session) = try await Self.loginStart(h, t)
                var k = SoftAuthenticator.Knobs()
                change(&k)
                let r = try await Self.loginFinish(h, t, session, try auth.get(options, k))
                #expect(r.status == 401, "\(label): \(r.text)")
            }
            try await attempt("wrong origin") { $0.origin = "https://evil.example" }
            try await attempt("wrong rpId") { $0.rpId = "evil.example" }
            try await attempt("wrong challenge") { $0.challenge = Base64URL.encode([UInt8](repeating: 1, count: 32)) }
            try await attempt("no user presence") { $0.userPresent = false }

            // Bad signature and tampered data.
            let (o1, s1) = try await Self.loginStart(h, t)
            var r1 = try auth.get(o1).objectValue!
            var i1 = r1["response"]!.objectValue!
            var sig = Base64URL.decode(i1["signature"]!.stringValue!)!
            sig[sig.count - 3] ^= 0x55
            i1["signature"] = .string(Base64URL.encode(sig))
            r1["response"] = .object(i1)
            #expect(try await Self.loginFinish(h, t, s1, .object(r1)).status == 401, "bad signature")
            let (o2, s2) = try await Self.loginStart(h, t)
            var r2 = try auth.get(o2).objectValue!
            var i2 = r2["response"]!.objectValue!
            var ad = Base64URL.decode(i2["authenticatorData"]!.stringValue!)!
            ad[32] |= 0x08  // claim backup eligibility after signing
            i2["authenticatorData"] = .string(Base64URL.encode(ad))
            r2["response"] = .object(i2)
            #expect(try await Self.loginFinish(h, t, s2, .object(r2)).status == 401, "tampered authenticatorData")

            // A good login, then its response replayed on the spent ceremony.
            let (o3, s3) = try await Self.loginStart(h, t)
            let good = try auth.get(o3)
            #expect(try await Self.loginFinish(h, t, s3, good).status == 200)
            #expect(try await Self.loginFinish(h, t, s3, good).status == 401, "reused challenge")
            // A replay is refused as such: it does not mark the passkey cloned.
            let (o3b, s3b) = try await Self.loginStart(h, t)
            #expect(try await Self.loginFinish(h, t, s3b, try auth.get(o3b)).status == 200, "still usable after a replay")
            // A session id of another kind of ceremony, or altered, is refused.
            let device = try await h.post("/auth/biometric/challenge", ["deviceFingerprint": "x"], headers: t.headers)
            let (o3c, _) = try await Self.loginStart(h, t)
            let foreignId = try #require(device.string("sessionId"))
            #expect(try await Self.loginFinish(h, t, foreignId, try auth.get(o3c)).status == 401, "device-login session id")
            let (o3d, s3d) = try await Self.loginStart(h, t)
            var altered = Array(s3d)
            altered[altered.count / 2] = altered[altered.count / 2] == "A" ? "B" : "A"
            #expect(try await Self.loginFinish(h, t, String(altered), try auth.get(o3d)).status == 401, "altered session id")

            // Expired ceremony.
            let (o4, s4) = try await Self.loginStart(h, t)
            h.clock.advance(by: 301)
            #expect(try await Self.loginFinish(h, t, s4, try auth.get(o4)).status == 401, "expired")
            h.clock.advance(by: -301)

            // The same credential presented to another tenant is unknown there.
            let t2 = try await h.createTenant("Other Co")
            let (o5, s5) = try await Self.loginStart(h, t2, email: nil)
            #expect(try await Self.loginFinish(h, t2, s5, try auth.get(o5)).status == 401, "credential of another tenant")

            // Counter regression: a clone answers with an old counter; the passkey is blocked from then on.
            let (o6, s6) = try await Self.loginStart(h, t)
            var k = SoftAuthenticator.Knobs()
            k.counter = 1
            #expect(try await Self.loginFinish(h, t, s6, try auth.get(o6, k)).status == 401, "counter regression")
            let list = try await h.call(.get, "/auth/webauthn/credentials", headers: bearer)
            #expect(list["credentials"]?.arrayValue?.first?.objectValue?["cloneWarning"] == true, "\(list.text)")
            let (o7, s7) = try await Self.loginStart(h, t)
            #expect(try await Self.loginFinish(h, t, s7, try auth.get(o7)).status == 401, "blocked after the clone warning")
            let events = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 500).map(\.type)
            #expect(events.contains("passkey.clone_warning"))
        }
    }

    /// Two assertions carrying the same counter (what a cloned authenticator produces), finished at once:
    /// exactly one logs in, and the passkey is marked and refused from then on.
    @Test(arguments: TestDatabase.kinds)
    func sameCounterTwiceAtOnce(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let bearer = try await Self.signedIn(h, t)
            let auth = try SoftAuthenticator()
            _ = try await Self.register(h, bearer, auth)
            let (o1, s1) = try await Self.loginStart(h, t)
            let (o2, s2) = try await Self.loginStart(h, t)
            let a1 = try auth.get(o1)
            auth.counter -= 1
            let a2 = try auth.get(o2)
            async let r1 = Self.loginFinish(h, t, s1, a1)
            async let r2 = Self.loginFinish(h, t, s2, a2)
            let statuses = [try await r1.status, try await r2.status].sorted()
            #expect(statuses == [200, 401], "\(statuses)")
            let list = try await h.call(.get, "/auth/webauthn/credentials", headers: bearer)
            #expect(list["credentials"]?.arrayValue?.first?.objectValue?["cloneWarning"] == true, "\(list.text)")
        }
    }

    @Test func failedAssertionsAreThrottled() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await Self.signedIn(h, t)
            let auth = try SoftAuthenticator()
            _ = try await Self.register(h, bearer, auth)
            var statuses: [Int] = []
            for _ in 0..<6 {
                let (options, session) = try await Self.loginStart(h, t)
                var k = SoftAuthenticator.Knobs()
                k.origin = "https://evil.example"
                statuses.append(try await Self.loginFinish(h, t, session, try auth.get(options, k)).status)
            }
            #expect(statuses.prefix(4).allSatisfy { $0 == 401 } && statuses.last == 429, "\(statuses)")
            let (options, session) = try await Self.loginStart(h, t)
            #expect(try await Self.loginFinish(h, t, session, try auth.get(options)).status == 429, "locked for the right answer too")
            h.clock.advance(by: 31)
            let (o2, s2) = try await Self.loginStart(h, t)
            #expect(try await Self.loginFinish(h, t, s2, try auth.get(o2)).status == 200)
        }
    }

    @Test func userVerificationRequiredByTheTenant() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let set = try await h.call(.put, "/v2/tenants", headers: t.admin, json: ["webauthnUserVerification": "required"])
            #expect(set.status == 200, "\(set.text)")
            #expect(set["webauthnUserVerification"] == "required")
            let bearer = try await Self.signedIn(h, t)
            let (options, session) = try await Self.start(h, bearer)
            #expect(options.objectValue?["authenticatorSelection"]?.objectValue?["userVerification"] == "required")
            var k = SoftAuthenticator.Knobs()
            k.userVerified = false
            let auth = try SoftAuthenticator()
            #expect(try await Self.finish(h, bearer, session, try auth.create(options, k)).status == 401)
            _ = try await Self.register(h, bearer, auth)
            let (login, loginSession) = try await Self.loginStart(h, t)
            #expect(try await Self.loginFinish(h, t, loginSession, try auth.get(login, k)).status == 401, "UV missing")
            let (login2, session2) = try await Self.loginStart(h, t)
            #expect(try await Self.loginFinish(h, t, session2, try auth.get(login2)).status == 200)
        }
    }

    @Test func tenantRelyingPartySettings() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let r = try await h.call(
                .put, "/v2/tenants", headers: t.admin,
                json: ["webauthnRpId": "example.com", "webauthnRpName": "Example", "webauthnOrigins": ["https://app.example.com", "https://example.com"]])
            #expect(r.status == 200, "\(r.text)")
            #expect(r["webauthnOrigins"] == ["https://app.example.com", "https://example.com"])
            let bearer = try await Self.signedIn(h, t)
            let (options, session) = try await Self.start(h, bearer)
            #expect(options.objectValue?["rp"] == ["id": "example.com", "name": "Example"])
            var k = SoftAuthenticator.Knobs()
            k.rpId = "example.com"
            k.origin = "https://app.example.com"
            #expect(try await Self.finish(h, bearer, session, try SoftAuthenticator().create(options, k)).status == 200)
            for (body, why) in [
                (JSONValue.object(["webauthnOrigins": ["https://evil.example"]]), "origin not on the rpId"),
                (.object(["webauthnOrigins": ["http://app.example.com"]]), "plain http off localhost"),
                (.object(["webauthnOrigins": ["https://example.com/path"]]), "a path is not an origin"),
                (.object(["webauthnRpId": "Example.COM"]), "upper case"),
                (.object(["webauthnRpId": "https://example.com"]), "a URL is not an rpId"),
                (.object(["webauthnUserVerification": "sometimes"]), "bad UV"),
                (.object(["webauthnAttestation": "enterprise"]), "bad attestation"),
                (.object(["webauthnOrigins": .array(Array(repeating: "https://example.com", count: 21))]), "too many"),
            ] {
                let bad = try await h.call(.put, "/v2/tenants", headers: t.admin, json: body)
                #expect(bad.status == 400, "\(why): \(bad.text)")
            }
        }
    }

    @Test func credentialManagementAndPrompt() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let bearer = try await Self.signedIn(h, t)
            let other = try await Self.signedIn(h, t, email: "john@example.com", username: "john")
            let id = try await Self.register(h, bearer, try SoftAuthenticator())
            let list = try await h.call(.get, "/auth/webauthn/credentials", headers: bearer)
            let item = try #require(list["credentials"]?.arrayValue?.first?.objectValue)
            for key in ["id", "name", "createdAt", "isActive", "transportFlags"] { #expect(item[key] != nil, "\(key)") }
            #expect(item["name"] == "MacBook Touch ID" && item["transportFlags"] == ["internal", "hybrid"])
            #expect(item["lastUsedAt"] == .null, "shown, null until first use (seed 004; issue 12, item 6)")

            #expect(try await h.call(.patch, "/auth/webauthn/credentials/\(id)", headers: other, json: ["name": "mine"]).status == 404)
            let renamed = try await h.call(.patch, "/auth/webauthn/credentials/\(id)", headers: bearer, json: ["name": "Work laptop"])
            #expect(renamed.status == 200, "\(renamed.text)")
            #expect(try await h.call(.get, "/auth/webauthn/credentials", headers: bearer)["credentials"]?.arrayValue?.first?.objectValue?["name"] == "Work laptop")
            #expect(try await h.call(.delete, "/auth/webauthn/credentials/\(id)", headers: other).status == 404)
            #expect(try await h.call(.delete, "/auth/webauthn/credentials/\(id)", headers: bearer).status == 204)
            #expect(try await h.call(.delete, "/auth/webauthn/credentials/\(id)", headers: bearer).status == 404)
            #expect(try await h.post("/auth/webauthn/check", ["email": "jane.doe@example.com"], headers: t.headers).json == ["hasPasskeys": false])
            #expect(try await h.post("/auth/webauthn/check", ["email": "nobody@example.com"], headers: t.headers).json == ["hasPasskeys": false])

            #expect(try await h.call(.get, "/auth/profile", headers: bearer)["passkeyPrompt"] == "pending")
            let set = try await h.call(.put, "/auth/webauthn/prompt", headers: bearer, json: ["status": "dismissed"])
            #expect(set.status == 200 && set["success"] == true, "\(set.text)")
            #expect(try await h.call(.get, "/auth/profile", headers: bearer)["passkeyPrompt"] == "dismissed")
            #expect(try await h.call(.put, "/auth/webauthn/prompt", headers: bearer, json: ["status": "later"]).status == 400)
            #expect(try await h.call(.put, "/auth/webauthn/prompt", headers: t.headers, json: ["status": "accepted"]).status == 401)
        }
    }
}
