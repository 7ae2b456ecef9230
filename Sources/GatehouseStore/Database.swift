import Foundation
import GatehouseCore
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import Synchronization

public enum SQLDialectKind: Sendable {
    case sqlite, postgres
}

/// Connections to one database. SQLite: one writer (WAL allows readers beside it) and a few readers.
/// PostgreSQL: a pool; transactions take a connection of their own.
public protocol Database: Sendable {
    var kind: SQLDialectKind { get }
    func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
    func writeAutocommit<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
    func shutdown() async
}

extension Database {
    /// A single statement that writes (autocommit): on SQLite it goes through the one writer.
    public func write<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await writeAutocommit(body)
    }
}

/// `body` between `begin` and COMMIT; an error rolls it back and is rethrown.
private func inTransaction<T: Sendable>(
    _ db: any SQLDatabase, begin: SQLQueryString, _ body: (any SQLDatabase) async throws -> T
) async throws -> T {
    try await db.raw(begin).run()
    do {
        let result = try await body(db)
        try await db.raw("COMMIT").run()
        return result
    } catch {
        try? await db.raw("ROLLBACK").run()
        throw error
    }
}

public func openDatabase(_ url: DatabaseURL, logger: Logger, options: DatabaseOptions = DatabaseOptions()) async throws -> any Database {
    switch url {
    case .sqlite(let path): try await SQLiteDatabaseDriver.open(path: path, logger: logger, busyTimeout: options.sqliteBusyTimeout)
    case .postgres(let url): try PostgresDatabaseDriver(url: url, logger: logger, options: options)
    }
}

extension Duration {
    /// Whole milliseconds, the unit SQLite's busy timeout and PostgreSQL's `statement_timeout` take.
    var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// No pooled connection came within `DatabaseOptions.acquireTimeout`.
struct DatabaseUnavailable: Error {}

/// Bounds on waiting for a networked database, so that a database gone away costs a request a clear 503
/// in bounded time instead of a hang until the client gives up.
public struct DatabaseOptions: Sendable {
    /// `GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT`: how long an operation waits for a pooled connection.
    public var acquireTimeout: Duration = .milliseconds(1500)
    /// `GATEHOUSE_DATABASE_STATEMENT_TIMEOUT`: PostgreSQL's own bound on one statement (nil: none).
    public var statementTimeout: Duration? = .seconds(30)
    /// `GATEHOUSE_SQLITE_BUSY_TIMEOUT`: how long a SQLite statement waits for a lock another process holds
    /// (a backup, a `sqlite3` shell) before the request answers 503.
    public var sqliteBusyTimeout: Duration = .seconds(5)
    public init() {}
}

final class SQLiteDatabaseDriver: Database {
    let kind = SQLDialectKind.sqlite
    private let writer: AsyncPool<SQLiteConnection>
    private let writerThread = ThreadExecutor(name: "sqlite-writer")
    /// Set when the writer met a file it could not write: the next write opens the file again first, so the
    /// node writes again once the file is writable (a handle opened read-only never becomes writable).
    private let writerReadOnly: Atomic<Bool>
    private let readers: AsyncPool<SQLiteConnection>
    let checkpointer: Checkpointer
    private let logger: Logger

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], checkpointer: Checkpointer, logger: Logger) {
        let readOnly = writer.isReadOnly
        self.writerReadOnly = Atomic(readOnly)
        if readOnly {
            logger.warning("the database file is read-only: reads are served, writes answer 503 until it is writable again")
        }
        self.writer = AsyncPool([writer])
        self.readers = AsyncPool(readers)
        self.checkpointer = checkpointer
        self.logger = logger
        writer.onWALCommit { [checkpointer] in checkpointer.committed(walPages: $0) }
    }

    static func open(path: String, logger: Logger, readerCount: Int = 2, busyTimeout: Duration = .seconds(5)) async throws
        -> SQLiteDatabaseDriver
    {
        let busyMilliseconds = Int32(clamping: busyTimeout.wholeMilliseconds)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        func connect() throws -> SQLiteConnection {
            let c = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyMilliseconds)
            try configure(c)
            return c
        }
        let writer = try connect()
        _ = try enableWAL(writer)
        var readers: [SQLiteConnection] = []
        for _ in 0..<readerCount { readers.append(try connect()) }
        let checkpointer = Checkpointer(connection: try connect(), logger: logger)
        return SQLiteDatabaseDriver(writer: writer, readers: readers, checkpointer: checkpointer, logger: logger)
    }

    private static func configure(_ connection: SQLiteConnection) throws {
        for pragma in ["PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"] {
            try connection.execute(pragma, []) { _ in }
        }
    }

    /// Puts the writer's file in WAL mode; false, changing nothing, when the file was opened read-only.
    private static func enableWAL(_ writer: SQLiteConnection) throws -> Bool {
        guard !writer.isReadOnly else { return false }
        try writer.execute("PRAGMA journal_mode = WAL", []) { _ in }
        return true
    }

    func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await readers.with { try await body(SQLiteSQLDatabase(connection: $0, logger: logger)) }
    }

    // Writes run on the writer's own thread (see ThreadExecutor); the caller resumes on its own executor.
    func writeAutocommit<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(writerThread) {
            try await withWriter { try await body(SQLiteSQLDatabase(connection: $0, logger: logger)) }
        }
    }

    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(writerThread) {
            try await withWriter { conn in
                try await inTransaction(SQLiteSQLDatabase(connection: conn, logger: logger), begin: "BEGIN IMMEDIATE", body)
            }
        }
    }

    /// The writer, opened again first when it last met a read-only file; a write that meets one marks it.
    private func withWriter<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await writer.with { conn in
            if writerReadOnly.load(ordering: .relaxed) {
                try conn.reopen()
                try Self.configure(conn)
                guard try Self.enableWAL(conn) else { throw DatabaseUnavailable() }
                writerReadOnly.store(false, ordering: .relaxed)
                logger.notice("the database file is writable again: writes resume")
            }
            do {
                return try await body(conn)
            } catch let failure as SQLiteFailure where failure.isReadOnly {
                writerReadOnly.store(true, ordering: .relaxed)
                throw failure
            }
        }
    }

    func shutdown() async {
        checkpointer.shutdown()
        for c in writer.all + readers.all { c.close() }
        writerThread.shutdown()
    }
}

