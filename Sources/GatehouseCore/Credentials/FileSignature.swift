import Crypto
import Foundation

/// The Enterprise dialect's short file-access signature: `<expUnix>.<base64url HMAC-SHA256(key, "<userNumber>.<expUnix>")>`,
/// valid as long as the access token it came with. The key is derived per tenant from the master key.
public struct FileSignature: Sendable {
    private let masterKey: SymmetricKey
    let clock: any GatehouseClock
    /// Derived keys by tenant: every login signs one, and HKDF per call showed in profiles.
    private let derived = BoundedCache<SymmetricKey>(capacity: 10_000)

    public init(masterKey: [UInt8], clock: any GatehouseClock) {
        self.masterKey = SymmetricKey(data: masterKey)
        self.clock = clock
    }

    private func key(tenantId: String) -> SymmetricKey {
        derived.value(tenantId) {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: masterKey, info: Array("gatehouse file signature \(tenantId)".utf8), outputByteCount: 32)
        }
    }

    public func sign(tenantId: String, userNumber: Int64, expires: Date) -> String {
        let exp = Int64(expires.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(userNumber).\(exp)".utf8), using: key(tenantId: tenantId))
        return "\(exp).\(Base64URL.encode(mac))"
    }

    /// True for an unexpired signature made for this user of this tenant (compared in constant time).
    public func verify(_ signature: String, tenantId: String, userNumber: Int64) -> Bool {
        let parts = signature.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 12, let exp = Int64(parts[0]), exp > clock.nowSeconds,
            let mac = Base64URL.decode(parts[1]),
            // Canonical text only: the unused low bits of the last character must not make a second spelling.
            Base64URL.encode(mac) == parts[1]
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: Array("\(userNumber).\(exp)".utf8), using: key(tenantId: tenantId))
    }
}
