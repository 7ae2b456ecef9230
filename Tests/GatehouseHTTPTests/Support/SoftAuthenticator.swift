import Crypto
import Foundation
import GatehouseCore
import _CryptoExtras

/// Just enough CBOR encoding to play an authenticator in tests (the server only decodes).
enum CBORWriter {
    static func head(_ major: UInt8, _ value: UInt64) -> [UInt8] {
        switch value {
        case 0..<24: [major << 5 | UInt8(value)]
        case 24..<256: [major << 5 | 24, UInt8(value)]
        case 256..<65536: [major << 5 | 25, UInt8(value >> 8), UInt8(value & 0xFF)]
        default: [major << 5 | 26] + (0..<4).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) }
        }
    }
    static func int(_ v: Int64) -> [UInt8] { v >= 0 ? head(0, UInt64(v)) : head(1, UInt64(-1 - v)) }
    static func bytes(_ b: [UInt8]) -> [UInt8] { head(2, UInt64(b.count)) + b }
    static func text(_ s: String) -> [UInt8] { head(3, UInt64(s.utf8.count)) + Array(s.utf8) }
    static func map(_ pairs: [([UInt8], [UInt8])]) -> [UInt8] { head(5, UInt64(pairs.count)) + pairs.flatMap { $0.0 + $0.1 } }
    static func array(_ items: [[UInt8]]) -> [UInt8] { head(4, UInt64(items.count)) + items.flatMap { $0 } }
}

/// A software authenticator: makes credentials and assertions the way a platform authenticator does, with
/// knobs to break each rule the server must enforce.
final class SoftAuthenticator: @unchecked Sendable {
    enum Algorithm { case es256, eddsa, rs256, es384 }

    let algorithm: Algorithm
    let credentialId: [UInt8]
    var counter: UInt32 = 0
    var userHandle: [UInt8] = []
    private let p256 = P256.Signing.PrivateKey()
    private let ed25519 = Curve25519.Signing.PrivateKey()
    private let p384 = P384.Signing.PrivateKey()
    private let rsa: _RSA.Signing.PrivateKey?

    init(_ algorithm: Algorithm = .es256) throws {
        self.algorithm = algorithm
        credentialId = (0..<32).map { _ in UInt8.random(in: 0...255) }
        rsa = algorithm == .rs256 ? try _RSA.Signing.PrivateKey(keySize: .bits2048) : nil
    }

    var coseKey: [UInt8] {
        switch algorithm {
        case .es256:
            let raw = Array(p256.publicKey.rawRepresentation)
            return CBORWriter.map([
                (CBORWriter.int(1), CBORWriter.int(2)), (CBORWriter.int(3), CBORWriter.int(-7)), (CBORWriter.int(-1), CBORWriter.int(1)),
                (CBORWriter.int(-2), CBORWriter.bytes(Array(raw[0..<32]))), (CBORWriter.int(-3), CBORWriter.bytes(Array(raw[32...]))),
            ])
        case .eddsa:
            return CBORWriter.map([
                (CBORWriter.int(1), CBORWriter.int(1)), (CBORWriter.int(3), CBORWriter.int(-8)), (CBORWriter.int(-1), CBORWriter.int(6)),
                (CBORWriter.int(-2), CBORWriter.bytes(Array(ed25519.publicKey.rawRepresentation))),
            ])
        case .rs256:
            let p = try! rsa!.publicKey.getKeyPrimitives()
            return CBORWriter.map([
                (CBORWriter.int(1), CBORWriter.int(3)), (CBORWriter.int(3), CBORWriter.int(-257)),
                (CBORWriter.int(-1), CBORWriter.bytes(Array(p.modulus))), (CBORWriter.int(-2), CBORWriter.bytes(Array(p.publicExponent))),
            ])
        case .es384:
            let raw = Array(p384.publicKey.rawRepresentation)
            return CBORWriter.map([
                (CBORWriter.int(1), CBORWriter.int(2)), (CBORWriter.int(3), CBORWriter.int(-35)), (CBORWriter.int(-1), CBORWriter.int(2)),
                (CBORWriter.int(-2), CBORWriter.bytes(Array(raw[0..<48]))), (CBORWriter.int(-3), CBORWriter.bytes(Array(raw[48...]))),
            ])
        }
    }

