import Foundation

/// The one rule of when a sign-in is complete (CONTRACT §4), for every entry point of every dialect:
/// Classic and Enterprise passwords, the hosted OAuth page to come, passkeys and device keys.
///
/// - A password is one factor. It needs a second (a TOTP code) when the user has TOTP enrolled or the
///   tenant requires MFA.
/// - A device-key login is multi-factor on its own: possession of the device's key, unlocked on the device
///   by the user's biometric gesture.
/// - A passkey login is multi-factor only with user verification (the UV flag of W3C WebAuthn §6.1): a
///   passkey without it is possession alone, refused for a user who must sign in with two factors.
/// - An external-IdP exchange (`/v2/auth/token`) is the IdP's concern and is not judged here.
public enum LoginPolicy {
    public static func needsSecondFactor(_ user: User, tenant: Tenant) -> Bool { user.mfaEnabled || tenant.requireMfa }

    /// Whether a passkey assertion completes a sign-in for this user.
    public static func admitsPasskey(userVerified: Bool, user: User, tenant: Tenant) -> Bool {
        userVerified || !needsSecondFactor(user, tenant: tenant)
    }
}
