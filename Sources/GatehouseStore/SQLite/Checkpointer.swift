import Foundation
import Logging

/// Copies the WAL back into the database file on a thread and connection of its own. SQLite would do it
/// inside the commit that crosses 1,000 WAL pages, on the one writer, with two fsyncs — every write
/// waiting behind it. A passive checkpoint lets writers go on appending meanwhile.
///
/// But the WAL starts over only after a checkpoint that copied every frame, and under steady writes a
/// concurrent one never does: the file grew without bound (68 MB in 25 s of logins). So past
/// `writerWALPages` the writer checkpoints itself, between two writes; most frames are copied already,
/// so it is short, and the next write restarts the WAL.
final class Checkpointer: @unchecked Sendable {
    static let walPages = 1000
    static let writerWALPages = 4000

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

    /// After a commit (the writer's WAL hook): asks for a checkpoint once the WAL is long enough, and
    /// answers whether the writer should checkpoint now.
    func committed(walPages: Int) -> Bool {
        guard walPages >= Self.walPages else { return false }
        if walPages >= Self.writerWALPages { return true }
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
        return false
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
