import Crypto
import Foundation
import GatehouseCore
import Testing
import _CryptoExtras

/// Device keys in every form a phone hands over, and signatures as iOS and Android produce them.
@Suite struct DeviceKeyTests {
    static let challenge = Array("Zm9vYmFyLWNoYWxsZW5nZS0zMi1ieXRlcy1vZi1yYW5kb20".utf8)

    @Test func es256InEveryKeyFormAndBothSignatureForms() throws {
        let key = P256.Signing.PrivateKey()
        let forms = [
            Data(key.publicKey.derRepresentation).base64EncodedString(),  // SPKI DER (Android)
            Data(key.publicKey.x963Representation).base64EncodedString(),  // raw point (iOS)
            key.publicKey.pemRepresentation,
            Base64URL.encode(key.publicKey.derRepresentation),
        ]
        let signature = try key.signature(for: Self.challenge)
        let der = Data(signature.derRepresentation).base64EncodedString()
        let raw = Data(signature.rawRepresentation).base64EncodedString()
        for form in forms {
            let device = try DevicePublicKey(form, algorithm: .ES256)
            #expect(device.verify(signature: der, message: Self.challenge), "DER with \(form.prefix(12))")
            #expect(device.verify(signature: raw, message: Self.challenge), "raw with \(form.prefix(12))")
            #expect(!device.verify(signature: der, message: Self.challenge + [0]))
        }
        let other = try DevicePublicKey(Data(P256.Signing.PrivateKey().publicKey.derRepresentation).base64EncodedString(), algorithm: .ES256)
        #expect(!other.verify(signature: der, message: Self.challenge))
    }

    @Test(arguments: [DeviceKeyAlgorithm.RS256, .PS256])
    func rsaWithTheRightPadding(algorithm: DeviceKeyAlgorithm) throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let padding: _RSA.Signing.Padding = algorithm == .PS256 ? .PSS : .insecurePKCS1v1_5
        let signature = Data(try key.signature(for: SHA256.hash(data: Self.challenge), padding: padding).rawRepresentation)
        for form in [Data(key.publicKey.derRepresentation).base64EncodedString(), key.publicKey.pemRepresentation] {
            let device = try DevicePublicKey(form, algorithm: algorithm)
            #expect(device.verify(signature: signature.base64EncodedString(), message: Self.challenge))
            #expect(!device.verify(signature: signature.base64EncodedString(), message: Array(Self.challenge.dropLast())))
        }
        // The other RSA padding does not pass for this algorithm.
        let wrongPadding: _RSA.Signing.Padding = algorithm == .PS256 ? .insecurePKCS1v1_5 : .PSS
        let wrong = Data(try key.signature(for: SHA256.hash(data: Self.challenge), padding: wrongPadding).rawRepresentation)
        let device = try DevicePublicKey(Data(key.publicKey.derRepresentation).base64EncodedString(), algorithm: algorithm)
        #expect(!device.verify(signature: wrong.base64EncodedString(), message: Self.challenge))
    }

    @Test func refusals() throws {
        let es = Data(P256.Signing.PrivateKey().publicKey.derRepresentation).base64EncodedString()
        for (text, alg) in [
            ("", DeviceKeyAlgorithm.ES256), ("not base64!", .ES256), (Data([4, 1, 2]).base64EncodedString(), .ES256),
            (es, .RS256), (String(repeating: "A", count: 9000), .ES256),
            ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", .PS256),
        ] {
            #expect(throws: GatehouseError.self, "\(text.prefix(16)) as \(alg)") { try DevicePublicKey(text, algorithm: alg) }
        }
        // 1,024-bit RSA is too weak.
        let weak = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        #expect(throws: GatehouseError.self) {
            try DevicePublicKey(Data(weak.publicKey.derRepresentation).base64EncodedString(), algorithm: .RS256)
        }
        let device = try DevicePublicKey(es, algorithm: .ES256)
        for garbage in ["", "!!!", String(repeating: "A", count: 3000), Data(repeating: 0, count: 64).base64EncodedString()] {
            #expect(!device.verify(signature: garbage, message: Self.challenge))
        }
    }
}