final class PostgresDatabaseDriver: Database {
    let kind = SQLDialectKind.postgres
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let acquireTimeout: Duration

    init(url: String, logger: Logger, options: DatabaseOptions = DatabaseOptions(), maximumConnections: Int = 16) throws {
        guard let c = URLComponents(string: url), let host = c.host, let user = c.user else {
            throw GatehouseError(.invalidRequest, "PostgreSQL URL must name a user and a host")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        let tlsMode = c.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS =
            tlsMode == "disable" ? .disable : .prefer(.makeClientConfiguration())
        var configuration = PostgresClient.Configuration(
            host: host, port: c.port ?? 5432, username: user, password: c.password,
            database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        if let limit = options.statementTimeout {
            configuration.options.additionalStartupParameters = [("statement_timeout", "\(limit.wholeMilliseconds)")]
        }
        acquireTimeout = options.acquireTimeout
        var quiet = logger
        quiet.logLevel = .critical
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        self.client = client
        // The client's pool lives as long as this driver; shutdown() cancels it.
        runner = Task { await client.run() }
    }

    func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await leased { conn in try await body(conn.sql(queryLogLevel: nil)) }
    }

    /// `body` on a pooled connection, waiting at most `acquireTimeout` for one. The pool's own wait has no
    /// bound (it keeps retrying a database that went away), so a child task holds the lease and hands the
    /// connection over; on time-out it is cancelled, which withdraws its request from the pool, or — had
    /// the connection come just then — gives the connection straight back.
    private func leased<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let (offered, offer) = AsyncStream.makeStream(of: PostgresConnection.self)
        let (returned, giveBack) = AsyncStream.makeStream(of: Never.self)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { [client, acquireTimeout] group in
            group.addTask {
                defer { offer.finish() }
                try await client.withConnection { conn in
                    offer.yield(conn)
                    for await _ in returned {}
                }
            }
            group.addTask {
                try await Task.sleep(for: acquireTimeout)
                offer.finish()
            }
            // Leaving, either way: the lessee gives its connection back, the timer stops.
            defer {
                giveBack.finish()
                group.cancelAll()
            }
            var connections = offered.makeAsyncIterator()
            guard let conn = await connections.next() else { throw DatabaseUnavailable() }
            return try await body(conn)
        }
    }

    func writeAutocommit<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await read(body)
    }

    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await read { try await inTransaction($0, begin: "BEGIN", body) }
    }

    func shutdown() async {
        runner.cancel()
        _ = await runner.value
    }
}
