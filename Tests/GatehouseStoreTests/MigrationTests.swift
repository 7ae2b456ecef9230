import Foundation
import GatehouseCore
import GatehouseStore
import SQLKit
import Testing

/// Migrations that move data, each run on data written as the schema before it held it.
@Suite struct MigrationTests {
    /// 21: webhook subscriptions under the names used before the event catalog move to the new names;
    /// two old names that became one leave one subscription; other names and `*` stay as they were.
    @Test(arguments: StoreContractTests.kinds) func subscriptionsMoveToTodaysEventNames(kind: String) async throws {
        try await StoreContractTests.withStore(kind, migratedThrough: 20) { _, db in
            let rows = [
                ("w1", "auth.login"), ("w1", "auth.login_failed"), ("w1", "auth.otp_failed"), ("w1", "user.created"),
                ("w2", "*"), ("w3", "login.failed"), ("w3", "auth.passkey_failed"), ("w3", "refresh.reuse_detected"),
            ]
            try await db.transaction { db in
                for (hook, type) in rows {
                    try await db.raw("INSERT INTO webhook_events (webhook_id, event_type) VALUES (\(bind: hook), \(bind: type))").run()
                }
            }
            #expect(try await Migrator(database: db).migrate() == [21])
            let after = try await db.read { db in
                try await db.raw("SELECT webhook_id, event_type FROM webhook_events ORDER BY webhook_id, event_type").all().map {
                    "\(try $0.decode(column: "webhook_id", as: String.self)) \(try $0.decode(column: "event_type", as: String.self))"
                }
            }
            #expect(after == [
                "w1 login.failed", "w1 login.succeeded", "w1 user.created", "w2 *", "w3 login.failed", "w3 token.reuse_detected",
            ])
        }
    }
}
