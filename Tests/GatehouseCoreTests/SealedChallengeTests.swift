import Foundation
import GatehouseCore
import Testing

@Suite struct SealedChallengeTests {
    let sealer = ChallengeSealer(masterKey: Array(repeating: 7, count: 32), random: SystemRandomSource())
    let expiry = Date(millis: 1_900_000_000_000)

    @Test func opensWhatItSealedAndNothingElse() throws {
        let (id, challenge) = sealer.seal(tenantId: "t1", purpose: "device-login", subject: "fp.with.dots", expiresAt: expiry)
        #expect(Base64URL.decode(challenge)?.count == 32)
        let opened = try #require(sealer.open(id, tenantId: "t1", purpose: "device-login"))
        #expect(opened.challenge == challenge && opened.subject == "fp.with.dots" && opened.expiresAt == expiry)
        #expect(sealer.open(id, tenantId: "t2", purpose: "device-login") == nil, "another tenant")
        #expect(sealer.open(id, tenantId: "t1", purpose: "passkey-login") == nil, "another purpose")
        let other = ChallengeSealer(masterKey: Array(repeating: 8, count: 32), random: SystemRandomSource())
        #expect(other.open(id, tenantId: "t1", purpose: "device-login") == nil, "another master key")
        // Every part is covered by the MAC: change any one and it no longer opens.
        var parts = id.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        #expect(parts.count == 7)
        for i in 1..<parts.count {
            let saved = parts[i]
            parts[i] = i == 5 ? String(expiry.millis + 60_000) : (saved.first == "A" ? "B" : "A") + saved.dropFirst()
            #expect(sealer.open(parts.joined(separator: "."), tenantId: "t1", purpose: "device-login") == nil, "part \(i)")
            parts[i] = saved
        }
        for garbage in ["", ".", "sc1", String(repeating: "A", count: 3000), "sc1.a.b.c.d.e.f.g"] {
            #expect(sealer.open(garbage, tenantId: "t1", purpose: "device-login") == nil)
        }
        let (id2, challenge2) = sealer.seal(tenantId: "t1", purpose: "device-login", subject: "fp.with.dots", expiresAt: expiry)
        #expect(id2 != id && challenge2 != challenge, "fresh randomness each time")
    }
}
