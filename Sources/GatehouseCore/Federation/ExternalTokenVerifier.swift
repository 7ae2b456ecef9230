import Foundation
import JWTKit
import Synchronization

/// Fetches a provider's JWKS document. Injected so tests serve keys from a real loopback server.
public protocol JWKSFetcher: Sendable {
    func fetch(_ url: String) async throws -> [UInt8]
}

/// A verified identity asserted by a tenant's external identity provider.
public struct ExternalIdentity: Sendable {
    public var provider: IdentityProvider
    public var issuer: String
    public var subject: String
    public var email: String?
    public var claims: [String: JSONValue]
}

/// The keys of one provider as last loaded, with what each key may verify.
struct ProviderKeySet: Sendable {
    struct KeyInfo: Sendable {
        var kty: String
        var crv: String?
        var alg: String?
        /// jwt-kit's verifier for this JWK and the algorithm its type allows.
        var verifier: any JWTAlgorithm
    }
    var keys: [String: KeyInfo]
    var fetchedAt: Date
    var source: String
}

/// Verifies tokens of a tenant's external identity providers (Firebase, Auth0, a signer service…).
/// Algorithm confusion is refused before any crypto: the header's `alg` must be one the provider allows
/// and must match the key type of the JWK its `kid` names; `none` and HMAC never verify.
public final class ExternalTokenVerifier: Sendable {
    private let fetcher: any JWKSFetcher
    private let clock: any GatehouseClock
    private let cache = Mutex<[String: ProviderKeySet]>([:])
    /// One fetch per JWKS URL at a time.
    private let fetches = SingleFlight<String, [UInt8]>()
    /// JWKS URLs whose last fetch failed, and when: not asked again for `failureLifetime`.
    private let failures = Mutex<[String: Date]>([:])
    private let failureLifetime: TimeInterval = 30
    /// A provider's JWKS URL is fetched at most this often when tokens name unknown kids.
    private let refetchInterval: TimeInterval
    private let cacheLifetime: TimeInterval
    private let leeway: Double = 5
    public static let maxJWKSBytes = 64 * 1024

    public init(
        fetcher: any JWKSFetcher, clock: any GatehouseClock, refetchInterval: TimeInterval = 10,
        cacheLifetime: TimeInterval = 600
    ) {
        self.fetcher = fetcher
        self.clock = clock
        self.refetchInterval = refetchInterval
        self.cacheLifetime = cacheLifetime
    }

    public func verify(_ token: String, providers: [IdentityProvider]) async throws -> ExternalIdentity {
        let jws = try CompactJWS(token)
        let unverified = try jws.decodePayload([String: JSONValue].self)
        guard let iss = unverified["iss"]?.stringValue else { throw GatehouseError.invalidToken("token has no issuer") }
        guard let provider = providers.first(where: { $0.issuer == iss }) else {
            throw GatehouseError.invalidToken("unknown issuer")
        }
        guard let alg = ExternalAlgorithm(rawValue: jws.header.alg), provider.algorithms.contains(alg) else {
            throw GatehouseError.invalidToken("algorithm \(jws.header.alg) is not accepted")
        }
        let keySet = try await keys(for: provider, kid: jws.header.kid)
        let info: ProviderKeySet.KeyInfo
        if let kid = jws.header.kid {
            guard let found = keySet.keys[kid] else { throw GatehouseError.invalidToken("unknown signing key") }
            info = found
        } else {
            // Without a kid only a provider with a single key is unambiguous.
            guard keySet.keys.count == 1, let only = keySet.keys.values.first else {
                throw GatehouseError.invalidToken("token has no kid")
            }
            info = only
        }
        guard info.kty == alg.keyType, info.alg == nil || info.alg == alg.rawValue, info.verifier.name == alg.rawValue
        else {
            throw GatehouseError.invalidToken("algorithm does not match the key")
        }
        if alg == .ES256, info.crv != "P-256" { throw GatehouseError.invalidToken("algorithm does not match the key") }
        if alg == .EdDSA, info.crv != "Ed25519" { throw GatehouseError.invalidToken("algorithm does not match the key") }

        // Only the signature is jwt-kit's job here; the claims were decoded above and are checked below
        // with the injected clock.
        guard (try? info.verifier.verify(jws.signature, signs: jws.signingInput)) == true else {
            throw GatehouseError.invalidToken("bad signature")
        }
        return try identity(from: unverified, provider: provider)
    }

