/// Proof Key for Code Exchange (RFC 7636), S256 only: `plain` proves nothing against an attacker who reads
/// the authorization request, so it is refused (RFC 9700 §2.1.1).
public enum PKCE {
    /// RFC 7636 §4.2: a challenge is BASE64URL(SHA-256(verifier)), 43 characters without padding.
    public static func isChallenge(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy(isBase64URL)
    }

    /// RFC 7636 §4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    public static func isVerifier(_ text: String) -> Bool {
        (43...128).contains(text.utf8.count) && text.utf8.allSatisfy { isBase64URL($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "~") }
    }

    /// RFC 7636 §4.6, compared in constant time.
    public static func verify(verifier: String, challenge: String) -> Bool {
        guard isVerifier(verifier) else { return false }
        let computed = Base64URL.encode(Digest.sha256(Array(verifier.utf8)))
        return Digest.constantTimeEquals(Array(computed.utf8), Array(challenge.utf8))
    }

    private static func isBase64URL(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
