/// Header values read over their bytes: schemes and media types are ASCII and case-insensitive (RFC 9110
/// §11.1, §8.3.1), and every request of the hot paths reads one or two of them.
enum HeaderText {
    /// Whether `text` starts with `prefix` (given in lower case), ASCII letters compared without case.
    static func hasPrefixIgnoringCase(_ text: String, _ prefix: [UInt8]) -> Bool {
        let head = text.utf8.prefix(prefix.count)
        return head.count == prefix.count && zip(head, prefix).allSatisfy { lower($0) == $1 }
    }

    /// The credentials after an authentication scheme (RFC 9110 §11.4, `scheme` in lower case): leading
    /// spaces, the scheme and the spaces or tabs after it skipped, trailing ones dropped; nil when the
    /// scheme differs or nothing follows it.
    static func credentials(_ value: String, scheme: [UInt8]) -> Substring? {
        let utf8 = value.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex, utf8[i] == 0x20 { i = utf8.index(after: i) }
        for expected in scheme {
            guard i != utf8.endIndex, lower(utf8[i]) == expected else { return nil }
            i = utf8.index(after: i)
        }
        guard i != utf8.endIndex, isBlank(utf8[i]) else { return nil }
        while i != utf8.endIndex, isBlank(utf8[i]) { i = utf8.index(after: i) }
        var end = utf8.endIndex
        while end > i, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return i < end ? value[i..<end] : nil
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
}
