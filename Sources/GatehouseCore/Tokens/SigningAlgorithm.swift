import Crypto
import Foundation
import _CryptoExtras

/// The algorithms we sign our own tokens with: ES256 by default; RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC
/// 7518 §3.3, 2048-bit keys) for the OpenID Connect ID tokens of clients that ask for it.
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    case ES256
    case EdDSA
    case RS256
}

/// A private signing key of one of our algorithms.
public enum PrivateSigningKey: Sendable {
    case es256(P256.Signing.PrivateKey)
    case eddsa(Curve25519.Signing.PrivateKey)
    case rs256(_RSA.Signing.PrivateKey)

    public static func generate(_ algorithm: SigningAlgorithm) throws -> PrivateSigningKey {
        switch algorithm {
        case .ES256: .es256(P256.Signing.PrivateKey())
        case .EdDSA: .eddsa(Curve25519.Signing.PrivateKey())
        case .RS256: .rs256(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        }
    }

    public var algorithm: SigningAlgorithm {
        switch self {
        case .es256: .ES256
        case .eddsa: .EdDSA
        case .rs256: .RS256
        }
    }

    /// Bytes to seal at rest.
    public var exportedBytes: [UInt8] {
        switch self {
        case .es256(let k): Array(k.derRepresentation)
        case .eddsa(let k): Array(k.rawRepresentation)
        case .rs256(let k): Array(k.derRepresentation)
        }
    }

    public init(algorithm: SigningAlgorithm, exportedBytes: [UInt8]) throws {
        switch algorithm {
        case .ES256: self = .es256(try P256.Signing.PrivateKey(derRepresentation: exportedBytes))
        case .EdDSA: self = .eddsa(try Curve25519.Signing.PrivateKey(rawRepresentation: exportedBytes))
        case .RS256: self = .rs256(try _RSA.Signing.PrivateKey(derRepresentation: exportedBytes))
        }
    }

    public func sign(_ input: [UInt8]) throws -> [UInt8] {
        switch self {
        case .es256(let k): Array(try k.signature(for: input).rawRepresentation)
        case .eddsa(let k): Array(try k.signature(for: input))
        case .rs256(let k): Array(try k.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }

    public var publicKey: PublicVerificationKey {
        switch self {
        case .es256(let k): .es256(k.publicKey)
        case .eddsa(let k): .eddsa(k.publicKey)
        case .rs256(let k): .rs256(k.publicKey)
        }
    }
}

public enum PublicVerificationKey: Sendable {
    case es256(P256.Signing.PublicKey)
    case eddsa(Curve25519.Signing.PublicKey)
    case rs256(_RSA.Signing.PublicKey)

    public var algorithm: SigningAlgorithm {
        switch self {
        case .es256: .ES256
        case .eddsa: .EdDSA
        case .rs256: .RS256
        }
    }

    public func isValidSignature(_ signature: [UInt8], for input: [UInt8]) -> Bool {
        switch self {
        case .es256(let k):
            guard signature.count == 64, let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return k.isValidSignature(sig, for: input)
        case .eddsa(let k):
            return signature.count == 64 && k.isValidSignature(signature, for: input)
        case .rs256(let k):
            return k.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
        }
    }

    /// The public JWK (RFC 7517) with `kid`, `alg` and `use`.
    public func jwk(kid: String) -> [String: String] {
        switch self {
        case .es256(let k):
            let raw = Array(k.rawRepresentation)  // x ‖ y
            return [
                "kty": "EC", "crv": "P-256", "x": Base64URL.encode(raw[0..<32]), "y": Base64URL.encode(raw[32..<64]),
                "kid": kid, "alg": "ES256", "use": "sig",
            ]
        case .eddsa(let k):
            return [
                "kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(k.rawRepresentation), "kid": kid, "alg": "EdDSA",
                "use": "sig",
            ]
        case .rs256(let k):
            // RFC 7518 §6.3.1: n and e as unsigned big-endian integers, base64url; a primitive that cannot be
            // read leaves the JWK without it, which no verifier accepts.
            let primitives = try? k.getKeyPrimitives()
            return [
                "kty": "RSA", "n": Base64URL.encode(Self.unsigned(primitives?.modulus ?? Data())),
                "e": Base64URL.encode(Self.unsigned(primitives?.publicExponent ?? Data())), "kid": kid, "alg": "RS256", "use": "sig",
            ]
        }
    }

    /// An integer's bytes without leading zero bytes (RFC 7518 §2 Base64urlUInt).
    static func unsigned(_ bytes: Data) -> [UInt8] {
        Array(bytes.drop(while: { $0 == 0 }))
    }

    public init(jwk: [String: String]) throws {
        switch (jwk["kty"], jwk["crv"]) {
        case ("EC", "P-256"):
            guard let x = jwk["x"].flatMap(Base64URL.decode), let y = jwk["y"].flatMap(Base64URL.decode),
                x.count == 32, y.count == 32
            else { throw GatehouseError(.internalError, "stored JWK is malformed") }
            self = .es256(try P256.Signing.PublicKey(rawRepresentation: x + y))
        case ("OKP", "Ed25519"):
            guard let x = jwk["x"].flatMap(Base64URL.decode) else {
                throw GatehouseError(.internalError, "stored JWK is malformed")
            }
            self = .eddsa(try Curve25519.Signing.PublicKey(rawRepresentation: x))
        case ("RSA", _):
            guard let n = jwk["n"].flatMap(Base64URL.decode), let e = jwk["e"].flatMap(Base64URL.decode), !n.isEmpty, !e.isEmpty
            else { throw GatehouseError(.internalError, "stored JWK is malformed") }
            self = .rs256(try _RSA.Signing.PublicKey(n: n, e: e))
        default:
            throw GatehouseError(.internalError, "stored JWK has an unsupported key type")
        }
    }
}
