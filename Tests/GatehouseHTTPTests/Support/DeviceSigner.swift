import Crypto
import Foundation
import GatehouseCore
import HTTPTypes
import Testing
import _CryptoExtras

/// A device key made in the test, as a phone would hold it: exports its public key in the forms clients
/// send and signs challenges the way iOS and Android do.
struct DeviceSigner: Sendable {
    enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }
    enum KeyFormat: String, Sendable, CaseIterable { case spki, rawPoint, pem }

    let key: Key
    let algorithm: String
    /// ES256 only: raw r‖s instead of DER.
    var rawSignatures = false

    static func es256(raw: Bool = false) -> DeviceSigner { DeviceSigner(key: .p256(.init()), algorithm: "ES256", rawSignatures: raw) }
    static func rsa(_ algorithm: String, bits: Int = 2048) throws -> DeviceSigner {
        // Weak keys only to prove the server refuses them.
        let key =
            bits < 2048
            ? try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))
            : try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits))
        return DeviceSigner(key: .rsa(key), algorithm: algorithm)
    }

    func publicKey(_ format: KeyFormat = .spki) -> String {
        switch (key, format) {
        case (.p256(let k), .rawPoint): k.publicKey.x963Representation.base64EncodedString()
        case (.p256(let k), .pem): k.publicKey.pemRepresentation
        case (.p256(let k), .spki): k.publicKey.derRepresentation.base64EncodedString()
        case (.rsa(let k), .pem): k.publicKey.pemRepresentation
        case (.rsa(let k), _): k.publicKey.derRepresentation.base64EncodedString()
        }
    }

    func sign(_ challenge: String) throws -> String {
        let message = Array(challenge.utf8)
        switch key {
        case .p256(let k):
            let s = try k.signature(for: message)
            return (rawSignatures ? s.rawRepresentation : s.derRepresentation).base64EncodedString()
        case .rsa(let k):
            let padding: _RSA.Signing.Padding = algorithm == "PS256" ? .PSS : .insecurePKCS1v1_5
            return try k.signature(for: SHA256.hash(data: message), padding: padding).rawRepresentation.base64EncodedString()
        }
    }
}

/// A signed-in Enterprise user with a registered device: the common start of device and confirmation tests.
struct DeviceUser: Sendable {
    var bearer: [String: String]
    var deviceId: String
    var fingerprint: String
    var signer: DeviceSigner
    var number: Int64

    /// Creates the user (password login) and registers `signer` under `fingerprint`.
    static func make(
        _ h: Harness, _ t: Harness.TenantSetup, email: String = "jane.doe@example.com", username: String = "jane.doe",
        signer: DeviceSigner = .es256(), fingerprint: String = "fp-\(UUID().uuidString)", format: DeviceSigner.KeyFormat = .spki
    ) async throws -> DeviceUser {
        _ = try await ClassicAPITests.user(h, username: username, email: email, tenant: t)
        let login = try await EnterpriseAuthTests.login(h, t, email: email)
        let token = try #require(login.string("token"), "\(login.text)")
        let bearer = ["authorization": "Bearer \(token)", "x-project-key": t.projectKey]
        let deviceId = try await register(h, bearer: bearer, signer: signer, fingerprint: fingerprint, format: format)
        let profile = try await h.call(.get, "/auth/profile", headers: bearer)
        return DeviceUser(
            bearer: bearer, deviceId: deviceId, fingerprint: fingerprint, signer: signer,
            number: Int64(try #require(profile["id"]?.numberValue)))
    }

    static func registerChallenge(
        _ h: Harness, bearer: [String: String], signer: DeviceSigner, fingerprint: String, format: DeviceSigner.KeyFormat = .spki
    ) async throws -> Reply {
        try await h.post(
            "/auth/biometric/register/challenge",
            .object([
                "deviceFingerprint": .string(fingerprint), "deviceName": "Jane's phone", "deviceType": "mobile",
                "keyAlgorithm": .string(signer.algorithm), "publicKey": .string(signer.publicKey(format)),
            ]), headers: bearer)
    }

    static func register(
        _ h: Harness, bearer: [String: String], signer: DeviceSigner, fingerprint: String, format: DeviceSigner.KeyFormat = .spki
    ) async throws -> String {
        let c = try await registerChallenge(h, bearer: bearer, signer: signer, fingerprint: fingerprint, format: format)
        #expect(c.status == 200, "\(c.text)")
        let v = try await h.post(
            "/auth/biometric/register/verify",
            .object([
                "sessionId": .string(try #require(c.string("sessionId"))),
                "signedChallenge": .string(try signer.sign(try #require(c.string("challenge")))),
            ]), headers: bearer)
        #expect(v.status == 200, "\(v.text)")
        #expect(v["success"] == .bool(true))
        return try #require(v.string("deviceId"))
    }

    /// A login challenge for this device, signed by `by` (this device's key unless given).
    func loginAttempt(_ h: Harness, _ t: Harness.TenantSetup, by: DeviceSigner? = nil, rememberMe: Bool? = nil) async throws -> Reply {
        let c = try await h.post("/auth/biometric/challenge", .object(["deviceFingerprint": .string(fingerprint)]), headers: t.headers)
        #expect(c.status == 200, "\(c.text)")
        var body: [String: JSONValue] = [
            "sessionId": .string(try #require(c.string("sessionId"))),
            "signedChallenge": .string(try (by ?? signer).sign(try #require(c.string("challenge")))),
        ]
        if let rememberMe { body["rememberMe"] = .bool(rememberMe) }
        return try await h.post("/auth/biometric/authenticate", .object(body), headers: t.headers)
    }
}
