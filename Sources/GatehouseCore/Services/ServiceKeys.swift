import Foundation

/// The keys services present instead of a user's credential: the operator's system key (configured, or
/// generated at first start and stored as SHA-256) and a tenant's API private key. Compared as digests
/// in constant time.
public struct ServiceKeys: Sendable {
    let store: any SettingsStore
    let configuredHash: String?

    static let systemKeySetting = "system_api_key_sha256"

    /// The system key's SHA-256, configured or stored.
    func systemKeyHash() async throws -> String? {
        if let configuredHash { return configuredHash }
        return try await store.setting(Self.systemKeySetting)
    }

    /// True when `key` is the system key.
    public func isSystemKey(_ key: String) async throws -> Bool {
        guard let expected = try await systemKeyHash() else { return false }
        return Digest.constantTimeEquals(Digest.sha256Hex(key), expected)
    }

    /// True when `key` may act as a back-office service of the tenant (Enterprise `otp/verify-service`):
    /// the tenant's API private key, or the system key.
    public func isServiceKey(_ key: String, of tenant: Tenant) async throws -> Bool {
        let isTenantKey = tenant.apiPrivateKeyHash.map { Digest.constantTimeEquals(Digest.sha256Hex(key), $0) } ?? false
        if isTenantKey { return true }
        return try await isSystemKey(key)
    }
}

/// What a user's profile shows beside the user (Enterprise `GET /auth/profile`).
public struct Profile: Sendable {
    public var user: User
    /// Effective permissions: of the token's business when it names one, else the strongest role held.
    public var permissions: [String]
    /// The file-access signature, valid as long as the access token (none for an API key).
    public var signature: String?
    public var passkeyPrompt: PasskeyPromptStatus
}

/// Builds profiles: the user's permissions, file-access signature and passkey prompt answer.
public struct ProfileService: Sendable {
    let users: UserService
    let passkeys: PasskeyService
    let fileSignatures: FileSignature

    public func profile(of caller: Caller) async throws -> Profile {
        let user = caller.user
        var businessId: String?
        var signature: String?
        if case .token(let p, _) = caller {
            businessId = p.claims.bid
            signature = fileSignatures.sign(
                tenantId: user.tenantId, userNumber: user.number, expires: Date(timeIntervalSince1970: TimeInterval(p.claims.exp)))
        }
        return Profile(
            user: user, permissions: try await users.permissions(user, businessId: businessId), signature: signature,
            passkeyPrompt: try await passkeys.prompt(user: user))
    }
}

/// Whether this node can serve: the database reachable and migrated (`/health/ready`).
public struct Readiness: Sendable {
    let store: any HealthStore
    public func check() async -> Bool { await store.isReady() }
}
