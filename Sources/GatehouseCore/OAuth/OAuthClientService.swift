import Foundation

/// The tenant admin's OAuth clients, and their authentication at the token endpoint.
public struct OAuthClientService: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    /// Clients by tenant and id (unknown ids too), so issuing a token reads no database.
    let cache: ExpiringCache<OAuthClient>

    /// A new client; its secret (confidential clients) is in the answer only.
    public func create(tenantId: String, _ input: OAuthClientInput) async throws -> (client: OAuthClient, secret: String?) {
        guard input.name != nil else { throw GatehouseError.field("name", "is required") }
        let now = clock.now
        let base = OAuthClient(
            id: OAuthClient.idPrefix + random.base62(length: 24), tenantId: tenantId, name: "",
            grantTypes: [.authorizationCode, .refreshToken], createdAt: now, updatedAt: now)
        var client = try OAuthClientRules.apply(input, to: base)
        let secret = client.isPublic ? nil : newSecret()
        client.secretHash = secret.map { Digest.sha256Hex($0) }
        let created = client
        try await store.unitOfWork { [events] tx in
            try await tx.insertOAuthClient(created)
            try await events.append(
                .oauthClientCreated, tenantId: tenantId, subject: created.id, data: Self.summary(created), in: tx)
        }
        return (client, secret)
    }

    public func list(tenantId: String, page: PageRequest) async throws -> Page<OAuthClient> {
        try await store.oauthClients(tenantId: tenantId, page: page)
    }

    public func get(tenantId: String, id: String) async throws -> OAuthClient {
        guard let client = try await store.oauthClient(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("client") }
        return client
    }

    /// Changes what the input names. A client made confidential gets a secret (in the answer only); one
    /// made public loses it.
    public func update(tenantId: String, id: String, _ input: OAuthClientInput) async throws -> (client: OAuthClient, secret: String?) {
        let stored = try await get(tenantId: tenantId, id: id)
        var client = try OAuthClientRules.apply(input, to: stored)
        var secret: String?
        if client.isPublic {
            client.secretHash = nil
        } else if stored.isPublic {
            secret = newSecret()
            client.secretHash = secret.map { Digest.sha256Hex($0) }
        }
        client.updatedAt = clock.now
        let updated = client
        try await store.unitOfWork { [events] tx in
            guard try await tx.updateOAuthClient(updated) else { throw GatehouseError.notFound("client") }
            try await events.append(
                .oauthClientUpdated, tenantId: tenantId, subject: id, data: Self.summary(updated), in: tx)
        }
        forget(tenantId: tenantId, id: id)
        return (updated, secret)
    }

    /// A new secret for a confidential client; the old one stops working at once on this node and within
    /// the cache's life on the others.
    public func rotateSecret(tenantId: String, id: String) async throws -> (client: OAuthClient, secret: String) {
        var client = try await get(tenantId: tenantId, id: id)
        guard !client.isPublic else { throw GatehouseError(.conflict, "a public client has no secret") }
        let secret = newSecret()
        client.secretHash = Digest.sha256Hex(secret)
        client.updatedAt = clock.now
        let updated = client
        try await store.unitOfWork { [events] tx in
            guard try await tx.updateOAuthClient(updated) else { throw GatehouseError.notFound("client") }
            try await events.append(.oauthClientSecretRotated, tenantId: tenantId, subject: id, in: tx)
        }
        forget(tenantId: tenantId, id: id)
        return (updated, secret)
    }

    /// The client and, with it, every session (and so every token) the code flow issued to it.
    public func delete(tenantId: String, id: String) async throws {
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            guard try await tx.deleteOAuthClient(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("client") }
            let ended = try await tx.revokeClientSessions(tenantId: tenantId, clientId: id, userId: nil, at: now, reason: "client_deleted")
            try await events.append(.oauthClientDeleted, tenantId: tenantId, subject: id, data: ["sessionsEnded": .number(Double(ended))], in: tx)
        }
        forget(tenantId: tenantId, id: id)
    }

    /// The client a token request authenticates as (RFC 6749 §2.3), by exactly the method it registered;
    /// anything else is `invalid_client`. Read through the cache: no database read on the hot path.
    public func authenticate(tenantId: String, _ presented: PresentedClient) async throws -> OAuthClient {
        let refused = GatehouseError.oauth(.invalidClient, "client authentication failed")
        guard presented.id.utf8.count <= 128, let client = try await cached(tenantId: tenantId, id: presented.id) else { throw refused }
        switch (presented, client.tokenEndpointAuthMethod) {
        case (.basic(_, let secret), .clientSecretBasic), (.post(_, let secret), .clientSecretPost):
            guard let hash = client.secretHash, secret.utf8.count <= 512,
                Digest.constantTimeEquals(Array(Digest.sha256Hex(secret).utf8), Array(hash.utf8))
            else { throw refused }
        case (.none, .none):
            break
        default:
            throw refused
        }
        return client
    }

    func cached(tenantId: String, id: String) async throws -> OAuthClient? {
        try await cache.value(Self.cacheKey(tenantId, id), now: clock.now) { try await store.oauthClient(tenantId: tenantId, id: id) }
    }

    static func cacheKey(_ tenantId: String, _ id: String) -> String { tenantId + "/" + id }

    private func forget(tenantId: String, id: String) {
        cache.invalidate(Self.cacheKey(tenantId, id))
    }

    private func newSecret() -> String { OAuthClient.secretPrefix + random.base62(length: 43) }

    static func summary(_ c: OAuthClient) -> [String: JSONValue] {
        [
            "name": .string(c.name), "grantTypes": .array(c.grantTypes.map { .string($0.rawValue) }),
            "tokenEndpointAuthMethod": .string(c.tokenEndpointAuthMethod.rawValue), "firstParty": .bool(c.firstParty),
        ]
    }
}

/// How a client presented itself at the token endpoint (RFC 6749 §2.3.1; `none`: a public client's id only).
public enum PresentedClient: Sendable {
    case basic(id: String, secret: String)
    case post(id: String, secret: String)
    case none(id: String)

    public var id: String {
        switch self {
        case .basic(let id, _), .post(let id, _), .none(let id): id
        }
    }
}
