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

    /// The Key URI apps scan. The issuer and account are display names only, so long ones are shortened
    /// (whole characters, to at most `maxIssuerBytes` / `maxAccountBytes` once percent-encoded): any
    /// tenant name and email the API accepts gives a URL that fits a QR code.
    public func otpauthURL(account: String, issuer: String) -> String {
        let issuer = Self.shortened(issuer, maxEncodedBytes: Self.maxIssuerBytes)
        let account = Self.shortened(account, maxEncodedBytes: Self.maxAccountBytes)
        return TOTP(secret: keyText).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    static let maxIssuerBytes = 192
    static let maxAccountBytes = 256

    /// The longest prefix of `text` whose percent-encoded form (every byte outside the unreserved set of RFC
    /// 3986 counted as three) stays within `maxEncodedBytes`, with "…" when something was cut.
    static func shortened(_ text: String, maxEncodedBytes: Int) -> String {
        func cost(_ c: Character) -> Int {
            c.utf8.reduce(0) { n, b in
                let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
                return n + (unreserved ? 1 : 3)
            }
        }
        guard text.reduce(0, { $0 + cost($1) }) > maxEncodedBytes else { return text }
        let ellipsis: Character = "…"
        var kept = ""
        var used = cost(ellipsis)
        for c in text {
            guard used + cost(c) <= maxEncodedBytes else { break }
            kept.append(c)
            used += cost(c)
        }
        return kept + String(ellipsis)
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
