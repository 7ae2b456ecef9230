/// Every type the audit log writes: dotted `<area>.<act>` names. Being an enum, the list is complete by
/// construction — the recorder takes nothing else — so the README's table and webhook subscriptions are
/// checked against it. A stored event is never rewritten (its type is inside its hash): the names used
/// before this catalog live on in `aliases`, which every read and every `type=` filter goes through.
public enum EventType: String, CaseIterable, Sendable {
    case loginSucceeded = "login.succeeded"
    case loginFailed = "login.failed"
    case loginMFARequired = "login.mfa_required"

    case tokenIssued = "token.issued"
    case tokenRefreshed = "token.refreshed"
    case tokenReuseDetected = "token.reuse_detected"
    case tokenRevoked = "token.revoked"

    case sessionLoggedOut = "session.logged_out"
    case sessionRevoked = "session.revoked"
    case sessionRevokedAll = "session.revoked_all"

    case userCreated = "user.created"
    case userUpdated = "user.updated"
    case userDeleted = "user.deleted"
    case userPasswordSet = "user.password_set"
    case userRoleAdded = "user.role_added"
    case userRoleRemoved = "user.role_removed"

    case mfaTOTPSetup = "mfa.totp_setup"
    case mfaTOTPEnrolled = "mfa.totp_enrolled"

    case passkeyRegistered = "passkey.registered"
    case passkeyRegistrationFailed = "passkey.registration_failed"
    case passkeyDeleted = "passkey.deleted"
    case passkeyCloneWarning = "passkey.clone_warning"

    case deviceRegistered = "device.registered"
    case deviceRegistrationFailed = "device.registration_failed"
    case deviceFCMTokenSet = "device.fcm_token_set"
    case deviceDeactivated = "device.deactivated"

    case confirmationCreated = "confirmation.created"
    case confirmationApproved = "confirmation.approved"
    case confirmationRejected = "confirmation.rejected"
    case confirmationExpired = "confirmation.expired"
    case confirmationSignatureFailed = "confirmation.signature_failed"

    case apiKeyCreated = "api_key.created"
    case apiKeyDeleted = "api_key.deleted"
    case apiKeyRevoked = "api_key.revoked"

    case oauthCodeIssued = "oauth.code_issued"
    case oauthCodeReused = "oauth.code_reused"
    case oauthConsentGiven = "oauth.consent_given"
    case oauthConsentRevoked = "oauth.consent_revoked"
    case oauthLogout = "oauth.logout"
    case oauthClientCreated = "oauth_client.created"
    case oauthClientUpdated = "oauth_client.updated"
    case oauthClientDeleted = "oauth_client.deleted"
    case oauthClientSecretRotated = "oauth_client.secret_rotated"

    case identityProviderCreated = "identity_provider.created"
    case identityProviderUpdated = "identity_provider.updated"
    case identityProviderDeleted = "identity_provider.deleted"

    case tenantCreated = "tenant.created"
    case tenantUpdated = "tenant.updated"
    case tenantAdminTokenIssued = "tenant.admin_token_issued"
    case adminAdded = "admin.added"
    case adminRemoved = "admin.removed"
    case businessCreated = "business.created"
    case businessDeleted = "business.deleted"
    case membershipCreated = "membership.created"
    case membershipDeleted = "membership.deleted"
    case roleCreated = "role.created"
    case roleUpdated = "role.updated"
    case roleDeleted = "role.deleted"
    case signingKeyRotated = "signing_key.rotated"

    case webhookCreated = "webhook.created"
    case webhookUpdated = "webhook.updated"
    case webhookDeleted = "webhook.deleted"
    case webhookSecretRotated = "webhook.secret_rotated"
    case webhookDisabled = "webhook.disabled"
    case webhookPing = "webhook.ping"

    case auditCheckpoint = "audit.checkpoint"

    /// The names events were written under before this catalog, each with the type it reads as now.
    public static let aliases: [String: EventType] = [
        "auth.login": .loginSucceeded,
        "auth.login_failed": .loginFailed,
        "auth.otp_failed": .loginFailed,
        "auth.device_failed": .loginFailed,
        "auth.passkey_failed": .loginFailed,
        "auth.token_exchange_failed": .loginFailed,
        "auth.mfa_required": .loginMFARequired,
        "auth.logout": .sessionLoggedOut,
        "auth.anonymous_user_created": .userCreated,
        "refresh.reuse_detected": .tokenReuseDetected,
        "sessions.revoked": .sessionRevokedAll,
        "oauth.token_issued": .tokenIssued,
        "oauth.token_revoked": .tokenRevoked,
    ]

    /// The name a stored type reads as: its alias's target, else itself.
    public static func current(_ stored: String) -> String { aliases[stored]?.rawValue ?? stored }

    /// What a `type=` filter looks for in storage: the prefix of today's names (an old whole name asked for
    /// is taken as the name it became), the old names whose new names that prefix matches, and the old
    /// names the prefix matches as stored, which read as something else and so must not be matched.
    public static func storedNames(matching filter: String) -> (prefix: String, older: [String], renamed: [String]) {
        let prefix = aliases[filter]?.rawValue ?? filter
        return (
            prefix, aliases.filter { $0.value.rawValue.hasPrefix(prefix) }.keys.sorted(),
            aliases.keys.filter { $0.hasPrefix(prefix) }.sorted()
        )
    }