    var coseAlgorithm: Int64 {
        switch algorithm {
        case .es256: -7
        case .eddsa: -8
        case .rs256: -257
        case .es384: -35
        }
    }

    func sign(_ data: [UInt8]) throws -> [UInt8] {
        switch algorithm {
        case .es256: Array(try p256.signature(for: data).derRepresentation)
        case .eddsa: Array(try ed25519.signature(for: data))
        case .rs256: Array(try rsa!.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation)
        case .es384: Array(try p384.signature(for: data).derRepresentation)
        }
    }

    struct Knobs {
        var origin = "http://gatehouse.test"
        var rpId = "gatehouse.test"
        var type: String?
        var challenge: String?
        var userPresent = true
        var userVerified = true
        var format = "none"
        var counter: UInt32?
        var crossOrigin = false
    }

    func clientData(type: String, challenge: String, _ k: Knobs) -> [UInt8] {
        var o: [String: JSONValue] = ["type": .string(k.type ?? type), "challenge": .string(k.challenge ?? challenge), "origin": .string(k.origin)]
        if k.crossOrigin { o["crossOrigin"] = true }
        return Array(try! JSONEncoder().encode(JSONValue.object(o)))
    }

    func authData(_ k: Knobs, attested: Bool) -> [UInt8] {
        var flags: UInt8 = 0
        if k.userPresent { flags |= 0x01 }
        if k.userVerified { flags |= 0x04 }
        if attested { flags |= 0x40 }
        let count = k.counter ?? counter
        var out = Digest.sha256(Array(k.rpId.utf8)) + [flags] + (0..<4).reversed().map { UInt8((count >> ($0 * 8)) & 0xFF) }
        if attested {
            out += [UInt8](repeating: 0xAA, count: 16) + [UInt8(credentialId.count >> 8), UInt8(credentialId.count & 0xFF)]
            out += credentialId + coseKey
        }
        return out
    }

    /// navigator.credentials.create(): RegistrationResponseJSON for the server's options.
    func create(_ options: JSONValue, _ k: Knobs = Knobs()) throws -> JSONValue {
        let challenge = options.objectValue?["challenge"]?.stringValue ?? ""
        userHandle = Base64URL.decode(options.objectValue?["user"]?.objectValue?["id"]?.stringValue ?? "") ?? []
        let cd = clientData(type: "webauthn.create", challenge: challenge, k)
        let ad = authData(k, attested: true)
        var statement = CBORWriter.map([])
        if k.format == "packed" {
            let sig = try sign(ad + Digest.sha256(cd))
            statement = CBORWriter.map([
                (CBORWriter.text("alg"), CBORWriter.int(coseAlgorithm)), (CBORWriter.text("sig"), CBORWriter.bytes(sig)),
            ])
        }
        let object = CBORWriter.map([
            (CBORWriter.text("fmt"), CBORWriter.text(k.format)), (CBORWriter.text("attStmt"), statement),
            (CBORWriter.text("authData"), CBORWriter.bytes(ad)),
        ])
        let id = Base64URL.encode(credentialId)
        return [
            "id": .string(id), "rawId": .string(id), "type": "public-key",
            "response": [
                "clientDataJSON": .string(Base64URL.encode(cd)), "attestationObject": .string(Base64URL.encode(object)),
                "transports": ["internal", "hybrid"],
            ],
            "clientExtensionResults": [:],
        ]
    }

    /// navigator.credentials.get(): AuthenticationResponseJSON; the counter moves on each call.
    func get(_ options: JSONValue, _ k: Knobs = Knobs(), userHandle handle: Bool = true) throws -> JSONValue {
        counter += 1
        let challenge = options.objectValue?["challenge"]?.stringValue ?? ""
        let cd = clientData(type: "webauthn.get", challenge: challenge, k)
        let ad = authData(k, attested: false)
        let sig = try sign(ad + Digest.sha256(cd))
        let id = Base64URL.encode(credentialId)
        var inner: [String: JSONValue] = [
            "clientDataJSON": .string(Base64URL.encode(cd)), "authenticatorData": .string(Base64URL.encode(ad)),
            "signature": .string(Base64URL.encode(sig)),
        ]
        if handle { inner["userHandle"] = .string(Base64URL.encode(userHandle)) }
        return ["id": .string(id), "rawId": .string(id), "type": "public-key", "response": .object(inner)]
    }
}
