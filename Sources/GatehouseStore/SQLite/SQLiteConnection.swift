import CSQLite
import Foundation
import GatehouseCore
import Synchronization

/// A value as SQLite stores it.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

struct SQLiteFailure: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }
    /// SQLITE_READONLY and its extended codes: the file (or its folder) cannot be written now.
    var isReadOnly: Bool { code & 0xff == SQLITE_READONLY }
}

/// One SQLite connection, used synchronously on the caller's thread. SQLite calls take microseconds, so
/// hopping to a thread pool and back for each statement (what sqlite-nio does) cost more than the work:
/// it capped token issuance. Exclusive use comes from the pool that hands connections out; the mutex
/// makes that a guarantee rather than a convention. Prepared statements are cached per SQL text.
final class SQLiteConnection: Sendable {
    private struct State {
        var db: OpaquePointer?
        var statements: [String: Prepared] = [:]
        var walHook: WALHook?
    }

    /// A cached statement with its result columns, named once rather than at every execution.
    private struct Prepared {
        var statement: OpaquePointer
        var columns: SQLiteColumns
    }

    private final class WALHook: Sendable {
        let handler: @Sendable (Int) -> Bool
        init(_ handler: @escaping @Sendable (Int) -> Bool) { self.handler = handler }
    }

    private let state: Mutex<State>
    private let path: String
    private let busyTimeout: Int32

    init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        self.path = path
        self.busyTimeout = busyTimeoutMilliseconds
        state = Mutex(State(db: try Self.openHandle(path, busyTimeout: busyTimeoutMilliseconds)))
    }

    private static func openHandle(_ path: String, busyTimeout: Int32) throws -> OpaquePointer {
        var db: OpaquePointer?
        // READWRITE opens read-only, silently, when the file is not writable; `isReadOnly` tells.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteFailure(code: rc, message: message)
        }
        sqlite3_busy_timeout(db, busyTimeout)
        sqlite3_extended_result_codes(db, 1)
        return db
    }

    /// Whether SQLite opened the file read-only (it was not writable then); it stays so until `reopen`.
    var isReadOnly: Bool { state.withLock { $0.db.map { sqlite3_db_readonly($0, "main") == 1 } ?? true } }

    /// Opens the file again in place of the current handle (the cached statements and the WAL hook move
    /// to the new one): a handle opened read-only never becomes writable by itself.
    func reopen() throws {
        try state.withLock { state in
            let fresh = try Self.openHandle(path, busyTimeout: busyTimeout)
            Self.release(&state)
            state.db = fresh
            if let hook = state.walHook { Self.install(hook, on: fresh) }
        }
    }

    /// Runs one statement, calling `onRow` with each result row.
    func execute(_ sql: String, _ binds: [SQLiteValue], onRow: (SQLiteRow) throws -> Void) throws {
        try state.withLock { state in
            guard let db = state.db else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "connection closed") }
            let statement: OpaquePointer
            let columns: SQLiteColumns
            if let cached = state.statements[sql] {
                (statement, columns) = (cached.statement, cached.columns)
            } else {
                var prepared: OpaquePointer?
                let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
                guard rc == SQLITE_OK, let prepared else { throw Self.failure(db, rc) }
                if state.statements.count > 256 {
                    for (_, p) in state.statements { sqlite3_finalize(p.statement) }
                    state.statements.removeAll()
                }
                statement = prepared
                columns = SQLiteColumns(
                    names: (0..<sqlite3_column_count(prepared)).map { String(cString: sqlite3_column_name(prepared, $0)) })
                state.statements[sql] = Prepared(statement: prepared, columns: columns)
            }
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            for (i, value) in binds.enumerated() {
                let index = Int32(i + 1)
                let rc: Int32
                switch value {
                case .null: rc = sqlite3_bind_null(statement, index)
                case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
                case .real(let v): rc = sqlite3_bind_double(statement, index, v)
                case .text(let v): rc = sqlite3_bind_text(statement, index, v, -1, SQLITE_TRANSIENT)
                case .blob(let v):
                    rc = v.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
                }
                guard rc == SQLITE_OK else { throw Self.failure(db, rc) }
            }
            let columnCount = Int32(columns.names.count)
            while true {
                let rc = sqlite3_step(statement)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw Self.failure(db, rc) }
                var values: [SQLiteValue] = []
                values.reserveCapacity(Int(columnCount))
                for c in 0..<columnCount {
                    let value: SQLiteValue
                    switch sqlite3_column_type(statement, c) {
                    case SQLITE_INTEGER: value = .integer(sqlite3_column_int64(statement, c))
                    case SQLITE_FLOAT: value = .real(sqlite3_column_double(statement, c))
                    case SQLITE_TEXT: value = .text(String(cString: sqlite3_column_text(statement, c)))
                    case SQLITE_BLOB:
                        let count = Int(sqlite3_column_bytes(statement, c))
                        if let p = sqlite3_column_blob(statement, c) {
                            value = .blob(Array(UnsafeRawBufferPointer(start: p, count: count)))
                        } else {
                            value = .blob([])
                        }
                    default: value = .null
                    }
                    values.append(value)
                }
                try onRow(SQLiteRow(columns: columns, values: values))
            }
        }
    }

    /// Calls `handler` after each commit with the number of pages in the WAL, on the committing thread
    /// while this connection is still busy (it must not use the connection); when it answers true, this
    /// connection checkpoints there and then. This replaces SQLite's own checkpoint-on-commit, which is a
    /// WAL hook too.
    func onWALCommit(_ handler: @escaping @Sendable (Int) -> Bool) {
        let hook = WALHook(handler)
        state.withLock { state in
            state.walHook = hook
            if let db = state.db { Self.install(hook, on: db) }
        }
    }

    private static func install(_ hook: WALHook, on db: OpaquePointer) {
        sqlite3_wal_hook(
            db,
            { context, db, name, pages in
                if let context, Unmanaged<WALHook>.fromOpaque(context).takeUnretainedValue().handler(Int(pages)) {
                    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(hook).toOpaque())
    }

    func close() {
        state.withLock { state in
            Self.release(&state)
            state.walHook = nil
        }
    }

    /// Finalizes the cached statements and closes the handle (what `close` and `reopen` both let go of).
    private static func release(_ state: inout State) {
        for (_, p) in state.statements { sqlite3_finalize(p.statement) }
        state.statements.removeAll()
        sqlite3_close_v2(state.db)
        state.db = nil
    }

    private static func failure(_ db: OpaquePointer, _ rc: Int32) -> SQLiteFailure {
        SQLiteFailure(code: rc, message: String(cString: sqlite3_errmsg(db)))
    }
}

/// SQLite's "copy this buffer now" destructor, which the C macro spells as a cast of -1.
private let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
