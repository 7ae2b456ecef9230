import Foundation

/// What a new tenant API key says.
public struct TenantAPIKeyInput: Sendable {
    public var name: String?
    public var businessId: String?
    /// Nil: every administration permission its creator holds that a key may hold.
    public var permissions: [String]?
    public var expiresAt: Date?
    public init(name: String? = nil, businessId: String? = nil, permissions: [String]? = nil, expiresAt: Date? = nil) {
        self.name = name
        self.businessId = businessId
        self.permissions = permissions
        self.expiresAt = expiresAt
    }
}

/// Tenant API keys (Project API `/v2/api-keys`, seed 000's `businessApiKey` scheme): `sk_live_` (or
/// `sk_test_` when made through the testnet project key) + 43 base62 characters (256 bits), stored as
/// SHA-256, shown once. A key holds exactly its permissions, never more than its creator held when making
/// it, and none that would let it make keys, define roles or make admins; with a business it reaches only
/// that business's resources.
public struct TenantAPIKeyService: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let stepUp: StepUp
    public let lastUsed: LastUsedRecorder

    public static let livePrefix = "sk_live_"
    public static let testPrefix = "sk_test_"
    /// No key may hold these: a leaked key must not be able to mint keys, widen roles or make admins.
    public static let neverHeld: Set<String> = [
        AdminPermission.apiKeysWrite.rawValue, AdminPermission.rolesWrite.rawValue, AdminPermission.adminsWrite.rawValue,
    ]

    /// `principal`: the creator's token (nil for a key, which never holds `api-keys:write`), checked for a
    /// recent sign-in like every credential a user mints.
    public func create(
        tenantId: String, _ input: TenantAPIKeyInput, by grant: AdminGrant, principal: Principal?, testnet: Bool
    ) async throws -> (TenantAPIKey, String) {
        if let principal { try stepUp.require(principal) }
        let now = clock.now
        if let expiresAt = input.expiresAt, expiresAt <= now { throw GatehouseError.field("expiresAt", "must be in the future") }
        let permissions: [String]
        if let given = input.permissions {
            permissions = try RoleRules.checked(permissions: given)
            guard !permissions.isEmpty else { throw GatehouseError.field("permissions", "give at least one") }
            if let refused = permissions.first(where: Self.neverHeld.contains) {
                throw GatehouseError.field("permissions", "no API key may hold \(refused)")
            }
            try grant.requireCovers(Set(permissions), "this key would hold permissions you do not")
        } else {
            permissions = AdminPermission.allCases.map(\.rawValue).filter { grant.holds($0) && !Self.neverHeld.contains($0) }
            guard !permissions.isEmpty else { throw GatehouseError.field("permissions", "you hold none a key may hold") }
        }
        // A business-scoped creator makes keys for its business only.
        let businessId = input.businessId ?? grant.businessId
        if let scope = grant.businessId, businessId != scope {
            throw GatehouseError(.forbidden, "a business-scoped caller makes keys for its own business only")
        }
        if let businessId, try await store.business(tenantId: tenantId, id: businessId) == nil {
            throw GatehouseError.field("businessId", "no such business in this tenant")
        }
        let name = try input.name.map { n -> String in
            guard !n.isEmpty, n.utf8.count <= 255, !Identifiers.containsControlCharacter(n) else {
                throw GatehouseError.field("name", "1–255 bytes, no control characters")
            }
            return n
        } ?? "API key " + String(now.rfc3339.prefix(10))
        let plaintext = (testnet ? Self.testPrefix : Self.livePrefix) + random.base62(length: 43)
        let key = TenantAPIKey(
            id: "tk_" + random.base62(length: 16), tenantId: tenantId, name: name, keyHash: Digest.sha256Hex(plaintext),
            businessId: businessId, permissions: permissions, createdBy: grant.actorName, createdAt: now,
            expiresAt: input.expiresAt, test: testnet)
        try await store.unitOfWork { [events] tx in
            try await tx.insertTenantAPIKey(key)
            var data: [String: JSONValue] = [
                "keyId": .string(key.id), "permissions": .array(permissions.map { .string($0) }), "by": .string(grant.actorName),
            ]
            if let businessId { data["businessId"] = .string(businessId) }
            try await events.append(.apiKeyCreated, tenantId: tenantId, subject: key.id, data: data, in: tx)
        }
        return (key, plaintext)
    }

    /// The tenant's keys, with uses not yet written folded in.
    public func list(tenantId: String, page: PageRequest) async throws -> Page<TenantAPIKey> {
        var result = try await store.tenantAPIKeys(tenantId: tenantId, page: page)
        result.items = result.items.map { key in
            var k = key
            k.lastUsedAt = lastUsed.latest(key.id, stored: key.lastUsedAt)
            return k
        }
        return result
    }

    /// Deleting takes effect at the key's next request (keys are looked up on every one, never cached).
    public func delete(tenantId: String, id: String, by grant: AdminGrant) async throws {
        try await store.unitOfWork { [events] tx in
            guard try await tx.deleteTenantAPIKey(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("API key") }
            try await events.append(
                .apiKeyDeleted, tenantId: tenantId, subject: id, data: ["keyId": .string(id), "by": .string(grant.actorName)], in: tx)
        }
    }

    /// The usable key for a presented one, or nil (unknown, deleted, expired, or not a key of this shape).
    public func authenticate(_ presented: String) async throws -> TenantAPIKey? {
        guard presented.hasPrefix(Self.livePrefix) || presented.hasPrefix(Self.testPrefix), presented.utf8.count <= 128 else { return nil }
        // A lookup by the SHA-256 of a 256-bit secret: its timing tells nothing about the secret.
        guard let key = try await store.tenantAPIKey(hash: Digest.sha256Hex(presented)), key.isUsable(at: clock.now) else { return nil }
        lastUsed.note(key.id, at: clock.now)
        return key
    }

    /// What the key may do: exactly its permissions, within its business when it names one.
    public static func grant(_ key: TenantAPIKey) -> AdminGrant {
        AdminGrant(actor: .apiKey(key.id), isAdmin: false, permissions: Set(key.permissions), businessId: key.businessId)
    }
}
