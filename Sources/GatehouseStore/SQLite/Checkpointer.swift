import Foundation
import Logging

/// Copies the WAL back into the database file on a thread and connection of its own. SQLite would do it
/// inside the commit that crosses 1,000 WAL pages, on the one writer, with two fsyncs — every write
/// waiting behind it. A passive checkpoint lets writers go on appending meanwhile.
final class Checkpointer: @unchecked Sendable {
    static let walPages = 1000

    // State behind `condition` (NSCondition: Mutex has no wait), hence @unchecked.
    private let condition = NSCondition()
    private var requested = false
    private var stopped = false
    private var done = 0
    private let connection: SQLiteConnection
    private let logger: Logger

    init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        let thread = Thread { [self] in
            Thread.current.name = "sqlite-checkpt"
            run()
        }
        thread.start()
    }

    /// After a commit (the writer's WAL hook): asks for a checkpoint once the WAL is long enough.
    func committed(walPages: Int) {
        guard walPages >= Self.walPages else { return }
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Checkpoints run so far.
    var completed: Int {
        condition.lock()
        defer { condition.unlock() }
        return done
    }

    private func run() {
        while true {
            condition.lock()
            while !requested && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            requested = false
            condition.unlock()
            do {
                try connection.execute("PRAGMA wal_checkpoint(PASSIVE)", []) { _ in }
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
            condition.lock()
            done += 1
            condition.unlock()
        }
    }

    func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        connection.close()
    }
}
