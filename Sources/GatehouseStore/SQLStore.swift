import Foundation
import GatehouseCore
import Logging
import SQLKit
import Synchronization

/// The engine's storage over SQLKit, for SQLite and PostgreSQL alike. Every query names its tenant.
public final class SQLStore: UnitOfWorkStore, Sendable {
    public let database: any Database
    let logger: Logger
    /// The last committed link of each tenant's audit chain as this process saw it: a hint that saves a
    /// read per append. A stale hint makes the insert collide on (tenant, seq), and the head is re-read.
    let chainHeads: ChainHeads
    /// Inside a unit of work: the one connection, in its transaction, that every call of this store uses.
    let bound: (any SQLDatabase)?

    public init(database: any Database, logger: Logger) {
        self.database = database
        self.logger = logger
        chainHeads = ChainHeads()
        bound = nil
    }

    /// The same store, bound to one connection inside a unit of work.
    private init(_ parent: SQLStore, bound: any SQLDatabase) {
        database = parent.database
        logger = parent.logger
        chainHeads = parent.chainHeads
        self.bound = bound
    }

    /// Runs `body` in one transaction: everything it does through the store it is handed commits together, or
    /// nothing does. A concurrent append to the same audit chain (PostgreSQL) runs `body` again, so it must
    /// have no effect outside that store.
    public func unitOfWork<T: Sendable>(_ body: @Sendable (any GatehouseStore) async throws -> T) async throws -> T {
        if bound != nil { return try await body(self) }
        return try await retryingAuditChainRaces {
            try await guarded("unitOfWork") {
                try await database.transaction { db in try await body(SQLStore(self, bound: db)) }
            }
        }
    }

    /// Runs a transaction that appends to an audit chain again while a concurrent append takes its sequence
    /// number (it throws `AuditChainRace`; PostgreSQL only, SQLite's one writer never races), at most 20 times.
    /// Inside a unit of work the race goes up to the unit, which reruns as a whole.
    func retryingAuditChainRaces<T: Sendable>(_ attempt: () async throws -> T) async throws -> T {
        if bound != nil { return try await attempt() }
        for _ in 0..<20 {
            do {
                return try await attempt()
            } catch is AuditChainRace {
                continue
            }
        }
        throw GatehouseError(.unavailable, "audit log is busy", retryAfterSeconds: 1)
    }

    /// Database failures become one safe error; the detail (which may hold SQL) stays out of bodies and logs.
    func guarded<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as GatehouseError {
            throw error
        } catch let error as AuditChainRace {
            throw error
        } catch let error as SessionPreconditionFailed {
            throw error
        } catch {
            logger.error("database operation failed", metadata: ["operation": "\(operation)", "error": "\(type(of: error))"])
            throw GatehouseError(.unavailable, "database unavailable", retryAfterSeconds: 1)
        }
    }

    func read<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        if let bound { return try await guarded(operation) { try await body(bound) } }
        return try await guarded(operation) { try await database.read(body) }
    }

    func write<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        if let bound { return try await guarded(operation) { try await body(bound) } }
        return try await guarded(operation) { try await database.write(body) }
    }

    /// Inside a unit of work, part of its transaction.
    func transaction<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        if let bound { return try await guarded(operation) { try await body(bound) } }
        return try await guarded(operation) { try await database.transaction(body) }
    }
}

extension SQLRow {
    func string(_ c: String) throws -> String { try decode(column: c, as: String.self) }
    func optionalString(_ c: String) throws -> String? { try decode(column: c, as: String?.self) }
    func int(_ c: String) throws -> Int64 { try decode(column: c, as: Int64.self) }
    func optionalInt(_ c: String) throws -> Int64? { try decode(column: c, as: Int64?.self) }
    func bool(_ c: String) throws -> Bool { try int(c) != 0 }
    func date(_ c: String) throws -> Date { Date(millis: try int(c)) }
    func optionalDate(_ c: String) throws -> Date? { try optionalInt(c).map(Date.init(millis:)) }
}

/// Cursor over (created_at, id): stable under inserts, opaque to clients.
enum Cursor {
    static func encode(createdAt: Date, id: String) -> String {
        Base64URL.encode(Array("\(createdAt.millis)|\(id)".utf8))
    }

    static func decode(_ text: String?) throws -> (Int64, String)? {
        guard let text else { return nil }
        guard let bytes = Base64URL.decode(text), let s = String(bytes: bytes, encoding: .utf8),
            let bar = s.firstIndex(of: "|"), let millis = Int64(s[..<bar])
        else { throw GatehouseError.field("cursor", "is not a cursor this server issued") }
        return (millis, String(s[s.index(after: bar)...]))
    }

    static func page<T: Sendable>(_ items: [T], limit: Int, key: (T) -> (Date, String)) -> Page<T> {
        guard items.count > limit else { return Page(items: items, nextCursor: nil) }
        let kept = Array(items.prefix(limit))
        let (d, id) = key(kept[kept.count - 1])
        return Page(items: kept, nextCursor: encode(createdAt: d, id: id))
    }
}

extension Bool {
    var sqlInt: Int64 { self ? 1 : 0 }
}
