import Foundation

public struct Tenant: Sendable, Equatable {
    /// Project keys begin with one of these; API keys and the system key never do.
    public static let liveKeyPrefix = "pk_live_"
    public static let testKeyPrefix = "pk_test_"

    public static func isProjectKey(_ text: String) -> Bool {
        text.hasPrefix(liveKeyPrefix) || text.hasPrefix(testKeyPrefix)
    }

    public var id: String
    public var projectName: String
    public var acronym: String
    public var projectDescription: String?
    public var projectWebsite: String?
    public var projectEmail: String?
    public var projectImageUrl: String?
    public var projectApiKey: String
    public var testnetProjectApiKey: String
    /// SHA-256 of the tenant's API private key; the key itself is shown once.
    public var apiPrivateKeyHash: String?
    /// Sealed with the master key; write-only through the API except to the tenant admin.
    public var stripeApiKeySealed: String?
    public var stripeWebhookSecretSealed: String?
    public var stripePublishableKey: String?
    public var loginToken: String?
    public var allowJWTForUnauthenticatedUsers: Bool
    public var firebaseTenantId: String?
    /// Client-side keys of the tenant's web3 providers, handed to apps in the client configuration.
    public var infuraApiKey: String?
    public var polyScanApiKey: String?
    public var defaultWalletManagementType: String
    public var isDefault: Bool
    /// Every password login must pass TOTP (users without it must enroll).
    public var requireMfa = false
    /// Passkey relying-party settings; nil fields use the defaults of `RelyingParty`.
    public var webauthn: WebAuthnSettings?
    /// Browser origins whose pages may call the API for this tenant (CORS), serialized (`WebOrigin`).
    public var corsOrigins: [String] = []
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, projectName: String, acronym: String, projectApiKey: String, testnetProjectApiKey: String,
        allowJWTForUnauthenticatedUsers: Bool = false, defaultWalletManagementType: String = "custodial",
        isDefault: Bool = false, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.projectName = projectName
        self.acronym = acronym
        self.projectApiKey = projectApiKey
        self.testnetProjectApiKey = testnetProjectApiKey
        self.allowJWTForUnauthenticatedUsers = allowJWTForUnauthenticatedUsers
        self.defaultWalletManagementType = defaultWalletManagementType
        self.isDefault = isDefault
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Upper-case initials of the name's words (at most 5), or its first letters when it is one word.
    public static func acronym(for name: String) -> String {
        let words = name.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        let initials: String
        if words.count > 1 {
            initials = String(words.prefix(5).compactMap(\.first))
        } else {
            initials = String(name.filter { $0.isLetter || $0.isNumber }.prefix(3))
        }
        let result = initials.uppercased()
        return result.isEmpty ? "T" : result
    }
}

/// The settings a tenant admin may change (seed 002 PUT /tenants). nil = leave as is.
public struct TenantUpdate: Sendable {
    public var projectName: String?
    public var projectDescription: String?
    public var stripeApiKey: String?
    public var stripeWebhookSecret: String?
    public var stripePublishableKey: String?
    public var loginToken: String?
    public var allowJWTForUnauthenticatedUsers: Bool?
    public var firebaseTenantId: String?
    public var infuraApiKey: String?
    public var polyScanApiKey: String?
    public var projectWebsite: String?
    public var projectEmail: String?
    public var projectImageUrl: String?
    public var defaultWalletManagementType: String?
    public var requireMfa: Bool?
    /// Replaces the passkey settings as a whole (validated).
    public var webauthn: WebAuthnSettings?
    /// Replaces the tenant's CORS origins as a whole (validated).
    public var corsOrigins: [String]?
    public init() {}
}
