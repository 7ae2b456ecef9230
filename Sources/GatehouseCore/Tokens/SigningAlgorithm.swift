import Crypto
import Foundation

/// The algorithms we sign our own tokens with. ES256 by default.
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    case ES256
    case EdDSA
}

/// A private signing key of one of our algorithms.
public enum PrivateSigningKey: Sendable {
    case es256(P256.Signing.PrivateKey)
    case eddsa(Curve25519.Signing.PrivateKey)

    public static func generate(_ algorithm: SigningAlgorithm) -> PrivateSigningKey {
        switch algorithm {
        case .ES256: .es256(P256.Signing.PrivateKey())
        case .EdDSA: .eddsa(Curve25519.Signing.PrivateKey())
        }
    }

    public var algorithm: SigningAlgorithm {
        switch self {
        case .es256: .ES256
        case .eddsa: .EdDSA
        }
    }

    /// Bytes to seal at rest.
    public var exportedBytes: [UInt8] {
        switch self {
        case .es256(let k): Array(k.derRepresentation)
        case .eddsa(let k): Array(k.rawRepresentation)
        }
    }

    public init(algorithm: SigningAlgorithm, exportedBytes: [UInt8]) throws {
        switch algorithm {
        case .ES256: self = .es256(try P256.Signing.PrivateKey(derRepresentation: exportedBytes))
        case .EdDSA: self = .eddsa(try Curve25519.Signing.PrivateKey(rawRepresentation: exportedBytes))
        }
    }

    public func sign(_ input: [UInt8]) throws -> [UInt8] {
        switch self {
        case .es256(let k): Array(try k.signature(for: input).rawRepresentation)
        case .eddsa(let k): Array(try k.signature(for: input))
        }
    }

    public var publicKey: PublicVerificationKey {
        switch self {
        case .es256(let k): .es256(k.publicKey)
        case .eddsa(let k): .eddsa(k.publicKey)
        }
    }
}

public enum PublicVerificationKey: Sendable {
    case es256(P256.Signing.PublicKey)
    case eddsa(Curve25519.Signing.PublicKey)

    public var algorithm: SigningAlgorithm {
        switch self {
        case .es256: .ES256
        case .eddsa: .EdDSA
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
        }
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
        default:
            throw GatehouseError(.internalError, "stored JWK has an unsupported key type")
        }
    }
}
