/// Wakes a background loop early (e.g. the push dispatcher when a message is queued); signals that
/// arrive while it is busy collapse into one.
public final class Wakeup: Sendable {
    public let signals: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func signal() { continuation.yield() }
}
