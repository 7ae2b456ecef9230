import Foundation
import Synchronization

/// One tenant's signing keys: the current one signs, every unretired one verifies and is published.
public struct TenantKeyRing: Sendable {
    public let tenantId: String
    /// The key access tokens are signed with (the server's configured algorithm).
    public let currentKid: String
    public let currentKey: PrivateSigningKey
    /// The current key of every algorithm the tenant has one for (an RS256 key appears with the first ID
    /// token asked for in RS256).
    public let currentByAlgorithm: [SigningAlgorithm: (kid: String, key: PrivateSigningKey)]
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
    /// A key rotated on another node signs and is published here within this (a per-tenant read of a
    /// few rows, once per interval, by whichever request comes first).
    private let refreshInterval: TimeInterval = 5
    private let rings = Mutex<[String: TenantKeyRing]>([:])
    private let loads = SingleFlight<String, TenantKeyRing>()
    private let additions = SingleFlight<String, TenantKeyRing>()

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

    /// The tenant's current key of `algorithm`, made (once, whichever node asks first on this node) when it
    /// has none: the ID tokens of a client that asks for RS256 need an RSA key beside the access-token key.
    public func signingKey(tenantId: String, algorithm wanted: SigningAlgorithm) async throws -> (kid: String, key: PrivateSigningKey) {
        if let current = try await ring(tenantId: tenantId).currentByAlgorithm[wanted] { return current }
        let ring = try await additions.run(tenantId + "/" + wanted.rawValue) { [self] in
            let loaded = try await reload(tenantId: tenantId)
            if loaded.currentByAlgorithm[wanted] != nil { return loaded }
            try await store.insertSigningKey(try makeKey(tenantId: tenantId, algorithm: wanted))
            return try await load(tenantId: tenantId)
        }
        guard let current = ring.currentByAlgorithm[wanted] else { throw GatehouseError(.internalError, "no \(wanted.rawValue) key") }
        return current
    }

    private func load(tenantId: String) async throws -> TenantKeyRing {
        var records = try await store.signingKeys(tenantId: tenantId, now: clock.now)
        if !records.contains(where: { $0.rotatedAt == nil && $0.algorithm == algorithm.rawValue }) {
            try await store.insertSigningKey(try makeKey(tenantId: tenantId, algorithm: algorithm))
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
        let key = try makeKey(tenantId: tenantId, algorithm: algorithm)
        try await tx.insertSigningKey(key)
        return key.kid
    }

    /// After a rotation, and not through the single flight: a load begun before it would not show the new key.
    public func loadAfterRotation(tenantId: String) async throws {
        _ = try await load(tenantId: tenantId)
    }

    private func makeKey(tenantId: String, algorithm: SigningAlgorithm) throws -> SigningKeyRecord {
        let key = try PrivateSigningKey.generate(algorithm)
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
        // The newest unrotated key of each algorithm signs; records arrive newest first.
        var currentByAlgorithm: [SigningAlgorithm: (kid: String, key: PrivateSigningKey)] = [:]
        for record in records where record.rotatedAt == nil {
            guard let alg = SigningAlgorithm(rawValue: record.algorithm), currentByAlgorithm[alg] == nil else { continue }
            currentByAlgorithm[alg] = (
                record.kid,
                try PrivateSigningKey(algorithm: alg, exportedBytes: try box.open(record.privateKeySealed, context: "signing-key:\(record.kid)"))
            )
        }
        guard let (currentKid, privateKey) = currentByAlgorithm[algorithm] else {
            throw GatehouseError(.internalError, "tenant has no signing key")
        }
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
            tenantId: tenantId, currentKid: currentKid, currentKey: privateKey, currentByAlgorithm: currentByAlgorithm,
            verifiers: verifiers,
            jwksJSON: Array(try encoder.encode(["keys": published])), loadedAt: clock.now
        )
    }
}
