import Foundation
import GatehouseCore
import Testing

@Suite struct CBORTests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// RFC 8949 Appendix A, the examples inside our subset (no tags, no indefinite lengths).
    static let vectors: [(String, CBOR)] = [
        ("00", .unsigned(0)), ("01", .unsigned(1)), ("0a", .unsigned(10)), ("17", .unsigned(23)), ("1818", .unsigned(24)),
        ("1819", .unsigned(25)), ("1864", .unsigned(100)), ("1903e8", .unsigned(1000)), ("1a000f4240", .unsigned(1_000_000)),
        ("1b000000e8d4a51000", .unsigned(1_000_000_000_000)), ("1bffffffffffffffff", .unsigned(UInt64.max)),
        ("3bffffffffffffffff", .negative(UInt64.max)), ("20", .negative(0)), ("29", .negative(9)), ("3863", .negative(99)),
        ("3903e7", .negative(999)),
        ("f90000", .float(0.0)), ("f93c00", .float(1.0)), ("f93e00", .float(1.5)), ("f97bff", .float(65504.0)),
        ("fa47c35000", .float(100000.0)), ("fb3ff199999999999a", .float(1.1)), ("f90001", .float(5.960464477539063e-8)),
        ("f9c400", .float(-4.0)), ("f97c00", .float(.infinity)), ("f9fc00", .float(-.infinity)),
        ("f4", .bool(false)), ("f5", .bool(true)), ("f6", .null), ("f7", .undefined),
        ("40", .bytes([])), ("4401020304", .bytes([1, 2, 3, 4])),
        ("60", .text("")), ("6161", .text("a")), ("6449455446", .text("IETF")), ("62225c", .text("\"\\")),
        ("62c3bc", .text("\u{00fc}")), ("63e6b0b4", .text("\u{6c34}")), ("64f0908591", .text("\u{10151}")),
        ("80", .array([])), ("83010203", .array([.unsigned(1), .unsigned(2), .unsigned(3)])),
        ("8301820203820405", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ("a0", .map([])), ("a201020304", .map([(.unsigned(1), .unsigned(2)), (.unsigned(3), .unsigned(4))])),
        ("a26161016162820203", .map([(.text("a"), .unsigned(1)), (.text("b"), .array([.unsigned(2), .unsigned(3)]))])),
        ("826161a161626163", .array([.text("a"), .map([(.text("b"), .text("c"))])])),
    ]

    @Test func rfc8949AppendixA() throws {
        for (encoded, expected) in Self.vectors {
            #expect(try CBORDecoder.decode(Self.hex(encoded)) == expected, "\(encoded)")
        }
        #expect(try CBORDecoder.decode(Self.hex("3bffffffffffffffff")).int == nil, "-2^64 does not fit an Int64")
        #expect(try CBORDecoder.decode(Self.hex("3863")).int == -100)
        let nan = try CBORDecoder.decode(Self.hex("f97e00"))
        if case .float(let d) = nan { #expect(d.isNaN) } else { Issue.record("NaN") }
    }

    @Test func refusals() {
        for (encoded, why) in [
            ("", "empty"), ("18", "truncated argument"), ("5f42010243030405ff", "indefinite bytes"),
            ("9fff", "indefinite array"), ("bf616101ff", "indefinite map"), ("c074323031332d30332d32315432303a30343a30305a", "tag"),
            ("1c", "reserved info 28"), ("44010203", "bytes beyond input"), ("830102", "array beyond input"),
            ("a20102", "map beyond input"), ("a201020103", "duplicate key"), ("62c328", "invalid UTF-8"), ("ff", "lone break"),
            ("f820", "unassigned simple"), ("f818", "simple in two bytes below 32"), ("0000", "trailing bytes"),
            ("5b00000000ffffffff", "length larger than the input"), ("9b7fffffffffffffff", "absurd array length"),
        ] {
            #expect(throws: CBORError.self, "\(why)") { try CBORDecoder.decode(Self.hex(encoded)) }
        }
        // Depth: 16 nested arrays are too many, 15 are fine.
        #expect(throws: CBORError.self) { try CBORDecoder.decode(Array(repeating: 0x81, count: 16) + [0x00]) }
        #expect((try? CBORDecoder.decode(Array(repeating: 0x81, count: 15) + [0x00])) != nil)
        #expect(throws: CBORError.self) { try CBORDecoder.decode([0x40] + [UInt8](repeating: 0, count: 70_000)) }
    }

    /// Thousands of random and mutated inputs: every one decodes or throws, none crashes or hangs.
    @Test func fuzz() {
        var rng = SplitMix(seed: 0x6A7E_4005)
        let seeds: [[UInt8]] = Self.vectors.map { Self.hex($0.0) } + [
            Self.hex("a301026161a2616201616382010203f5"),
            Self.hex("a363666d74646e6f6e656761747453746d74a068617574684461746158250000000000000000000000000000000000000000000000000000000000000000410000000001"),
        ]
        var decoded = 0
        for round in 0..<20_000 {
            var input: [UInt8]
            if round % 3 == 0 {
                input = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = seeds[Int(rng.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + Int(rng.next() % 4)) where !input.isEmpty {
                    let at = Int(rng.next() % UInt64(input.count))
                    switch rng.next() % 4 {
                    case 0: input[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: input.remove(at: at)
                    case 2: input.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                    default: input = Array(input[..<at])
                    }
                }
            }
            if (try? CBORDecoder.decode(input)) != nil { decoded += 1 }
        }
        #expect(decoded > 100, "the mutations keep some inputs valid: \(decoded)")
    }
}

/// A small deterministic generator, so a failing fuzz input can be found again.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
