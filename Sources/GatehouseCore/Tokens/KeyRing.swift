import Foundation
import Synchronization

/// One tenant's signing keys: the current one signs, every unretired one verifies and is published.
public struct TenantKeyRing: Sendable {
    public let tenantId: String
    public let currentKid: String
    public let currentKey: PrivateSigningKey
    public let verifiers: [String: PublicVerificationKey]
    /// The JWKS document, serialised once per load.
    public let jwksJSON: [UInt8]
    public let loadedAt: Date
}

/// Per-tenant key rings, loaded from the store on first need and kept fresh, so that a key rotated by
/// another node is seen within `refreshInterval` (or at once, when a token names its kid).
public final class KeyRingCache: Sendable {
    private let store: any SigningKeyStore
    private let box: SecretBox
    private let clock: any GatehouseClock
    private let random: any RandomSource
    private let algorithm: SigningAlgorithm
    /// How long a rotated key stays published: at least the longest life of a token it signed.
    private let retention: TimeInterval
    private let refreshInterval: TimeInterval = 60
    private let rings = Mutex<[String: TenantKeyRing]>([:])
    private let loads = SingleFlight<String, TenantKeyRing>()

    public init(
        store: any SigningKeyStore, box: SecretBox, clock: any GatehouseClock, random: any RandomSource,
        algorithm: SigningAlgorithm, retention: TimeInterval
    ) {
        self.store = store
        self.box = box
        self.clock = clock
        self.random = random
        self.algorithm = algorithm
        self.retention = retention
    }

    public func ring(tenantId: String) async throws -> TenantKeyRing {
        let now = clock.now
        if let ring = rings.withLock({ $0[tenantId] }), now.timeIntervalSince(ring.loadedAt) < refreshInterval {
            return ring
        }
        return try await reload(tenantId: tenantId)
    }

    /// The key for `kid`, reloading once (at most every second) when the kid is not known yet.
    public func verifier(tenantId: String, kid: String) async throws -> PublicVerificationKey? {
        let ring = try await ring(tenantId: tenantId)
        if let key = ring.verifiers[kid] { return key }
        guard clock.now.timeIntervalSince(ring.loadedAt) >= 1 else { return nil }
        return try await reload(tenantId: tenantId).verifiers[kid]
    }

    /// Loads the tenant's keys again; concurrent callers share one load (single-flight per tenant).
    @discardableResult
    public func reload(tenantId: String) async throws -> TenantKeyRing {
        try await loads.run(tenantId) { [self] in try await load(tenantId: tenantId) }
    }

    private func load(tenantId: String) async throws -> TenantKeyRing {
        var records = try await store.signingKeys(tenantId: tenantId, now: clock.now)
        if !records.contains(where: { $0.rotatedAt == nil }) {
            try await store.insertSigningKey(try makeKey(tenantId: tenantId))
            records = try await store.signingKeys(tenantId: tenantId, now: clock.now)
        }
        let ring = try buildRing(tenantId: tenantId, records: records)
        rings.withLock { $0[tenantId] = ring }
        return ring
    }

    /// Adds a new current key; the previous ones keep verifying and stay in the JWKS until `retention` passes.
    /// Writes a new current key through `tx` (the caller's unit of work, which appends the audit event
    /// beside it); `loadAfterRotation` once it has committed makes this node use it.
    public func rotate(tenantId: String, in tx: any SigningKeyStore) async throws -> String {
        let now = clock.now
        try await tx.rotateSigningKeys(tenantId: tenantId, rotatedAt: now, retireAt: now.addingTimeInterval(retention))
        let key = try makeKey(tenantId: tenantId)
        try await tx.insertSigningKey(key)
        return key.kid
    }

    /// After a rotation, and not through the single flight: a load begun before it would not show the new key.
    public func loadAfterRotation(tenantId: String) async throws {
        _ = try await load(tenantId: tenantId)
    }

    private func makeKey(tenantId: String) throws -> SigningKeyRecord {
        let key = PrivateSigningKey.generate(algorithm)
        let kid = random.token(bytes: 12)
        let jwk = key.publicKey.jwk(kid: kid)
        let jwkJSON = String(decoding: try JSONEncoder().encode(jwk), as: UTF8.self)
        return SigningKeyRecord(
            kid: kid, tenantId: tenantId, algorithm: algorithm.rawValue,
            privateKeySealed: try box.seal(key.exportedBytes, context: "signing-key:\(kid)"),
            publicJWK: jwkJSON, createdAt: clock.now
        )
    }

    private func buildRing(tenantId: String, records: [SigningKeyRecord]) throws -> TenantKeyRing {
        // Newest unrotated key signs; records arrive newest first.
        guard let current = records.first(where: { $0.rotatedAt == nil }),
            let alg = SigningAlgorithm(rawValue: current.algorithm)
        else { throw GatehouseError(.internalError, "tenant has no signing key") }
        let privateKey = try PrivateSigningKey(
            algorithm: alg, exportedBytes: try box.open(current.privateKeySealed, context: "signing-key:\(current.kid)"))
        var verifiers: [String: PublicVerificationKey] = [:]
        var published: [[String: String]] = []
        for record in records {
            guard let data = record.publicJWK.data(using: .utf8),
                let jwk = try? JSONDecoder().decode([String: String].self, from: data)
            else { continue }
            verifiers[record.kid] = try PublicVerificationKey(jwk: jwk)
            published.append(jwk)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return TenantKeyRing(
            tenantId: tenantId, currentKid: current.kid, currentKey: privateKey, verifiers: verifiers,
            jwksJSON: Array(try encoder.encode(["keys": published])), loadedAt: clock.now
        )
    }
}
