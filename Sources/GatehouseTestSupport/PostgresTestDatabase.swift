import Foundation
import GatehouseCore
import GatehouseStore
import Logging
import SQLKit

/// Creates a throwaway PostgreSQL database per test, so suites run in parallel without sharing rows.
public enum PostgresTestDatabase {
    public static func create(base: String) async throws -> String {
        let name = "gh_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try await openDatabase(try DatabaseURL(base), logger: Logger(label: "test-admin"), options: options)
        do {
            try await admin.read { db in try await db.raw("CREATE DATABASE \(unsafeRaw: String(name))").run() }
            await admin.shutdown()
        } catch {
            await admin.shutdown()
            throw error
        }
        guard var c = URLComponents(string: base) else { throw GatehouseError(.invalidRequest, "bad postgres URL") }
        c.path = "/" + name
        return c.string!
    }

    /// The suite runs many databases at once on one server, whose CREATE DATABASE calls queue behind one
    /// another: a connection may take longer than a serving node would wait for one.
    public static var options: DatabaseOptions {
        var o = DatabaseOptions()
        o.acquireTimeout = .seconds(60)
        return o
    }

    public static var baseURL: String? {
        ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
