/// A minimal JSON object writer for the hot paths (token claims, token responses): Foundation's
/// JSONEncoder costs more per call than the whole object is worth there. Strings are escaped per RFC 8259.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    public init() { bytes.reserveCapacity(512) }

    private mutating func key(_ k: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        Self.appendString(k, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func field(_ k: String, _ v: String) {
        key(k)
        Self.appendString(v, to: &bytes)
    }

    public mutating func field(_ k: String, _ v: String?) {
        guard let v else { return }
        field(k, v)
    }

    public mutating func field(_ k: String, _ v: Int64) {
        key(k)
        bytes.append(contentsOf: String(v).utf8)
    }

    public mutating func field(_ k: String, _ v: Bool) {
        key(k)
        bytes.append(contentsOf: (v ? "true" : "false").utf8)
    }

    public mutating func field(_ k: String, _ v: [String]) {
        key(k)
        bytes.append(UInt8(ascii: "["))
        for (i, s) in v.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendString(s, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A string, boolean or whole-number claim (OpenID Connect's standard claims); other values are left out.
    public mutating func field(_ k: String, claim v: JSONValue) {
        switch v {
        case .string(let text): field(k, text)
        case .bool(let flag): field(k, flag)
        case .number(let number): field(k, Int64(number))
        default: break
        }
    }

    /// A member whose value is already JSON (a nested object written by another writer).
    public mutating func field(_ k: String, json: [UInt8]) {
        key(k)
        bytes.append(contentsOf: json)
    }

    public func finished() -> [UInt8] {
        var out = bytes
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most members (ids, tokens, timestamps' neighbours) need no escape at all.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes in
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension AccessTokenClaims {
    /// The claims as JSON, written directly (the same members Codable would write).
    public var jsonBytes: [UInt8] {
        var w = JSONWriter()
        w.field("iss", iss)
        w.field("sub", sub)
        w.field("aud", aud)
        w.field("exp", exp)
        w.field("iat", iat)
        w.field("nbf", nbf)
        w.field("jti", jti)
        w.field("tid", tid)
        w.field("lvl", lvl.rawValue)
        w.field("sid", sid)
        w.field("bid", bid)
        w.field("role", role)
        w.field("scope", scope)
        w.field("amr", amr)
        w.field("client_id", client_id)
        if let auth_time { w.field("auth_time", auth_time) }
        return w.finished()
    }
}

extension ClientTokenClaims {
    /// The claims as JSON, written directly (the members Codable would write, in the same order).
    public var jsonBytes: [UInt8] {
        var w = JSONWriter()
        w.field("aud", aud)
        w.field("client_id", client_id)
        w.field("exp", exp)
        w.field("iat", iat)
        w.field("iss", iss)
        w.field("jti", jti)
        w.field("nbf", nbf)
        w.field("scope", scope)
        w.field("sub", sub)
        w.field("tid", tid)
        return w.finished()
    }
}
