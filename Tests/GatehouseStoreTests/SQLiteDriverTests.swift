import Foundation
@testable import GatehouseStore
import Logging
import SQLKit
import Testing

/// The embedded driver on its own: what goes in comes out, and misuse is an error, not a crash.
@Suite struct SQLiteDriverTests {
    static func withDatabase(_ body: (any Database) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gh-sqlite-\(UUID().uuidString)").path
        let db = try await openDatabase(.sqlite(path: "\(dir)/t.sqlite"), logger: Logger(label: "t"))
        do { try await body(db) } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func valuesRoundTrip() async throws {
        try await Self.withDatabase { db in
            try await db.write { try await $0.raw("CREATE TABLE t (s TEXT, i BIGINT, r REAL, n TEXT)").run() }
            let none: String? = nil
            try await db.write {
                try await $0.raw("INSERT INTO t VALUES (\(bind: "héllo ' \"x\""), \(bind: Int64.max), \(bind: 1.5), \(bind: none))").run()
            }
            let row = try #require(try await db.read { try await $0.raw("SELECT s, i, r, n FROM t").first() })
            #expect(try row.decode(column: "s", as: String.self) == "héllo ' \"x\"")
            #expect(try row.decode(column: "i", as: Int64.self) == Int64.max)
            #expect(try row.decode(column: "r", as: Double.self) == 1.5)
            #expect(try row.decode(column: "n", as: String?.self) == nil)
            #expect(try row.decodeNil(column: "n"))
            #expect(throws: DecodingError.self) { try row.decode(column: "s", as: Int64.self) }
            #expect(throws: DecodingError.self) { try row.decode(column: "missing", as: String.self) }
            #expect(throws: DecodingError.self) { try row.decode(column: "i", as: Int8.self) }
        }
    }

    @Test func errorsAreThrownAndTransactionsRollBack() async throws {
        try await Self.withDatabase { db in
            await #expect(throws: (any Error).self) { try await db.read { try await $0.raw("SELEC nonsense").run() } }
            try await db.write { try await $0.raw("CREATE TABLE u (k TEXT PRIMARY KEY)").run() }
            await #expect(throws: (any Error).self) {
                try await db.transaction { db in
                    try await db.raw("INSERT INTO u VALUES ('a')").run()
                    try await db.raw("INSERT INTO u VALUES ('a')").run()
                }
            }
            let count = try await db.read { try await $0.raw("SELECT COUNT(*) AS c FROM u").first()?.decode(column: "c", as: Int64.self) }
            #expect(count == 0, "the first insert was rolled back with the failed second")
            // The connection is still usable after errors (statements were reset).
            try await db.write { try await $0.raw("INSERT INTO u VALUES ('b')").run() }
            #expect(try await db.read { try await $0.raw("SELECT k FROM u").all() }.count == 1)
        }
    }

    /// Every write runs on the writer's own thread, one at a time: concurrent read-modify-write
    /// transactions lose no update.
    @Test func writesRunOneAtATimeOnTheWritersThread() async throws {
        try await Self.withDatabase { db in
            try await db.write { try await $0.raw("CREATE TABLE c (n BIGINT NOT NULL)").run() }
            try await db.write { try await $0.raw("INSERT INTO c VALUES (0)").run() }
            let threads = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        try await db.transaction { db in
                            let n = try #require(try await db.raw("SELECT n FROM c").first()).decode(column: "n", as: Int64.self)
                            try await db.raw("UPDATE c SET n = \(bind: n + 1)").run()
                            return currentThreadName()
                        }
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(threads == ["sqlite-writer"])
            let n = try await db.read { try await $0.raw("SELECT n FROM c").first()?.decode(column: "n", as: Int64.self) }
            #expect(n == 200)
        }
    }

    /// Commits do not checkpoint: once the WAL passes its threshold, the checkpointer's own thread and
    /// connection copy it back; under steady writes the writer still brings the WAL to a restart, so the
    /// file stays bounded; and every row stays readable.
    @Test func theWALIsCheckpointedOffTheWriterAndStaysBounded() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gh-sqlite-\(UUID().uuidString)").path
        let db = try await openDatabase(.sqlite(path: "\(dir)/t.sqlite"), logger: Logger(label: "t"))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let driver = try #require(db as? SQLiteDatabaseDriver)
        try await db.write { try await $0.raw("CREATE TABLE big (v TEXT NOT NULL)").run() }
        let value = String(repeating: "x", count: 16 * 1024)
        let commits = Checkpointer.writerWALPages / 2  // each writes 5+ pages: well past both thresholds
        for _ in 0..<commits {
            try await db.transaction { try await $0.raw("INSERT INTO big VALUES (\(bind: value))").run() }
        }
        let deadline = Date().addingTimeInterval(10)
        while driver.checkpointer.completed == 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(driver.checkpointer.completed > 0)
        let wal = try FileManager.default.attributesOfItem(atPath: "\(dir)/t.sqlite-wal")[.size] as? Int ?? .max
        // Unchecked, the WAL would hold every frame: commits × 5 pages = 2.5 × writerWALPages. The bound leaves the
        // checkpointer room to lag behind the writer on a loaded machine (seen at 1.3 × under a parallel test run).
        #expect(wal < 2 * Checkpointer.writerWALPages * (4096 + 24), "the WAL restarted instead of growing")
        let count = try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM big").first()?.decode(column: "n", as: Int64.self) }
        #expect(count == Int64(commits))
        await db.shutdown()
    }

    /// A job that reaches the writer's executor after shutdown still runs (elsewhere) instead of hanging.
    @Test func theWritersExecutorHandsJobsOnAfterShutdown() async {
        let executor = ThreadExecutor(name: "t-executor")
        // A task's first job goes to its preferred executor. (Under load this test once saw the jobs on a
        // thread of another name: they had run here, but the executor's thread had lost its name.)
        var seen: [String] = []
        for _ in 0..<20 {
            seen.append(await Task(executorPreference: executor) { currentThreadName() }.value)
        }
        #expect(seen.allSatisfy { $0 == "t-executor" }, "ran on \(Set(seen))")
        executor.shutdown()
        #expect(await withTaskExecutorPreference(executor) { 42 } == 42)
    }
}

/// The OS's name for the running thread (Foundation reads it back from the OS).
private func currentThreadName() -> String { Thread.current.name ?? "" }
