import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Date {
    /// Milliseconds since 1970, how every time is stored (the same in SQLite and PostgreSQL).
    public var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    public init(millis: Int64) { self.init(timeIntervalSince1970: TimeInterval(millis) / 1000) }

    /// RFC 3339 UTC with milliseconds, how times appear in responses. Formatted from the integer
    /// milliseconds (Foundation's formatter truncated .123 to .122 through floating point).
    public var rfc3339: String {
        let ms = millis
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let fraction = Int(ms - Int64(seconds) * 1000)
        var t = tm()
        gmtime_r(&seconds, &t)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }
}

extension Date {
    /// Parses an RFC 3339 date-time (with or without fractional seconds, `Z` or an offset); nil otherwise.
    public init?(rfc3339 text: String) {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withFraction.date(from: text) {
            self = d
            return
        }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        guard let d = plain.date(from: text) else { return nil }
        self = d
    }
}
