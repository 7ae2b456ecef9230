import Foundation
import Logging
import Synchronization

/// Copies the WAL back into the database file on a thread and connection of its own. SQLite would do it
/// inside the commit that crosses 1,000 WAL pages, on the one writer, with two fsyncs — every write
/// waiting behind it. A passive checkpoint lets writers go on appending meanwhile.
///
/// But the WAL starts over only after a checkpoint that copied every frame, and under steady writes a
/// concurrent one never does: the file grew without bound (68 MB in 25 s of logins). So past
/// `writerWALPages` the writer checkpoints itself, between two writes; most frames are copied already,
/// so it is short, and the next write restarts the WAL.
final class Checkpointer: Sendable {
    static let walPages = 1000
    static let writerWALPages = 4000

    private let thread = ThreadExecutor(name: "sqlite-checkpt")
    private let state = Mutex<(running: Bool, completed: Int)>((false, 0))
    private let connection: SQLiteConnection
    private let logger: Logger

    init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// After a commit (the writer's WAL hook): starts a checkpoint once the WAL is long enough and none is
    /// running (the next commit asks again), and answers whether the writer should checkpoint now.
    func committed(walPages: Int) -> Bool {
        guard walPages >= Self.walPages else { return false }
        if walPages >= Self.writerWALPages { return true }
        let start = state.withLock { s in
            if s.running { return false }
            s.running = true
            return true
        }
        if start { Task(executorPreference: thread) { self.checkpoint() } }
        return false
    }

    /// Checkpoints run so far.
    var completed: Int { state.withLock { $0.completed } }

    private func checkpoint() {
        do {
            try connection.execute("PRAGMA wal_checkpoint(PASSIVE)", []) { _ in }
        } catch {
            logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
        }
        state.withLock {
            $0.running = false
            $0.completed += 1
        }
    }

    func shutdown() {
        thread.shutdown()
        connection.close()
    }
}
