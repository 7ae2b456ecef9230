import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Injected randomness. Production uses the system CSPRNG; every token, key and challenge comes from here.
public protocol RandomSource: Sendable {
    func bytes(_ count: Int) -> [UInt8]
}

public struct SystemRandomSource: RandomSource {
    public init() {}
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        #if canImport(Glibc)
        // The kernel CSPRNG in one call per 256 bytes (SystemRandomNumberGenerator makes one per 8).
        var offset = 0
        while offset < count {
            let n = min(256, count - offset)
            let rc = out.withUnsafeMutableBytes { getentropy($0.baseAddress! + offset, n) }
            precondition(rc == 0, "the kernel random source failed")
            offset += n
        }
        #else
        arc4random_buf(&out, count)
        #endif
        return out
    }
}

extension RandomSource {
    /// `count` random bytes as unpadded base64url.
    public func token(bytes count: Int = 32) -> String { Base64URL.encode(bytes(count)) }

    private static var base62Alphabet: [UInt8] { Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8) }

    /// Base62 text of `length` characters, unbiased (rejection sampling).
    public func base62(length: Int) -> String {
        let alphabet = Self.base62Alphabet
        var out: [UInt8] = []
        out.reserveCapacity(length)
        while out.count < length {
            for b in bytes(length * 2) where b < 248 && out.count < length {
                out.append(alphabet[Int(b % 62)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public func uuid() -> UUID {
        var b = bytes(16)
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    public func uuidString() -> String { uuid().uuidString.lowercased() }
}
