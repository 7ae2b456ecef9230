/// Authenticator data (WebAuthn §6.1): rpIdHash, flags, signature counter, then — when the AT flag is
/// set — the attested credential data, and — when ED is set — a CBOR map of extension outputs.
public struct AuthenticatorData: Sendable, Equatable {
    public struct Flags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let userPresent = Flags(rawValue: 0x01)
        public static let userVerified = Flags(rawValue: 0x04)
        public static let backupEligible = Flags(rawValue: 0x08)
        public static let backedUp = Flags(rawValue: 0x10)
        public static let attestedCredentialData = Flags(rawValue: 0x40)
        public static let extensionData = Flags(rawValue: 0x80)
    }

    public struct AttestedCredential: Sendable, Equatable {
        public var aaguid: [UInt8]
        public var credentialId: [UInt8]
        /// The COSE_Key exactly as encoded (stored as is; parsed by `COSEKey`).
        public var publicKeyCBOR: [UInt8]
    }

    public var rpIdHash: [UInt8]
    public var flags: Flags
    public var signCount: UInt32
    public var attestedCredential: AttestedCredential?
    public var extensions: CBOR?

    /// Credential ids are at most 1023 bytes (§5.8.3 of Level 3 and CTAP).
    public static let maxCredentialIdLength = 1023

    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 37 else { throw WebAuthnError.malformed("authenticator data is shorter than 37 bytes") }
        rpIdHash = Array(bytes[0..<32])
        flags = Flags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var rest = Array(bytes[37...])
        if flags.contains(.attestedCredentialData) {
            guard rest.count >= 18 else { throw WebAuthnError.malformed("attested credential data is truncated") }
            let aaguid = Array(rest[0..<16])
            let length = Int(rest[16]) << 8 | Int(rest[17])
            guard length >= 1, length <= Self.maxCredentialIdLength, rest.count >= 18 + length else {
                throw WebAuthnError.malformed("credential id length is invalid")
            }
            let credentialId = Array(rest[18..<(18 + length)])
            let keyBytes = Array(rest[(18 + length)...])
            let used: Int
            do {
                (_, used) = try CBORDecoder.decodePrefix(keyBytes)
            } catch {
                throw WebAuthnError.malformed("credential public key is not CBOR")
            }
            attestedCredential = AttestedCredential(
                aaguid: aaguid, credentialId: credentialId, publicKeyCBOR: Array(keyBytes[..<used]))
            rest = Array(keyBytes[used...])
        }
        if flags.contains(.extensionData) {
            do {
                let (value, used) = try CBORDecoder.decodePrefix(rest)
                guard case .map = value else { throw WebAuthnError.malformed("extensions are not a map") }
                extensions = value
                rest = Array(rest[used...])
            } catch let error as WebAuthnError {
                throw error
            } catch {
                throw WebAuthnError.malformed("extensions are not CBOR")
            }
        }
        guard rest.isEmpty else { throw WebAuthnError.malformed("\(rest.count) bytes after the authenticator data") }
    }
}
