import Crypto
import Foundation
import GatehouseCore
import Testing

@Suite struct SecretBoxTests {
    let box = try! SecretBox(masterKey: Array(repeating: 7, count: 32))

    @Test func roundTripAndContextBinding() throws {
        let sealed = try box.seal("totp-seed", context: "user:1")
        #expect(sealed.hasPrefix("v1."))
        #expect(!sealed.contains("totp-seed"))
        #expect(try box.openString(sealed, context: "user:1") == "totp-seed")
        #expect(throws: (any Error).self) { try box.open(sealed, context: "user:2") }
        #expect(try box.seal("x", context: "c") != box.seal("x", context: "c"), "fresh nonce every time")
    }

    @Test func wrongKeyAndTamperingFail() throws {
        let sealed = try box.seal("secret", context: "c")
        let other = try SecretBox(masterKey: Array(repeating: 8, count: 32))
        #expect(throws: (any Error).self) { try other.open(sealed, context: "c") }
        var bytes = Array(sealed.utf8)
        bytes[10] = bytes[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: (any Error).self) { try box.open(String(decoding: bytes, as: UTF8.self), context: "c") }
        #expect(throws: (any Error).self) { try box.open("garbage", context: "c") }
        #expect(throws: GatehouseError.self) { try SecretBox(masterKey: [1, 2, 3]) }
    }
}

