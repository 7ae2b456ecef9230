import Foundation
import Logging

/// What a push transport made of one message.
public enum PushOutcome: Sendable, Equatable {
    case delivered
    /// The token is no longer valid (FCM `UNREGISTERED`): forget it.
    case unregistered
    /// Worth another try later (5xx, 429, network, auth token trouble).
    case retry(String)
    /// Refused for good (a malformed message, a permanent 4xx).
    case rejected(String)
}

/// Sends one message somewhere (Firebase Cloud Messaging in production, a loopback fake in tests).
public protocol PushTransport: Sendable {
    func send(_ message: PushMessage) async -> PushOutcome
}

/// Drains the push outbox: leases due messages (so nodes never send the same one at once), sends them,
/// and records the outcome — sent, retried with exponential back-off, or closed. A node that dies mid-send
/// leaves its lease to lapse and the message is sent again: delivery is at least once, and never repeated
/// once acknowledged.
public struct PushDispatcher: Sendable {
    let store: any PushOutboxStore & DeviceStore
    let clock: any GatehouseClock
    let transport: any PushTransport
    let logger: Logger

    public static let maxAttempts: Int64 = 10
    public static let lease: TimeInterval = 60
    public static let batchSize = 32

    public init(store: any PushOutboxStore & DeviceStore, clock: any GatehouseClock, transport: any PushTransport, logger: Logger) {
        self.store = store
        self.clock = clock
        self.transport = transport
        self.logger = logger
    }

    /// 2 s after the first failure, doubling, at most 10 minutes.
    public static func backoff(afterAttempts n: Int64) -> TimeInterval {
        min(600, 2 * pow(2, Double(max(0, min(n, 20) - 1))))
    }

    /// One pass over what is due; returns how many messages were handled.
    @discardableResult
    public func runOnce(limit: Int = batchSize) async throws -> Int {
        let now = clock.now
        let batch = try await store.claimDuePushes(now: now, leaseUntil: now.addingTimeInterval(Self.lease), limit: limit)
        await withTaskGroup(of: Void.self) { group in
            for message in batch { group.addTask { await self.deliver(message) } }
        }
        return batch.count
    }

    func deliver(_ m: PushMessage) async {
        let outcome = await transport.send(m)
        let now = clock.now
        do {
            switch outcome {
            case .delivered:
                try await store.markPushSent(id: m.id, at: now)
            case .unregistered:
                try await store.clearDeviceFCMToken(deviceId: m.deviceId, token: m.fcmToken, at: now)
                try await store.closePush(id: m.id, status: "dropped", error: "UNREGISTERED")
            case .retry(let why) where m.attempts < Self.maxAttempts:
                try await store.reschedulePush(id: m.id, at: now.addingTimeInterval(Self.backoff(afterAttempts: m.attempts)), error: why)
            case .retry(let why), .rejected(let why):
                logger.warning("push given up", metadata: ["pushId": "\(m.id)", "attempts": "\(m.attempts)", "reason": "\(why)"])
                try await store.closePush(id: m.id, status: "failed", error: why)
            }
        } catch {
            // The lease lapses and the message is tried again.
            logger.warning("push outcome not recorded", metadata: ["pushId": "\(m.id)"])
        }
    }
}
