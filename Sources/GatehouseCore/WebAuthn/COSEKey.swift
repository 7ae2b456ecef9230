import Crypto
import _CryptoExtras

/// A credential public key as COSE_Key (RFC 9052/9053): EC2 P-256 with ES256 (-7), OKP Ed25519 with EdDSA
/// (-8), RSA with RS256 (-257). Anything else is refused at registration.
public enum COSEKey: Sendable {
    case es256(P256.Signing.PublicKey)
    case eddsa(Curve25519.Signing.PublicKey)
    case rs256(_RSA.Signing.PublicKey)

    public static let supportedAlgorithms: [Int64] = [-7, -8, -257]

    public var algorithm: Int64 {
        switch self {
        case .es256: -7
        case .eddsa: -8
        case .rs256: -257
        }
    }

    public init(cbor bytes: [UInt8]) throws {
        let key: CBOR
        do { key = try CBORDecoder.decode(bytes) } catch { throw WebAuthnError.malformed("credential public key is not CBOR") }
        guard case .map = key, let kty = key[int: 1]?.int, let alg = key[int: 3]?.int else {
            throw WebAuthnError.malformed("credential public key lacks kty or alg")
        }
        switch (kty, alg) {
        case (2, -7):
            guard key[int: -1]?.int == 1, let x = key[int: -2]?.bytesValue, let y = key[int: -3]?.bytesValue, x.count == 32,
                y.count == 32
            else { throw WebAuthnError.malformed("EC2 key is not P-256 with 32-byte coordinates") }
            do {
                self = .es256(try P256.Signing.PublicKey(x963Representation: [0x04] + x + y))
            } catch {
                throw WebAuthnError.malformed("EC2 point is not on P-256")
            }
        case (1, -8):
            guard key[int: -1]?.int == 6, let x = key[int: -2]?.bytesValue, x.count == 32 else {
                throw WebAuthnError.malformed("OKP key is not Ed25519")
            }
            do { self = .eddsa(try Curve25519.Signing.PublicKey(rawRepresentation: x)) } catch {
                throw WebAuthnError.malformed("invalid Ed25519 key")
            }
        case (3, -257):
            guard let n = key[int: -1]?.bytesValue, let e = key[int: -2]?.bytesValue, !n.isEmpty, !e.isEmpty else {
                throw WebAuthnError.malformed("RSA key lacks n or e")
            }
            do { self = .rs256(try _RSA.Signing.PublicKey(n: n, e: e)) } catch {
                throw WebAuthnError.malformed("RSA key is invalid or shorter than 2048 bits")
            }
        default:
            throw WebAuthnError.unsupported("unsupported key type \(kty) with algorithm \(alg)")
        }
    }

    /// Checks a WebAuthn signature over `data` (authenticatorData ‖ SHA-256(clientDataJSON)).
    public func verify(signature: [UInt8], data: [UInt8]) -> Bool {
        switch self {
        case .es256(let key):
            // WebAuthn ES256 signatures are DER (§6.5.5); raw r‖s is not accepted here.
            guard let sig = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: data)
        case .eddsa(let key):
            return key.isValidSignature(signature, for: data)
        case .rs256(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: data),
                padding: .insecurePKCS1v1_5)
        }
    }
}