    /// Known to the catalog, under today's name or an old one (webhook subscriptions are kept in today's).
    public init?(named name: String) {
        guard let type = EventType(rawValue: name) ?? Self.aliases[name] else { return nil }
        self = type
    }

    /// For the README's table and `/v2/events`' description.
    public var summary: String {
        switch self {
        case .loginSucceeded: "a login started a session; `method`: password, otp, device, passkey, external or oauth"
        case .loginFailed: "a login was refused; `method` as above"
        case .loginMFARequired: "a password was right and a second factor is due"
        case .tokenIssued: "an OAuth token endpoint issued tokens (`grant`; client credentials at most once a minute, with `count`)"
        case .tokenRefreshed: "a refresh token was spent for a new pair"
        case .tokenReuseDetected: "a spent refresh token came back: its session ended"
        case .tokenRevoked: "a token was revoked through OAuth revocation"
        case .sessionLoggedOut: "the session's holder logged out"
        case .sessionRevoked: "a session was ended for its holder (`reason`)"
        case .sessionRevokedAll: "every session of a user ended (`count`, `reason`)"
        case .userCreated: "a user was created (`anonymous` for the Project API's anonymous users)"
        case .userUpdated: "a user's profile or status changed"
        case .userDeleted: "a user was deleted"
        case .userPasswordSet: "a user's password was set or changed"
        case .userRoleAdded: "a tenant role was given to a user"
        case .userRoleRemoved: "a tenant role was taken from a user"
        case .mfaTOTPSetup: "a TOTP secret was issued, not yet confirmed"
        case .mfaTOTPEnrolled: "a TOTP secret was confirmed with a code"
        case .passkeyRegistered: "a passkey was registered"
        case .passkeyRegistrationFailed: "a passkey registration was refused"
        case .passkeyDeleted: "a passkey was deleted"
        case .passkeyCloneWarning: "a passkey's signature counter went backwards: it is disabled"
        case .deviceRegistered: "a device key was registered"
        case .deviceRegistrationFailed: "a device registration was refused"
        case .deviceFCMTokenSet: "a device's push token changed"
        case .deviceDeactivated: "a device was deactivated"
        case .confirmationCreated: "an action confirmation was requested"
        case .confirmationApproved: "an action confirmation was approved with a device signature"
        case .confirmationRejected: "an action confirmation was rejected"
        case .confirmationExpired: "an action confirmation expired unanswered"
        case .confirmationSignatureFailed: "an answer to a confirmation carried a bad signature"
        case .apiKeyCreated: "an API key was created (Classic or tenant)"
        case .apiKeyDeleted: "an API key was deleted"
        case .apiKeyRevoked: "a user's API keys were revoked with the user (`count`, `reason`)"
        case .oauthCodeIssued: "an authorization code was issued"
        case .oauthCodeReused: "a spent authorization code came back: what it issued was revoked"
        case .oauthConsentGiven: "a user consented to a client's scopes"
        case .oauthConsentRevoked: "a user's consent to a client was withdrawn"
        case .oauthLogout: "an OpenID Connect RP-initiated logout ended a browser session"
        case .oauthClientCreated: "an OAuth client was registered"
        case .oauthClientUpdated: "an OAuth client was changed"
        case .oauthClientDeleted: "an OAuth client was deleted"
        case .oauthClientSecretRotated: "an OAuth client's secret was rotated"
        case .identityProviderCreated: "an external identity provider was added"
        case .identityProviderUpdated: "an external identity provider was changed"
        case .identityProviderDeleted: "an external identity provider was removed"
        case .tenantCreated: "a tenant was created"
        case .tenantUpdated: "a tenant's settings changed"
        case .tenantAdminTokenIssued: "a tenant admin token was issued with a project key"
        case .adminAdded: "a user became a tenant admin"
        case .adminRemoved: "a user stopped being a tenant admin"
        case .businessCreated: "a business was created"
        case .businessDeleted: "a business was deleted"
        case .membershipCreated: "a user joined a business with a role"
        case .membershipDeleted: "a user left a business"
        case .roleCreated: "a custom role was created"
        case .roleUpdated: "a custom role was changed"
        case .roleDeleted: "a custom role was deleted"
        case .signingKeyRotated: "the tenant's token signing key was rotated"
        case .webhookCreated: "a webhook was created"
        case .webhookUpdated: "a webhook was changed"
        case .webhookDeleted: "a webhook was deleted"
        case .webhookSecretRotated: "a webhook's signing secret was rotated"
        case .webhookDisabled: "a webhook was disabled after five failed deliveries in a row"
        case .webhookPing: "`POST /v2/webhooks/{id}/test` (sent to that webhook only, not in the log)"
        case .auditCheckpoint: "retention pruned older events; carries the last pruned event's sequence and hash"
        }
    }
}

/// How a login proved who it was: the `method` of `login.succeeded` and `login.failed`.
public enum LoginMethod: String, Sendable {
    case password, otp, device, passkey, external, oauth

    /// A local login (password, then perhaps a TOTP code) by the dialect it came through: the hosted
    /// login page of the OAuth code flow is `oauth` whatever it asked for.
    init(localAMR amr: [String], dialect: String) {
        self = dialect == PasswordLogin.EntryPoint.hosted.dialect ? .oauth : amr.contains("otp") ? .otp : .password
    }
}

extension AuditEvent {
    /// `type` as it reads today (see `EventType.aliases`); `type` itself is what the hash covers.
    public var currentType: String { EventType.current(type) }
}
