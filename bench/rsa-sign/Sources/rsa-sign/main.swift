import Crypto
import Foundation
import _CryptoExtras

// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3) over a 2048-bit key, as `PrivateSigningKey.rs256` signs ID tokens.
let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 4000
let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
let digest = SHA256.hash(data: Array("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0".utf8))
for _ in 0..<200 { _ = try key.signature(for: digest, padding: .insecurePKCS1v1_5) }
let start = ContinuousClock.now
for _ in 0..<count { _ = try key.signature(for: digest, padding: .insecurePKCS1v1_5) }
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(String(format: "RESULT ms_per_sign=%.3f signs_per_second=%.0f", seconds * 1000 / Double(count), Double(count) / seconds))
