import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// Attestation statement verification (WebAuthn §8): `none` and `packed` (self attestation and x5c).
/// Returns the attestation type. We check x5c certificates against the §8.2.1 requirements and the
/// signature, but hold no vendor roots (no FIDO Metadata Service here), so x5c yields `basic` without a
/// judgement of the chain — which `attestation: direct` tenants can read from the stored credential.
enum Attestation {
    /// id-fido-gen-ce-aaguid.
    static let aaguidExtension: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 45724, 1, 1, 4]

    static func verify(
        format: String, statement: CBOR, authData: [UInt8], auth: AuthenticatorData, clientDataHash: [UInt8],
        credentialKey: COSEKey
    ) throws -> String {
        switch format {
        case "none":
            // §8.7: the statement is empty.
            guard statement.mapValue?.isEmpty == true else { throw WebAuthnError.malformed("none attestation with a statement") }
            return "none"
        case "packed":
            return try packed(statement, signed: authData + clientDataHash, auth: auth, credentialKey: credentialKey)
        default:
            throw WebAuthnError.unsupported("attestation format \(format.prefix(40)) is not supported")
        }
    }

    /// §8.2 verification procedure.
    static func packed(_ statement: CBOR, signed: [UInt8], auth: AuthenticatorData, credentialKey: COSEKey) throws -> String {
        guard let alg = statement[text: "alg"]?.int, let sig = statement[text: "sig"]?.bytesValue else {
            throw WebAuthnError.malformed("packed statement lacks alg or sig")
        }
        guard let x5c = statement[text: "x5c"] else {
            // Self attestation: alg matches the credential key, which signed.
            guard alg == credentialKey.algorithm else {
                throw WebAuthnError.verification("self attestation alg differs from the credential's")
            }
            guard credentialKey.verify(signature: sig, data: signed) else {
                throw WebAuthnError.verification("self attestation signature does not verify")
            }
            return "self"
        }
        guard let chain = x5c.arrayValue, let first = chain.first?.bytesValue, chain.count <= 8,
            chain.allSatisfy({ $0.bytesValue != nil })
        else { throw WebAuthnError.malformed("x5c is not an array of certificates") }
        let certificate: Certificate
        do { certificate = try Certificate(derEncoded: first) } catch {
            throw WebAuthnError.malformed("attestation certificate is not DER X.509")
        }
        guard let key = COSEKey(certificateKey: certificate.publicKey, algorithm: alg) else {
            throw WebAuthnError.unsupported("attestation certificate key does not fit alg \(alg)")
        }
        guard key.verify(signature: sig, data: signed) else {
            throw WebAuthnError.verification("attestation signature does not verify with the certificate")
        }
        try checkRequirements(certificate, aaguid: auth.attestedCredential?.aaguid ?? [])
        return "basic"
    }

    /// §8.2.1 "Packed Attestation Statement Certificate Requirements".
    static func checkRequirements(_ c: Certificate, aaguid: [UInt8]) throws {
        guard c.version == .v3 else { throw WebAuthnError.verification("attestation certificate is not X.509 v3") }
        var country: String?
        var organization: String?
        var unit: String?
        var common: String?
        for rdn in c.subject {
            for attribute in rdn {
                let value = String(describing: attribute.value)
                switch attribute.type {
                case .RDNAttributeType.countryName: country = value
                case .RDNAttributeType.organizationName: organization = value
                case .RDNAttributeType.organizationalUnitName: unit = value
                case .RDNAttributeType.commonName: common = value
                default: break
                }
            }
        }
        guard let country, country.count == 2, organization?.isEmpty == false, common?.isEmpty == false else {
            throw WebAuthnError.verification("attestation certificate subject lacks C, O or CN")
        }
        guard unit == "Authenticator Attestation" else {
            throw WebAuthnError.verification("attestation certificate OU is not \"Authenticator Attestation\"")
        }
        let constraints: BasicConstraints?
        do { constraints = try c.extensions.basicConstraints } catch {
            throw WebAuthnError.malformed("attestation certificate basic constraints do not parse")
        }
        if case .isCertificateAuthority = constraints {
            throw WebAuthnError.verification("attestation certificate is a CA")
        }
        if let ext = c.extensions[oid: aaguidExtension] {
            // The extension must not be critical and must hold OCTET STRING(aaguid).
            let value = Array(ext.value)
            guard !ext.critical, value.count == 18, value[0] == 0x04, value[1] == 16 else {
                throw WebAuthnError.verification("attestation certificate aaguid extension is malformed")
            }
            guard Array(value[2...]) == aaguid else {
                throw WebAuthnError.verification("attestation certificate aaguid differs from the authenticator's")
            }
        }
    }
}

extension COSEKey {
    /// The attestation certificate's key, as the kind `alg` names.
    init?(certificateKey: Certificate.PublicKey, algorithm: Int64) {
        switch algorithm {
        case -7: guard let k = P256.Signing.PublicKey(certificateKey) else { return nil }; self = .es256(k)
        case -8: guard let k = Curve25519.Signing.PublicKey(certificateKey) else { return nil }; self = .eddsa(k)
        case -257: guard let k = _RSA.Signing.PublicKey(certificateKey) else { return nil }; self = .rs256(k)
        default: return nil
        }
    }
}
