import Foundation

extension Date {
    /// Milliseconds since 1970, how every time is stored (the same in SQLite and PostgreSQL).
    public var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    public init(millis: Int64) { self.init(timeIntervalSince1970: TimeInterval(millis) / 1000) }

    /// RFC 3339 UTC with milliseconds, how times appear in responses.
    public var rfc3339: String {
        var style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        style.timeZone = .gmt
        return self.formatted(style)
    }
}
