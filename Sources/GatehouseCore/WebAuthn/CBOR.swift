/// A CBOR value (RFC 8949) of the subset WebAuthn uses: major types 0–5 and 7, definite lengths only.
public indirect enum CBOR: Sendable, Equatable {
    case unsigned(UInt64)
    /// Major type 1: the value is `-1 - n`, kept as `n` so the whole range fits.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    /// In encoded order; duplicate keys are refused when decoding.
    case map([(CBOR, CBOR)])
    case bool(Bool)
    case null
    case undefined
    case float(Double)

    public static func == (a: CBOR, b: CBOR) -> Bool {
        switch (a, b) {
        case (.unsigned(let x), .unsigned(let y)), (.negative(let x), .negative(let y)): x == y
        case (.bytes(let x), .bytes(let y)): x == y
        case (.text(let x), .text(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null), (.undefined, .undefined): true
        case (.float(let x), .float(let y)): x == y || (x.isNaN && y.isNaN)
        default: false
        }
    }

    /// The integer value of major types 0 and 1, when it fits an Int64.
    public var int: Int64? {
        switch self {
        case .unsigned(let n): n <= UInt64(Int64.max) ? Int64(n) : nil
        case .negative(let n): n <= UInt64(Int64.max) ? -1 - Int64(n) : nil
        default: nil
        }
    }

    public var bytesValue: [UInt8]? { if case .bytes(let b) = self { return b }; return nil }
    public var textValue: String? { if case .text(let t) = self { return t }; return nil }
    public var arrayValue: [CBOR]? { if case .array(let a) = self { return a }; return nil }
    public var mapValue: [(CBOR, CBOR)]? { if case .map(let m) = self { return m }; return nil }

    /// The value under an integer key of a map (COSE keys).
    public subscript(int key: Int64) -> CBOR? {
        mapValue?.first(where: { $0.0.int == key })?.1
    }

    /// The value under a text key of a map (attestation objects).
    public subscript(text key: String) -> CBOR? {
        mapValue?.first(where: { $0.0.textValue == key })?.1
    }
}

public struct CBORError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { "CBOR: \(reason)" }
}

/// A strict, bounded decoder: never reads past its input, never allocates more than the input could hold,
/// nests at most `maxDepth` deep, and refuses indefinite lengths, tags, reserved encodings, duplicate map
/// keys and invalid UTF-8 text.
public struct CBORDecoder {
    public static let maxInput = 64 * 1024
    public static let maxDepth = 16

    private let input: [UInt8]
    private var offset = 0

    private init(_ input: [UInt8]) { self.input = input }

    /// Exactly one item filling the whole input.
    public static func decode(_ input: [UInt8]) throws -> CBOR {
        let (value, used) = try decodePrefix(input)
        guard used == input.count else { throw CBORError(reason: "\(input.count - used) bytes after the item") }
        return value
    }

    /// One item at the start of the input, and how many bytes it took (authenticator data holds a COSE key
    /// followed by more CBOR).
    public static func decodePrefix(_ input: [UInt8]) throws -> (CBOR, Int) {
        guard input.count <= maxInput else { throw CBORError(reason: "input larger than \(maxInput) bytes") }
        var d = CBORDecoder(input)
        let value = try d.item(depth: 0)
        return (value, d.offset)
    }

    private mutating func byte() throws -> UInt8 {
        guard offset < input.count else { throw CBORError(reason: "truncated") }
        defer { offset += 1 }
        return input[offset]
    }

    private mutating func take(_ count: UInt64) throws -> ArraySlice<UInt8> {
        guard count <= UInt64(input.count - offset) else { throw CBORError(reason: "length beyond the input") }
        let n = Int(count)
        defer { offset += n }
        return input[offset..<(offset + n)]
    }

    /// The argument of a head (RFC 8949 §3): the additional information itself, or 1, 2, 4 or 8 bytes after.
    private mutating func argument(_ info: UInt8) throws -> UInt64 {
        switch info {
        case 0..<24: return UInt64(info)
        case 24: return UInt64(try byte())
        case 25, 26, 27:
            var v: UInt64 = 0
            for b in try take(1 << (info - 24)) { v = v << 8 | UInt64(b) }
            return v
        case 31: throw CBORError(reason: "indefinite length")
        default: throw CBORError(reason: "reserved additional information \(info)")
        }
    }

    private mutating func item(depth: Int) throws -> CBOR {
        guard depth < Self.maxDepth else { throw CBORError(reason: "nested deeper than \(Self.maxDepth)") }
        let head = try byte()
        let major = head >> 5
        let info = head & 0x1F
        switch major {
        case 0: return .unsigned(try argument(info))
        case 1: return .negative(try argument(info))
        case 2: return .bytes(Array(try take(try argument(info))))
        case 3:
            guard let text = String(validating: try take(try argument(info)), as: UTF8.self) else {
                throw CBORError(reason: "text is not UTF-8")
            }
            return .text(text)
        case 4:
            let count = try argument(info)
            // Each element takes at least a byte: a count beyond the rest of the input is a lie.
            guard count <= UInt64(input.count - offset) else { throw CBORError(reason: "array longer than the input") }
            var items: [CBOR] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count { items.append(try item(depth: depth + 1)) }
            return .array(items)
        case 5:
            let count = try argument(info)
            guard count <= UInt64(input.count - offset) / 2 else { throw CBORError(reason: "map longer than the input") }
            var pairs: [(CBOR, CBOR)] = []
            pairs.reserveCapacity(Int(count))
            for _ in 0..<count {
                let key = try item(depth: depth + 1)
                if pairs.contains(where: { $0.0 == key }) { throw CBORError(reason: "duplicate map key") }
                pairs.append((key, try item(depth: depth + 1)))
            }
            return .map(pairs)
        case 6: throw CBORError(reason: "tags are not supported")
        default:
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22: return .null
            case 23: return .undefined
            case 24:
                let v = try byte()
                guard v >= 32 else { throw CBORError(reason: "badly encoded simple value") }
                throw CBORError(reason: "unassigned simple value \(v)")
            case 25: return .float(Double(halfFloat(UInt16(try argument(25)))))
            case 26: return .float(Double(Float(bitPattern: UInt32(try argument(26)))))
            case 27: return .float(Double(bitPattern: try argument(27)))
            case 31: throw CBORError(reason: "break outside an indefinite item")
            case 0..<20: throw CBORError(reason: "unassigned simple value \(info)")
            default: throw CBORError(reason: "reserved additional information \(info)")
            }
        }
    }
}

/// IEEE 754 half precision, decoded by hand (Float16 is not available on every platform we build for).
func halfFloat(_ bits: UInt16) -> Double {
    let sign: Double = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = Double(bits & 0x3FF)
    switch exponent {
    case 0: return sign * mantissa * pow2(-24)
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default: return sign * (1 + mantissa / 1024) * pow2(exponent - 15)
    }
}

private func pow2(_ e: Int) -> Double {
    var v = 1.0
    if e >= 0 { for _ in 0..<e { v *= 2 } } else { for _ in 0..<(-e) { v /= 2 } }
    return v
}
