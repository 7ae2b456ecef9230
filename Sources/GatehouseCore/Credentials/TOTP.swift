import Foundation
import HummingbirdOTP

/// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) through HummingbirdOTP. Its HMAC key is the UTF-8 of the secret
/// text, so the secret is random base62 text (32 characters from the CSPRNG, 32 key bytes) and what
/// authenticator apps receive is the base32 of those bytes — exactly the `secret` of the otpauth URL.
public struct TOTPSecret: Sendable, Equatable {
    /// The HMAC key as text; sealed at rest, never shown.
    public let keyText: String

    public init(keyText: String) { self.keyText = keyText }

    public static func generate(_ random: any RandomSource) -> TOTPSecret { TOTPSecret(keyText: random.base62(length: 32)) }

    public func otpauthURL(account: String, issuer: String) -> String {
        TOTP(secret: keyText).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    /// The base32 text apps and libraries such as pyotp take: the `secret` parameter of the otpauth URL.
    public var base32: String {
        let url = otpauthURL(account: "x", issuer: "x")
        let afterSecret = url.components(separatedBy: "secret=").last ?? ""
        return String(afterSecret.prefix { $0 != "&" })
    }

    /// The code for `date` (`digits` only changes for the RFC test vectors).
    public func code(at date: Date, digits: Int = 6) -> String {
        let value = TOTP(secret: keyText, length: digits).compute(date: date)
        let text = String(value)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    public static func step(of date: Date) -> Int64 { Int64(date.timeIntervalSince1970 / 30) }

    /// The time step the code belongs to, within ±1 step of `now`, or nil. Compared in constant time.
    public func matchingStep(_ code: String, now: Date) -> Int64? {
        guard code.count == 6, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        var found: Int64?
        for offset in [-1, 0, 1] {
            let at = now.addingTimeInterval(Double(offset) * 30)
            if Digest.constantTimeEquals(self.code(at: at), code) { found = Self.step(of: at) }
        }
        return found
    }
}
