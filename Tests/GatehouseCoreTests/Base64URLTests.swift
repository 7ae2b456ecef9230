import Foundation
import GatehouseCore
import Testing

@Suite struct Base64URLTests {
    /// RFC 4648 §10 vectors, in the URL-safe alphabet without padding.
    @Test(arguments: [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func urlSafeAlphabetAndPaddingTolerance() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0xFE]
        #expect(Base64URL.encode(bytes) == "-_-__g")
        #expect(Base64URL.decode("-_-__g") == bytes)
        #expect(Base64URL.decode("-_-__g==") == bytes)
        #expect(Base64URL.decode("+/+//g==") == bytes, "standard alphabet is read too")
    }

    @Test func garbageIsRejected() {
        for bad in ["a", "abcde", "ab!d", "ab d", "é"] { #expect(Base64URL.decode(bad) == nil, "\(bad)") }
    }

    @Test func roundTripsRandomBytes() {
        let random = SystemRandomSource()
        for n in 0..<70 {
            let b = random.bytes(n)
            #expect(Base64URL.decode(Base64URL.encode(b)) == b)
            #expect(Base64URL.encode(b) == Data(b).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
        }
    }
}