@Suite struct CompactJWSTests {
    @Test func signAndVerifyWithEachAlgorithm() throws {
        for alg in SigningAlgorithm.allCases {
            let key = try PrivateSigningKey.generate(alg)
            let token = try CompactJWS.serialize(
                header: ["alg": alg.rawValue, "kid": "k"], payloadJSON: Data(#"{"sub":"a"}"#.utf8), sign: { try key.sign($0) })
            let jws = try CompactJWS(token)
            #expect(jws.header.alg == alg.rawValue && jws.header.kid == "k")
            #expect(key.publicKey.isValidSignature(jws.signature, for: jws.signingInput))
            // The public key survives its JWK form, which is what the JWKS publishes.
            let published = try PublicVerificationKey(jwk: key.publicKey.jwk(kid: "k"))
            #expect(published.isValidSignature(jws.signature, for: jws.signingInput))
            #expect(try !PrivateSigningKey.generate(alg).publicKey.isValidSignature(jws.signature, for: jws.signingInput))
            var tampered = jws.signingInput
            tampered[tampered.count - 1] ^= 1
            #expect(!key.publicKey.isValidSignature(jws.signature, for: tampered))
            // Exported and re-imported (as after sealing at rest) it still signs for the same public key.
            let restored = try PrivateSigningKey(algorithm: alg, exportedBytes: key.exportedBytes)
            #expect(key.publicKey.isValidSignature(try restored.sign([1, 2, 3]), for: [1, 2, 3]))
        }
    }

    @Test(arguments: ["", "a", "a.b", "a.b.c.d", "!!.e30.", "e30.e30", "bm90anNvbg.e30.", String(repeating: "a", count: 20_000)])
    func malformedTokensAreRefused(token: String) {
        #expect(throws: GatehouseError.self) { try CompactJWS(token) }
    }

    @Test func aWrongLengthSignatureNeverVerifies() throws {
        let key = try PrivateSigningKey.generate(.ES256)
        #expect(!key.publicKey.isValidSignature([], for: [1]))
        #expect(!key.publicKey.isValidSignature(Array(repeating: 0, count: 72), for: [1]))
    }
}

@Suite struct SmallRulesTests {
    @Test(arguments: [
        ("Acme Loyalty", "AL"), ("Green Coffee Club", "GCC"), ("pers", "PER"), ("a-b-c-d-e-f-g", "ABCDE"), ("!!!", "T"),
    ])
    func acronyms(name: String, acronym: String) {
        #expect(Tenant.acronym(for: name) == acronym)
    }

    @Test func randomBase62AndUUIDs() {
        let random = SystemRandomSource()
        let s = random.base62(length: 43)
        #expect(s.count == 43 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(random.base62(length: 43) != s)
        let u = random.uuid()
        #expect(u.uuidString.dropFirst(14).first == "4", "version 4")
        #expect(Set((0..<100).map { _ in random.token() }).count == 100)
    }

    @Test func chainHashCoversEveryField() {
        let base = AuditEvent.chainHash(
            previousHash: "p", tenantId: "t", sequence: 1, id: "i", type: "x", subject: "s", data: "{}", createdAtMillis: 5)
        #expect(base.count == 64)
        let variants = [
            AuditEvent.chainHash(previousHash: "q", tenantId: "t", sequence: 1, id: "i", type: "x", subject: "s", data: "{}", createdAtMillis: 5),
            AuditEvent.chainHash(previousHash: "p", tenantId: "t", sequence: 2, id: "i", type: "x", subject: "s", data: "{}", createdAtMillis: 5),
            AuditEvent.chainHash(previousHash: "p", tenantId: "t", sequence: 1, id: "i", type: "y", subject: "s", data: "{}", createdAtMillis: 5),
            AuditEvent.chainHash(previousHash: "p", tenantId: "t", sequence: 1, id: "i", type: "x", subject: nil, data: "{}", createdAtMillis: 5),
            AuditEvent.chainHash(previousHash: "p", tenantId: "t", sequence: 1, id: "i", type: "x", subject: "s", data: "{ }", createdAtMillis: 5),
            AuditEvent.chainHash(previousHash: "p", tenantId: "t", sequence: 1, id: "i", type: "x", subject: "s", data: "{}", createdAtMillis: 6),
        ]
        #expect(Set(variants + [base]).count == variants.count + 1)
    }

    @Test func digestHelpers() {
        // FIPS 180-2 test vector.
        #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.constantTimeEquals("abc", "abc"))
        #expect(!Digest.constantTimeEquals("abc", "abd"))
        #expect(!Digest.constantTimeEquals("abc", "abcd"))
    }

    @Test func datesAreMillisecondsAndRFC3339() {
        let d = Date(millis: 1_700_000_000_123)
        #expect(d.millis == 1_700_000_000_123)
        #expect(d.rfc3339 == "2023-11-14T22:13:20.123Z")
    }
}

@Suite struct JSONWriterTests {
    @Test func claimsMatchWhatCodableWouldRead() throws {
        let claims = AccessTokenClaims(
            iss: "https://x/t/1", sub: "s\"\\\n\u{01}é", aud: "1", exp: 10, iat: 5, nbf: 5, jti: "j", tid: "1", lvl: .business,
            sid: "sid", bid: "b", role: nil, scope: nil, amr: ["ext", "otp"])
        let decoded = try JSONDecoder().decode(AccessTokenClaims.self, from: Data(claims.jsonBytes))
        #expect(decoded == claims)
        let object = try JSONDecoder().decode([String: JSONValue].self, from: Data(claims.jsonBytes))
        #expect(object["role"] == nil, "absent optionals are left out, as Codable does")
        #expect(String(decoding: claims.jsonBytes, as: UTF8.self).contains(#""iss":"https://x/t/1""#), "slashes unescaped")
    }

    @Test func clientTokenClaimsMatchWhatCodableWouldRead() throws {
        var claims = try JSONDecoder().decode(
            ClientTokenClaims.self,
            from: Data(
                #"{"iss":"https://x/t/1","sub":"ghc_1","aud":"ghc_1","client_id":"ghc_1","scope":"read \"odd\"\t","jti":"j","iat":5,"nbf":5,"exp":10,"tid":"1"}"#
                    .utf8))
        #expect(claims.scope == "read \"odd\"\t")
        #expect(try JSONDecoder().decode(ClientTokenClaims.self, from: Data(claims.jsonBytes)) == claims)
        claims.scope = nil
        let object = try JSONDecoder().decode([String: JSONValue].self, from: Data(claims.jsonBytes))
        #expect(object["scope"] == nil && object.count == 9)
    }

    /// A JWS header is written with sorted members, so two tokens of one key share their first segment.
    @Test func compactJWSHeaderIsSortedJSON() throws {
        let token = try CompactJWS.serialize(
            header: ["typ": "at+jwt", "alg": "ES256", "kid": "k/1"], payloadJSON: Data("{}".utf8), sign: { _ in [1] })
        let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"ES256","kid":"k/1","typ":"at+jwt"}"#)
    }
}
