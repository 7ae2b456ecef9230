import Crypto
import Foundation

/// Login challenges that need no row until they are spent. The `sessionId` a client gets carries the
/// challenge's tenant, purpose, subject and expiry with an HMAC over them (key derived from the master
/// key), and the challenge itself is the 32 CSPRNG bytes inside it. Spending it is an insert of its nonce
/// into `spent_challenges` in the same transaction as the login, so each is used once; the challenge
/// request itself touches no database.
public struct ChallengeSealer: Sendable {
    private let key: SymmetricKey
    let random: any RandomSource

    public struct Opened: Sendable, Equatable {
        /// base64url of the 32 random bytes: the challenge the client signs, and the spent-set key.
        public var challenge: String
        public var subject: String
        public var expiresAt: Date
    }

    public init(masterKey: [UInt8], random: any RandomSource) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: masterKey), info: Array("gatehouse sealed challenge".utf8), outputByteCount: 32)
        self.random = random
    }

    static let version = "sc1"
    /// How long every device and passkey challenge lives (CONTRACT 2.3), sealed or stored.
    public static let lifetime: TimeInterval = 5 * 60

    private func mac(_ fields: [String]) -> String {
        Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Array(fields.joined(separator: ".").utf8), using: key))
    }

    /// A new challenge and the session id that carries it.
    public func seal(tenantId: String, purpose: String, subject: String, expiresAt: Date) -> (sessionId: String, challenge: String) {
        let challenge = random.token(bytes: 32)
        let fields = [
            Self.version, challenge, Base64URL.encode(Array(tenantId.utf8)), purpose, Base64URL.encode(Array(subject.utf8)),
            String(expiresAt.millis),
        ]
        return ((fields + [mac(fields)]).joined(separator: "."), challenge)
    }

    /// The challenge a session id carries, when this server sealed it for this tenant and purpose (expiry
    /// is the caller's to check against its clock).
    public func open(_ sessionId: String, tenantId: String, purpose: String) -> Opened? {
        guard sessionId.utf8.count <= 2048 else { return nil }
        let parts = sessionId.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 7, parts[0] == Self.version, parts[3] == purpose,
            Digest.constantTimeEquals(mac(Array(parts[0..<6])), parts[6]),
            let tenant = Base64URL.decode(parts[2]).flatMap({ String(bytes: $0, encoding: .utf8) }), tenant == tenantId,
            let subject = Base64URL.decode(parts[4]).flatMap({ String(bytes: $0, encoding: .utf8) }),
            let millis = Int64(parts[5])
        else { return nil }
        return Opened(challenge: parts[1], subject: subject, expiresAt: Date(millis: millis))
    }
}