    private func identity(from claims: [String: JSONValue], provider: IdentityProvider) throws -> ExternalIdentity {
        let now = clock.now.timeIntervalSince1970
        guard let exp = claims["exp"]?.numberValue else { throw GatehouseError.invalidToken("token has no expiry") }
        guard exp > now else { throw GatehouseError.invalidToken("token expired") }
        if let nbf = claims["nbf"]?.numberValue, nbf > now + leeway {
            throw GatehouseError.invalidToken("token not yet valid")
        }
        if let iat = claims["iat"]?.numberValue, iat > now + leeway {
            throw GatehouseError.invalidToken("token issued in the future")
        }
        // A token minted for any other client of the provider is not for us (RFC 7519 §4.1.3).
        guard !provider.audiences.isEmpty else {
            throw GatehouseError.invalidToken("the identity provider has no audience configured; an admin must set one")
        }
        do {
            let auds: [String]
            switch claims["aud"] {
            case .string(let s): auds = [s]
            case .array(let a): auds = a.compactMap(\.stringValue)
            default: auds = []
            }
            guard auds.contains(where: provider.audiences.contains) else { throw GatehouseError.invalidToken("wrong audience") }
        }
        guard let sub = claims["sub"]?.stringValue, !sub.isEmpty, sub.utf8.count <= 255 else {
            throw GatehouseError.invalidToken("token has no subject")
        }
        let email = claims[provider.emailClaim]?.stringValue.flatMap { $0.utf8.count <= 320 ? $0 : nil }
        return ExternalIdentity(provider: provider, issuer: provider.issuer, subject: sub, email: email, claims: claims)
    }

    private func keys(for provider: IdentityProvider, kid: String?) async throws -> ProviderKeySet {
        let now = clock.now
        let source = provider.jwksUri ?? provider.jwks ?? ""
        let cacheKey = provider.id
        if let cached = cache.withLock({ $0[cacheKey] }), cached.source == source {
            let fresh = now.timeIntervalSince(cached.fetchedAt) < cacheLifetime || provider.jwksUri == nil
            let knowsKid = kid.map { cached.keys[$0] != nil } ?? true
            let mayRefetch = provider.jwksUri != nil && now.timeIntervalSince(cached.fetchedAt) >= refetchInterval
            if fresh && (knowsKid || !mayRefetch) { return cached }
        }
        let document: [UInt8]
        if let uri = provider.jwksUri {
            document = try await fetch(uri, now: now)
        } else if let inline = provider.jwks {
            document = Array(inline.utf8)
        } else {
            throw GatehouseError.invalidToken("provider has no keys")
        }
        let keySet = try await Self.parse(document, source: source, at: now)
        cache.withLock { $0[cacheKey] = keySet }
        return keySet
    }

    /// One outbound fetch per URL at a time, and none for 30 s after one failed; every failure answers with
    /// the same text (no port or address oracle).
    private func fetch(_ uri: String, now: Date) async throws -> [UInt8] {
        let unreachable = GatehouseError(.upstream, "the identity provider's keys could not be fetched")
        if let failedAt = failures.withLock({ $0[uri] }), now.timeIntervalSince(failedAt) < failureLifetime {
            throw unreachable
        }
        do {
            let document = try await fetches.run(uri) { [fetcher] in try await fetcher.fetch(uri) }
            failures.withLock { _ = $0.removeValue(forKey: uri) }
            return document
        } catch {
            failures.withLock { map in
                if map.count >= 10_000 { map.removeAll() }
                map[uri] = now
            }
            throw unreachable
        }
    }

    /// Parses a JWKS, keeping the keys jwt-kit accepts; public keys only (private members are refused).
    static func parse(_ document: [UInt8], source: String, at now: Date) async throws -> ProviderKeySet {
        guard document.count <= maxJWKSBytes,
            let root = try? JSONDecoder().decode([String: JSONValue].self, from: Data(document)),
            let list = root["keys"]?.arrayValue
        else { throw GatehouseError(.upstream, "the identity provider's JWKS is malformed") }
        let collection = JWTKeyCollection()
        var infos: [String: ProviderKeySet.KeyInfo] = [:]
        for entry in list.prefix(50) {
            guard let object = entry.objectValue, let kty = object["kty"]?.stringValue,
                object["d"] == nil,  // a private key has no business in a JWKS
                let data = try? JSONEncoder().encode(entry),
                let jwk = try? JSONDecoder().decode(JWK.self, from: data)
            else { continue }
            let kid = object["kid"]?.stringValue ?? "_\(infos.count)"
            var withKid = jwk
            withKid.keyIdentifier = JWKIdentifier(string: kid)
            // The one algorithm this key type may verify (a JWK's own `alg` must agree, checked at use).
            let alg: String
            switch kty {
            case "OKP": alg = ExternalAlgorithm.EdDSA.rawValue
            case "EC": alg = ExternalAlgorithm.ES256.rawValue
            case "RSA": alg = ExternalAlgorithm.RS256.rawValue
            default: continue
            }
            guard (try? await collection.add(jwk: withKid)) != nil,
                let verifier = try? await collection.getKey(for: JWKIdentifier(string: kid), alg: alg)
            else { continue }
            infos[kid] = .init(
                kty: kty, crv: object["crv"]?.stringValue, alg: object["alg"]?.stringValue, verifier: verifier)
        }
        return ProviderKeySet(keys: infos, fetchedAt: now, source: source)
    }

    /// Validates a JWKS a tenant admin submits; returns how many usable keys it holds.
    public static func validate(jwks: String) async throws -> Int {
        let set = try await parse(Array(jwks.utf8), source: "", at: Date())
        return set.keys.count
    }
}
