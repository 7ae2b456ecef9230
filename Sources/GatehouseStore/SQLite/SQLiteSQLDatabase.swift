import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// SQLKit over one `SQLiteConnection`: statements run synchronously, so awaiting one never suspends.
struct SQLiteSQLDatabase: SQLDatabase {
    let connection: SQLiteConnection
    let logger: Logger
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { GatehouseSQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    private func run(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        let values = try binds.map(SQLiteBind.value(of:))
        try connection.execute(sql, values) { onRow($0) }
    }
}

/// SQLite's spelling of SQL, for the statements this project writes (3.35+: RETURNING, upsert).
struct GatehouseSQLiteDialect: SQLDialect {
    var name: String { "sqlite" }
    var identifierQuote: any SQLExpression { SQLRaw(#"""#) }
    var literalStringQuote: any SQLExpression { SQLRaw("'") }
    func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?\(position)") }
    func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "1" : "0") }
    var literalDefault: any SQLExpression { SQLLiteral.null }
    var supportsAutoIncrement: Bool { false }
    var autoIncrementClause: any SQLExpression { SQLRaw("AUTOINCREMENT") }
    var enumSyntax: SQLEnumSyntax { .unsupported }
    var supportsDropBehavior: Bool { false }
    var supportsReturning: Bool { true }
    var upsertSyntax: SQLUpsertSyntax { .standard }
    var triggerSyntax: SQLTriggerSyntax { .init(create: [.supportsBody, .supportsCondition], drop: []) }
    var alterTableSyntax: SQLAlterTableSyntax { .init(allowsBatch: false) }
}

enum SQLiteBind {
    struct Unsupported: Error, CustomStringConvertible {
        var type: String
        var description: String { "cannot bind a \(type) to SQLite" }
    }

    /// The SQLite value of a bound Swift value (the types the store binds: text, integers, reals, nil).
    static func value(of bind: any Encodable & Sendable) throws -> SQLiteValue {
        switch bind {
        case let v as String: return .text(v)
        case let v as Int64: return .integer(v)
        case let v as Int: return .integer(Int64(v))
        case let v as Bool: return .integer(v ? 1 : 0)
        case let v as Double: return .real(v)
        case let v as [UInt8]: return .blob(v)
        case let v as String?: return v.map(SQLiteValue.text) ?? .null
        case let v as Int64?: return v.map(SQLiteValue.integer) ?? .null
        case let v as Int?: return v.map { .integer(Int64($0)) } ?? .null
        case let v as Double?: return v.map(SQLiteValue.real) ?? .null
        default: throw Unsupported(type: String(describing: type(of: bind)))
        }
    }
}

/// A statement's result columns, shared by all its rows.
final class SQLiteColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(names: [String]) {
        self.names = names
        // A name given twice (a join without aliases) means its last column.
        index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
    }
}

/// One result row; decoding goes through a single-value decoder so `Optional` and plain types both work.
struct SQLiteRow: SQLRow {
    let columns: SQLiteColumns
    let values: [SQLiteValue]

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }

    private func value(_ column: String) throws -> SQLiteValue {
        guard let i = columns.index[column] else { throw missing(column) }
        return values[i]
    }

    func decodeNil(column: String) throws -> Bool { try value(column) == .null }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        try D(from: ValueDecoder(value: try value(column), codingPath: [SQLiteColumnKey(stringValue: column)]))
    }

    private func missing(_ column: String) -> DecodingError {
        .keyNotFound(SQLiteColumnKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column)"))
    }
}

struct SQLiteColumnKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLiteValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw mismatch(type) }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw mismatch([Any].self) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decode(Int64.self) != 0 }
    func decode(_ type: String.Type) throws -> String {
        guard case .text(let s) = value else { throw mismatch(type) }
        return s
    }
    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        default: throw mismatch(type)
        }
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int64.Type) throws -> Int64 {
        guard case .integer(let i) = value else { throw mismatch(type) }
        return i
    }
    func decode(_ type: Int.Type) throws -> Int { Int(try decode(Int64.self)) }
    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    private func narrow<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let v = T(exactly: try decode(Int64.self)) else { throw mismatch(type) }
        return v
    }

    private func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "column holds \(value)"))
    }
}
