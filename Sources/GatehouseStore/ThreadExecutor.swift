import DequeModule
import Foundation

/// A task executor with a thread of its own. SQLite's one writer runs its statements here: a task that
/// waits for the writer is resumed on this thread at once, instead of queueing behind every other ready
/// job of the global executor while the writer sits idle in its hands (measured: that wait, not the
/// statements, capped login throughput). After `shutdown`, jobs go to the global executor.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // State behind `condition` (NSCondition: Mutex has no wait), hence @unchecked.
    private let condition = NSCondition()
    private var jobs: Deque<UnownedJob> = []
    private var stopped = false

    /// `name`: the thread's name as tools show it (Linux keeps 15 bytes).
    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.stackSize = 8 << 20
        thread.start()
        // Named once started, from here: Foundation drops a name set before `start` has recorded the thread,
        // which a new thread setting its own name could run into under load (it kept the name Linux copies
        // from the creating thread).
        thread.name = name
    }

    func enqueue(_ job: consuming ExecutorJob) {
        condition.lock()
        if stopped {
            condition.unlock()
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(UnownedJob(job))
        condition.signal()
        condition.unlock()
    }

    private func run() {
        let executor = asUnownedTaskExecutor()
        var batch: Deque<UnownedJob> = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            while let job = batch.popFirst() { job.runSynchronously(on: executor) }
        }
    }

    /// Lets the thread finish what is queued and end.
    func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
