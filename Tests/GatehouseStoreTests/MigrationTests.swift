import Foundation
import GatehouseCore
@testable import GatehouseStore
import SQLKit
import Testing

/// Migrations that move data, each run on data written as the schema before it held it; every migration
/// applied on the one before; forward only.
@Suite struct MigrationTests {
    /// One version at a time, as successive releases would: each applies on the schema of the one before,
    /// exactly it is recorded, and a database already at a version is left alone (nothing rerun).
    @Test(arguments: StoreContractTests.kinds) func eachMigrationAppliesOnTheOneBefore(kind: String) async throws {
        try await StoreContractTests.withStore(kind, migratedThrough: 0) { _, db in
            let migrator = Migrator(database: db)
            var expected: [Int64] = []
            for migration in Migrator.all {
                #expect(try await migrator.migrate(through: migration.version) == [migration.version], "migration \(migration.version)")
                expected.append(migration.version)
                let recorded = try await db.read { db in
                    try await db.raw("SELECT version FROM schema_migrations ORDER BY version").all().map {
                        try $0.decode(column: "version", as: Int64.self)
                    }
                }
                #expect(recorded == expected)
            }
            #expect(try await migrator.migrate() == [])
        }
    }

    /// A database a newer build migrated: this build refuses it rather than misread it, and changes nothing.
    @Test(arguments: StoreContractTests.kinds) func aNewerSchemaIsRefused(kind: String) async throws {
        try await StoreContractTests.withStore(kind) { _, db in
            let newer = Migrator.latestVersion + 1
            try await db.write { db in
                try await db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: newer), 'from_the_future', 0)").run()
            }
            await #expect(throws: Migrator.SchemaTooNew.self) { try await Migrator(database: db).migrate() }
            let count = try await db.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()?.decode(column: "n", as: Int64.self)
            }
            #expect(count == Int64(Migrator.all.count + 1))
        }
    }

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
