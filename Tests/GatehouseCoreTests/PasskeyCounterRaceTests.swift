import Foundation
import GatehouseCore
import Testing

/// Issue 10, item 9: a counter compare-and-set lost to a concurrent genuine login is not a clone.
@Suite struct PasskeyCounterRaceTests {
    static func passkey(counter: UInt32, cloneWarning: Bool = false, active: Bool = true) -> Passkey {
        Passkey(
            id: "p1", tenantId: "t1", userId: "u1", credentialId: "c1", name: "Key", publicKeyCBOR: [], algorithm: -7,
            signCount: counter, aaguid: "", transports: [], backupEligible: false, backedUp: false, attestationFormat: "none",
            attestationType: "none", cloneWarning: cloneWarning, isActive: active, createdAt: Date())
    }

    @Test func judgedOnTheCounterAsItIsNow() {
        // Stored 5; logins with 6 and 7 raced and 6 committed first: 7 is still ahead, so it retries from 6.
        #expect(PasskeyService.afterLostSwap(presented: 7, reread: Self.passkey(counter: 6)) == .lostRace(current: 6))
        // 7 committed first: 6 is behind the stored value — what a clone looks like (§7.2 step 22).
        #expect(PasskeyService.afterLostSwap(presented: 6, reread: Self.passkey(counter: 7)) == .clone)
        // The same counter twice: a clone.
        #expect(PasskeyService.afterLostSwap(presented: 6, reread: Self.passkey(counter: 6)) == .clone)
        // Gone meanwhile.
        #expect(PasskeyService.afterLostSwap(presented: 9, reread: nil) == .gone)
        #expect(PasskeyService.afterLostSwap(presented: 9, reread: Self.passkey(counter: 6, cloneWarning: true)) == .gone)
        #expect(PasskeyService.afterLostSwap(presented: 9, reread: Self.passkey(counter: 6, active: false)) == .gone)
    }
}
