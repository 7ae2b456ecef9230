import Foundation

/// How emails and usernames are compared: Unicode NFC, trimmed, case-folded. The database holds the
/// normalised form in a unique index, so "Zoë@X.io" and "zoe\u{308}@x.io" are one account.
public enum Identifiers {
    public static func normalizedEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping.lowercased()
    }

    public static func normalizedUsername(_ username: String) -> String {
        username.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping.lowercased()
    }

    /// C0 and C1 control characters and DEL: never part of a login name, an email or a name (they hide in
    /// logs and terminals, and U+0000 cannot be stored by PostgreSQL at all).
    public static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    /// Why a username is refused, or nil. A username never has the shape of an email, so a login name means
    /// one account: the one with that username, or else the one with that email.
    public static func usernameProblem(_ username: String) -> String? {
        if containsControlCharacter(username) { return "must not contain control characters" }
        if username.contains("@") { return "must not contain @ (emails and usernames are told apart by it)" }
        return nil
    }

    /// A plausible email: one `@`, something on each side, no spaces or control characters, ≤ 320 bytes.
    public static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), email.utf8.count <= 320
        else { return false }
        return !email.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }
}
