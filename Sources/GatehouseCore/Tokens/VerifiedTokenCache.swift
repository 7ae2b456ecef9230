import Synchronization

/// Tokens whose signature has been checked, keyed by the whole token text (so a token with the same
/// claims and another signature never matches). Bounded: when full it starts over.
final class VerifiedTokenCache: Sendable {
    private let capacity: Int
    private let entries = Mutex<[String: (claims: AccessTokenClaims, payload: [UInt8])]>([:])

    init(capacity: Int) { self.capacity = capacity }

    func lookup(_ token: String) -> (claims: AccessTokenClaims, payload: [UInt8])? {
        entries.withLock { $0[token] }
    }

    func remember(_ token: String, _ value: (claims: AccessTokenClaims, payload: [UInt8])) {
        entries.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[token] = value
        }
    }
}
