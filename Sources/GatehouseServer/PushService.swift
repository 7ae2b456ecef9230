import Foundation
import GatehouseCore
import Logging
import ServiceLifecycle

/// Runs the push outbox: a pass at once when a confirmation queues a push, and every second for retries
/// that have come due. Without FCM credentials it says so once and idles.
struct PushService: Service {
    let runtime: GatehouseRuntime
    let logger: Logger

    func run() async throws {
        guard let dispatcher = runtime.push else {
            logger.notice("push delivery is off: GATEHOUSE_FCM_CREDENTIALS is not set, confirmations send no pushes")
            try? await gracefulShutdown()
            return
        }
        let wakeup = runtime.engine.confirmations.pushWakeup
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                wakeup.signal()
            }
        }
        defer { ticker.cancel() }
        try? await cancelWhenGracefulShutdown {
            for await _ in wakeup.signals {
                // A full batch means more may be due: go again before waiting.
                while let handled = try? await dispatcher.runOnce(), handled == PushDispatcher.batchSize, !Task.isCancelled {}
            }
        }
    }
}
