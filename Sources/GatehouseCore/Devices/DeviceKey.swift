import Crypto
import Foundation
import _CryptoExtras

/// The algorithms a device key may use (seed 004).
public enum DeviceKeyAlgorithm: String, Sendable, CaseIterable, Codable {
    case ES256, RS256, PS256
}

/// A device's public key, as iOS and Android hand them over, and the check of what it signed.
/// Accepted forms: base64 of SPKI DER, base64 of a raw uncompressed P-256 point (65 bytes, iOS), or PEM.
/// ES256 signatures are accepted as DER (iOS, Android) and as raw r‖s; RS256 is PKCS#1 v1.5 and PS256 is
/// PSS with SHA-256 and a 32-byte salt. RSA keys under 2,048 bits are refused.
public enum DevicePublicKey: Sendable {
    case p256(P256.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey, pss: Bool)

    public static let maxEncodedLength = 8 * 1024

    public init(_ text: String, algorithm: DeviceKeyAlgorithm) throws {
        guard text.utf8.count <= Self.maxEncodedLength else { throw GatehouseError.field("publicKey", "is too long") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let isPEM = trimmed.hasPrefix("-----BEGIN")
        let der: [UInt8]? = isPEM ? nil : Self.base64(trimmed)
        guard isPEM || der != nil else { throw GatehouseError.field("publicKey", "is neither PEM nor base64") }
        do {
            switch algorithm {
            case .ES256:
                if isPEM {
                    self = .p256(try P256.Signing.PublicKey(pemRepresentation: trimmed))
                } else if let der, der.count == 65, der[0] == 0x04 {
                    self = .p256(try P256.Signing.PublicKey(x963Representation: der))
                } else {
                    self = .p256(try P256.Signing.PublicKey(derRepresentation: der ?? []))
                }
            case .RS256, .PS256:
                let key =
                    isPEM
                    ? try _RSA.Signing.PublicKey(pemRepresentation: trimmed)
                    : try _RSA.Signing.PublicKey(derRepresentation: der ?? [])
                self = .rsa(key, pss: algorithm == .PS256)
            }
        } catch {
            throw GatehouseError.field("publicKey", "is not a valid \(algorithm.rawValue) public key")
        }
    }

    /// Standard or URL-safe base64, padded or not.
    static func base64(_ text: String) -> [UInt8]? {
        guard !text.isEmpty else { return nil }
        return Base64URL.decode(text)
    }

    /// True when `signature` (base64, either alphabet) is this key's signature over `message`.
    public func verify(signature encoded: String, message: [UInt8]) -> Bool {
        guard encoded.utf8.count <= 2048, let signature = Self.base64(encoded) else { return false }
        switch self {
        case .p256(let key):
            if let der = try? P256.Signing.ECDSASignature(derRepresentation: signature),
                key.isValidSignature(der, for: message)
            {
                return true
            }
            guard signature.count == 64, let raw = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
                return false
            }
            return key.isValidSignature(raw, for: message)
        case .rsa(let key, let pss):
            let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
            return key.isValidSignature(sig, for: SHA256.hash(data: message), padding: pss ? .PSS : .insecurePKCS1v1_5)
        }
    }
}
