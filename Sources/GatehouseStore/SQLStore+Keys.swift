import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: SigningKeyStore, IdentityProviderStore {
    public func insertSigningKey(_ k: SigningKeyRecord) async throws {
        try await write("insertSigningKey") { db in
            try await db.raw(
                """
                INSERT INTO signing_keys (kid, tenant_id, algorithm, private_key_sealed, public_jwk, created_at, rotated_at, retire_at)
                VALUES (\(bind: k.kid), \(bind: k.tenantId), \(bind: k.algorithm), \(bind: k.privateKeySealed),
                  \(bind: k.publicJWK), \(bind: k.createdAt.millis), \(bind: k.rotatedAt?.millis), \(bind: k.retireAt?.millis))
                """
            ).run()
        }
    }

    public func signingKeys(tenantId: String, now: Date) async throws -> [SigningKeyRecord] {
        try await read("signingKeys") { db in
            try await db.raw(
                """
                SELECT kid, tenant_id, algorithm, private_key_sealed, public_jwk, created_at, rotated_at, retire_at
                FROM signing_keys WHERE tenant_id = \(bind: tenantId) AND (retire_at IS NULL OR retire_at > \(bind: now.millis))
                ORDER BY created_at DESC, kid DESC
                """
            ).all().map {
                SigningKeyRecord(
                    kid: try $0.string("kid"), tenantId: try $0.string("tenant_id"), algorithm: try $0.string("algorithm"),
                    privateKeySealed: try $0.string("private_key_sealed"), publicJWK: try $0.string("public_jwk"),
                    createdAt: try $0.date("created_at"), rotatedAt: try $0.optionalDate("rotated_at"),
                    retireAt: try $0.optionalDate("retire_at"))
            }
        }
    }

    public func rotateSigningKeys(tenantId: String, rotatedAt: Date, retireAt: Date) async throws {
        try await write("rotateSigningKeys") { db in
            try await db.raw(
                "UPDATE signing_keys SET rotated_at = \(bind: rotatedAt.millis), retire_at = \(bind: retireAt.millis) WHERE tenant_id = \(bind: tenantId) AND rotated_at IS NULL"
            ).run()
        }
    }

    static let providerColumns = "id, tenant_id, issuer, jwks, jwks_uri, audience, algorithms, email_claim, created_at"

    func provider(from row: any SQLRow) throws -> IdentityProvider {
        IdentityProvider(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), issuer: try row.string("issuer"),
            jwks: try row.optionalString("jwks"), jwksUri: try row.optionalString("jwks_uri"),
            audiences: Self.audiences(from: try row.optionalString("audience")),
            algorithms: try row.string("algorithms").split(separator: ",").compactMap { ExternalAlgorithm(rawValue: String($0)) },
            emailClaim: try row.string("email_claim"), createdAt: try row.date("created_at"))
    }

    public func insertIdentityProvider(_ p: IdentityProvider) async throws -> Bool {
        try await write("insertIdentityProvider") { db in
            try await db.raw(
                """
                INSERT INTO identity_providers (\(unsafeRaw: Self.providerColumns)) VALUES (\(bind: p.id), \(bind: p.tenantId),
                  \(bind: p.issuer), \(bind: p.jwks), \(bind: p.jwksUri), \(bind: Self.audienceText(p.audiences)),
                  \(bind: p.algorithms.map(\.rawValue).joined(separator: ",")), \(bind: p.emailClaim), \(bind: p.createdAt.millis))
                ON CONFLICT DO NOTHING RETURNING id
                """
            ).first() != nil
        }
    }

    public func identityProviders(tenantId: String) async throws -> [IdentityProvider] {
        try await read("identityProviders") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.providerColumns) FROM identity_providers WHERE tenant_id = \(bind: tenantId) ORDER BY created_at, id"
            ).all().map(provider(from:))
        }
    }

    public func identityProvider(tenantId: String, id: String) async throws -> IdentityProvider? {
        try await read("identityProvider") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.providerColumns) FROM identity_providers WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).first().map(provider(from:))
        }
    }

    /// The audience column: a JSON array of strings (a plain string in rows older than lists).
    static func audiences(from text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        guard text.hasPrefix("["), let list = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else { return [text] }
        return list
    }

    static func audienceText(_ audiences: [String]) -> String? {
        audiences.isEmpty ? nil : String(decoding: (try? JSONEncoder().encode(audiences)) ?? Data("[]".utf8), as: UTF8.self)
    }

    public func setIdentityProviderAudiences(tenantId: String, id: String, audiences: [String]) async throws -> Bool {
        try await write("setIdentityProviderAudiences") { db in
            try await db.raw(
                """
                UPDATE identity_providers SET audience = \(bind: Self.audienceText(audiences))
                WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING id
                """
            ).first() != nil
        }
    }

    public func identityProvidersWithoutAudience() async throws -> [IdentityProvider] {
        try await read("identityProvidersWithoutAudience") { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.providerColumns) FROM identity_providers WHERE audience IS NULL OR audience = '' OR audience = '[]' ORDER BY tenant_id, created_at"
            ).all().map(provider(from:))
        }
    }

    public func deleteIdentityProvider(tenantId: String, id: String) async throws -> Bool {
        try await write("deleteIdentityProvider") { db in
            try await db.raw(
                "DELETE FROM identity_providers WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING id"
            ).first() != nil
        }
    }
}
