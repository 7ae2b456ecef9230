import Crypto
import Foundation

/// The W3C WebAuthn Level 3 relying-party checks, free of storage and HTTP: §7.1 "Registering a New
/// Credential" and §7.2 "Verifying an Authentication Assertion". Step numbers refer to those sections.
public enum WebAuthnVerifier {
    struct ClientData: Decodable {
        var type: String
        var challenge: String
        var origin: String
        var crossOrigin: Bool?
        var topOrigin: String?
    }

    public struct NewCredential: Sendable, Equatable {
        public var credentialId: [UInt8]
        public var publicKeyCBOR: [UInt8]
        public var algorithm: Int64
        public var signCount: UInt32
        public var aaguid: [UInt8]
        public var userVerified: Bool
        public var backupEligible: Bool
        public var backedUp: Bool
        /// `none`, `packed`.
        public var format: String
        /// `none`, `self` or `basic` (a certificate we checked but whose root we do not judge).
        public var attestationType: String
    }

    public struct Assertion: Sendable, Equatable {
        public var signCount: UInt32
        public var userVerified: Bool
        public var backedUp: Bool
    }

    /// Steps 5–11 (registration) and 8–16 (assertion): the client data names this ceremony, this
    /// challenge and an origin the tenant allows; cross-origin (iframe) ceremonies are refused.
    static func checkClientData(_ json: [UInt8], type: String, challenge: String, rp: RelyingParty) throws {
        // Step 5/11: UTF-8 decode; step 6/12: parse.
        guard json.count <= 16 * 1024, let data = try? JSONDecoder().decode(ClientData.self, from: Data(json)) else {
            throw WebAuthnError.malformed("clientDataJSON is not the client data JSON")
        }
        // Step 7/13.
        guard data.type == type else { throw WebAuthnError.verification("clientDataJSON.type is not \(type)") }
        // Step 8/14: compared as text, so any other spelling of the same bytes fails too.
        guard Digest.constantTimeEquals(data.challenge, challenge) else {
            throw WebAuthnError.verification("challenge does not match")
        }
        // Step 9/15.
        guard rp.origins.contains(data.origin) else {
            throw WebAuthnError.verification("origin \(data.origin.prefix(100)) is not allowed for this tenant")
        }
        // Step 10/16: we never expect to run inside a cross-origin iframe.
        guard data.topOrigin == nil, data.crossOrigin != true else {
            throw WebAuthnError.verification("cross-origin ceremonies are not allowed")
        }
    }

    /// Steps 13–16 of registration and 17–20 of assertion.
    static func checkFlags(_ auth: AuthenticatorData, rp: RelyingParty) throws {
        guard Digest.constantTimeEquals(auth.rpIdHash, Digest.sha256(Array(rp.id.utf8))) else {
            throw WebAuthnError.verification("rpIdHash is not the hash of \(rp.id)")
        }
        guard auth.flags.contains(.userPresent) else { throw WebAuthnError.verification("user presence flag is not set") }
        if rp.userVerificationRequired, !auth.flags.contains(.userVerified) {
            throw WebAuthnError.verification("user verification is required but the UV flag is not set")
        }
        if auth.flags.contains(.backedUp), !auth.flags.contains(.backupEligible) {
            throw WebAuthnError.verification("backup state set without backup eligibility")
        }
    }

    public static func verifyRegistration(
        clientDataJSON: [UInt8], attestationObject: [UInt8], challenge: String, rp: RelyingParty
    ) throws -> NewCredential {
        try checkClientData(clientDataJSON, type: "webauthn.create", challenge: challenge, rp: rp)
        // Step 11.
        let clientDataHash = Digest.sha256(clientDataJSON)
        // Step 12.
        let object: CBOR
        do { object = try CBORDecoder.decode(attestationObject) } catch {
            throw WebAuthnError.malformed("attestationObject is not CBOR")
        }
        guard let fmt = object[text: "fmt"]?.textValue, let authBytes = object[text: "authData"]?.bytesValue,
            let statement = object[text: "attStmt"], case .map = statement
        else { throw WebAuthnError.malformed("attestationObject lacks fmt, authData or attStmt") }
        let auth = try AuthenticatorData(authBytes)
        try checkFlags(auth, rp: rp)
        guard let attested = auth.attestedCredential else {
            throw WebAuthnError.malformed("authenticator data holds no attested credential")
        }
        // Step 19: the algorithm is one we offered in pubKeyCredParams.
        let key = try COSEKey(cbor: attested.publicKeyCBOR)
        guard COSEKey.supportedAlgorithms.contains(key.algorithm) else {
            throw WebAuthnError.unsupported("algorithm \(key.algorithm) was not offered")
        }
        // Steps 21–22: attestation statement format and its verification procedure.
        let attestationType = try Attestation.verify(
            format: fmt, statement: statement, authData: authBytes, auth: auth, clientDataHash: clientDataHash,
            credentialKey: key)
        // Step 25 is enforced by AuthenticatorData (≤ 1023 bytes); step 26 (not yet registered) by the store.
        return NewCredential(
            credentialId: attested.credentialId, publicKeyCBOR: attested.publicKeyCBOR, algorithm: key.algorithm,
            signCount: auth.signCount, aaguid: attested.aaguid, userVerified: auth.flags.contains(.userVerified),
            backupEligible: auth.flags.contains(.backupEligible), backedUp: auth.flags.contains(.backedUp),
            format: fmt, attestationType: attestationType)
    }

    /// Steps 8–24 of §7.2 for a credential already identified (steps 5–7 are the caller's: allowed
    /// credential, its owner, its key), and step 25's counter rule: when either counter is non-zero the new
    /// one must be greater, else the credential may be cloned and the assertion is refused.
    public static func verifyAssertion(
        clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8], challenge: String, rp: RelyingParty,
        key: COSEKey, storedSignCount: UInt32
    ) throws -> Assertion {
        try checkClientData(clientDataJSON, type: "webauthn.get", challenge: challenge, rp: rp)
        let auth = try AuthenticatorData(authenticatorData)
        try checkFlags(auth, rp: rp)
        // Steps 23–24.
        guard key.verify(signature: signature, data: authenticatorData + Digest.sha256(clientDataJSON)) else {
            throw WebAuthnError.verification("signature does not verify")
        }
        if auth.signCount != 0 || storedSignCount != 0, auth.signCount <= storedSignCount {
            throw WebAuthnError.counterRegression
        }
        return Assertion(
            signCount: auth.signCount, userVerified: auth.flags.contains(.userVerified),
            backedUp: auth.flags.contains(.backedUp))
    }
}
