import Foundation
import GatehouseCore
import Logging
import ServiceLifecycle

/// Runs the webhook outbox: a pass every second (deliveries are queued with their events, in any node's
/// transaction, so polling is how every node learns of them), and again at once while a pass finds a
/// full batch.
struct WebhookDeliveryService: Service {
    let runtime: GatehouseRuntime
    /// `GATEHOUSE_WEBHOOK_DISPATCH`: false leaves sending to other nodes (this one still queues).
    let enabled: Bool
    let logger: Logger

    func run() async throws {
        guard enabled else {
            logger.notice("webhook delivery is off on this node (GATEHOUSE_WEBHOOK_DISPATCH=false): other nodes send what it queues")
            try? await gracefulShutdown()
            return
        }
        let dispatcher = runtime.webhooks
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                while let handled = try? await dispatcher.runOnce(), handled == WebhookDispatcher.batchSize, !Task.isCancelled {}
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
