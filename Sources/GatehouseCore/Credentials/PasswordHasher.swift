import Crypto
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Runs CPU-heavy work (bcrypt) off the event loops and the cooperative pool, on a bounded set of threads.
public protocol CPUWorkPool: Sendable {
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T
}

/// bcrypt password hashing (NIST 800-63B length rules, no composition rules). Unknown users are checked
/// against a dummy hash of the same cost, so they cost the same time as a wrong password.
public final class PasswordHasher: Sendable {
    public static let minLength = 8
    public static let maxBytes = 1024

    let pool: any CPUWorkPool
    public let cost: UInt8
    private let dummy = Mutex<String?>(nil)
    private let comparisonCount = Atomic<Int>(0)

    /// bcrypt comparisons run so far, whatever their answer (unknown users included): what proves that
    /// a failed login always pays for one.
    public var comparisons: Int { comparisonCount.load(ordering: .relaxed) }

    public init(pool: any CPUWorkPool, cost: UInt8) {
        self.pool = pool
        self.cost = min(max(cost, 4), 31)
    }

    /// Length rules only; a reason for the client when refused.
    public static func check(_ password: String) throws {
        guard password.count >= minLength else {
            throw GatehouseError.field("password", "must be at least \(minLength) characters")
        }
        guard password.utf8.count <= maxBytes else {
            throw GatehouseError.field("password", "must be at most \(maxBytes) bytes")
        }
    }

    /// What bcrypt sees: NFKC-normalised (the same password typed on another keyboard matches); past
    /// bcrypt's 72-byte window, or holding a NUL, it is first reduced with SHA-256 so no byte is ignored.
    static func prepared(_ password: String) -> String {
        let normalized = password.precomposedStringWithCompatibilityMapping
        let bytes = Array(normalized.utf8)
        guard bytes.count > 72 || bytes.contains(0) else { return normalized }
        return "sha256:" + Data(SHA256.hash(data: bytes)).base64EncodedString()
    }

    public func hash(_ password: String) async throws -> String {
        let input = Self.prepared(password)
        let cost = cost
        return try await pool.run { Bcrypt.hash(input, cost: cost) }
    }

    /// True when `password` matches `hash`; with no hash (unknown user, no password set) a dummy hash is
    /// checked anyway and the answer is false.
    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let input = Self.prepared(password)
        let target: String
        if let hash { target = hash } else { target = try await dummyHash() }
        let matches = try await pool.run { Bcrypt.verify(input, hash: target) }
        comparisonCount.add(1, ordering: .relaxed)
        return matches && hash != nil
    }

    /// A stored hash made at a lower cost than configured: re-hash it at the next successful login.
    public func needsRehash(_ hash: String) -> Bool {
        let parts = hash.split(separator: "$")
        guard parts.count >= 3, let stored = UInt8(parts[1]) else { return true }
        return stored < cost
    }

    /// The cost of the hash unknown users are checked against (the configured cost).
    public func dummyCost() async throws -> UInt8 {
        UInt8(try await dummyHash().split(separator: "$")[1]) ?? 0
    }

    private func dummyHash() async throws -> String {
        if let d = dummy.withLock({ $0 }) { return d }
        let cost = cost
        let made = try await pool.run { Bcrypt.hash("gatehouse-dummy-password", cost: cost) }
        return dummy.withLock {
            if let d = $0 { return d }
            $0 = made
            return made
        }
    }
}
