import Crypto
import Foundation
import GatehouseCore
import _CryptoExtras

/// A stand-in for a tenant's external identity provider: real keys, real signatures, its own JWKS.
struct ExternalIssuer: Sendable {
    enum Key: Sendable {
        case eddsa(Curve25519.Signing.PrivateKey)
        case es256(P256.Signing.PrivateKey)
        case rs256(_RSA.Signing.PrivateKey)
    }

    let issuer: String
    let kid: String
    let key: Key

    static func eddsa(_ issuer: String = "https://signer.example.com", kid: String = "ed-1") -> ExternalIssuer {
        ExternalIssuer(issuer: issuer, kid: kid, key: .eddsa(Curve25519.Signing.PrivateKey()))
    }
    static func es256(_ issuer: String = "https://es.example.com", kid: String = "es-1") -> ExternalIssuer {
        ExternalIssuer(issuer: issuer, kid: kid, key: .es256(P256.Signing.PrivateKey()))
    }
    static func rs256(_ issuer: String = "https://rs.example.com", kid: String = "rs-1") throws -> ExternalIssuer {
        ExternalIssuer(issuer: issuer, kid: kid, key: .rs256(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
    }

    var alg: String {
        switch key {
        case .eddsa: "EdDSA"
        case .es256: "ES256"
        case .rs256: "RS256"
        }
    }

    var jwk: [String: String] {
        switch key {
        case .eddsa(let k):
            return ["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(k.publicKey.rawRepresentation), "kid": kid, "use": "sig"]
        case .es256(let k):
            let raw = Array(k.publicKey.rawRepresentation)
            return [
                "kty": "EC", "crv": "P-256", "x": Base64URL.encode(raw[0..<32]), "y": Base64URL.encode(raw[32..<64]),
                "kid": kid, "use": "sig",
            ]
        case .rs256(let k):
            let p = try! k.publicKey.getKeyPrimitives()
            return ["kty": "RSA", "n": Base64URL.encode(p.modulus), "e": Base64URL.encode(p.publicExponent), "kid": kid, "use": "sig"]
        }
    }

    var jwksValue: JSONValue { .object(["keys": .array([.object(jwk.mapValues { .string($0) })])]) }
    var jwksJSON: String { String(decoding: try! JSONEncoder().encode(jwksValue), as: UTF8.self) }

    /// A signed token; every knob an attacker or a misconfigured provider could turn.
    func token(
        sub: String = "ext-user-1", email: String? = "user@example.com", aud: String? = "gatehouse-tests",
        now: Date, expiresIn: TimeInterval = 300, nbf: Date? = nil, iss: String? = nil, headerAlg: String? = nil,
        headerKid: String?? = .some(nil), extra: [String: JSONValue] = [:], signer: ExternalIssuer? = nil
    ) throws -> String {
        var claims: [String: JSONValue] = [
            "iss": .string(iss ?? issuer), "sub": .string(sub), "iat": .number(now.timeIntervalSince1970.rounded()),
            "exp": .number((now.timeIntervalSince1970 + expiresIn).rounded()),
        ]
        if let email { claims["email"] = .string(email) }
        if let aud { claims["aud"] = .string(aud) }
        if let nbf { claims["nbf"] = .number(nbf.timeIntervalSince1970.rounded()) }
        for (k, v) in extra { claims[k] = v }
        var header = ["alg": headerAlg ?? alg, "typ": "JWT"]
        switch headerKid {
        case .none: break
        case .some(.none): header["kid"] = kid
        case .some(.some(let k)): header["kid"] = k
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try CompactJWS.serialize(header: header, payloadJSON: try encoder.encode(claims)) { input in
            try (signer ?? self).sign(input)
        }
    }

    func sign(_ input: [UInt8]) throws -> [UInt8] {
        switch key {
        case .eddsa(let k): Array(try k.signature(for: input))
        case .es256(let k): Array(try k.signature(for: input).rawRepresentation)
        case .rs256(let k): Array(try k.signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }
}
