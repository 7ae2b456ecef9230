import GatehouseCore

extension EventType {
    /// The README's table of audit event types, in catalog order, each with the names it was stored under
    /// before (which `/v2/events` reads and filters as the new name).
    static var markdown: String {
        var formerly: [EventType: [String]] = [:]
        for (old, new) in aliases { formerly[new, default: []].append(old) }
        var lines = ["| type | recorded when | stored before as |", "|---|---|---|"]
        for type in allCases {
            let old = (formerly[type] ?? []).sorted().map { "`\($0)`" }.joined(separator: ", ")
            lines.append("| `\(type.rawValue)` | \(type.summary) | \(old) |")
        }
        return lines.joined(separator: "\n")
    }
}
