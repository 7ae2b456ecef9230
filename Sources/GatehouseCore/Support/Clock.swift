import Foundation
import Synchronization

/// Injected time, so expiry and grace windows are tested without sleeping.
public protocol GatehouseClock: Sendable {
    var now: Date { get }
}

extension GatehouseClock {
    public var nowMillis: Int64 { Int64((now.timeIntervalSince1970 * 1000).rounded(.down)) }
    public var nowSeconds: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }
}

public struct SystemClock: GatehouseClock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock tests move by hand.
public final class ManualClock: GatehouseClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_900_000_000)) { current = Mutex(start) }
    public var now: Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
