import Foundation
import Synchronization

/// At most one audit event per key (tenant, client address, reason) per interval, so an unauthenticated
/// caller cannot flood the audit log: the first failure of a run is recorded at once; those that follow
/// within the interval are only counted, and the first one after it is recorded with that count. Kept per
/// node, in memory, bounded.
final class CoalescedEvents: Sendable {
    private struct Run {
        var recordedAt: Date
        var suppressed: Int
    }
    private let runs = Mutex<[String: Run]>([:])
    let interval: TimeInterval
    let capacity: Int

    init(interval: TimeInterval = 60, capacity: Int = 10_000) {
        self.interval = interval
        self.capacity = capacity
    }

    /// The count to record with an event now (this failure and those suppressed since the last event), or
    /// nil when this one is only counted.
    func admit(_ key: String, now: Date) -> Int? {
        runs.withLock { runs in
            if var run = runs[key], now.timeIntervalSince(run.recordedAt) < interval {
                run.suppressed += 1
                runs[key] = run
                return nil
            }
            let count = (runs[key]?.suppressed ?? 0) + 1
            if runs.count >= capacity { runs.removeAll() }
            runs[key] = Run(recordedAt: now, suppressed: 0)
            return count
        }
    }
}
