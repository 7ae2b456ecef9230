import Foundation
import GatehouseCore
import GatehouseHTTP
import HTTPTypes
import Hummingbird
import Testing

@Suite struct ConfirmationTests {
    static func create(_ h: Harness, _ user: DeviceUser, type: String = "wire_transfer", payload: JSONValue = ["amount": 125, "to": "DE89 3704"])
        async throws -> (id: String, challenge: String)
    {
        let r = try await h.post(
            "/auth/confirmations", .object(["actionType": .string(type), "actionPayload": payload]), headers: user.bearer)
        #expect(r.status == 201, "\(r.text)")
        #expect(Set(r.json?.objectValue?.keys ?? [:].keys) == ["challenge", "confirmationId", "expiresAt"])
        return (try #require(r.string("confirmationId")), try #require(r.string("challenge")))
    }

    static func approve(_ h: Harness, _ t: Harness.TenantSetup, id: String, deviceId: String, signature: String) async throws -> Reply {
        try await h.post(
            "/auth/confirmations/\(id)/approve",
            .object(["deviceId": .string(deviceId), "signedChallenge": .string(signature)]), headers: t.headers)
    }

    static func status(_ h: Harness, _ user: DeviceUser, _ id: String) async throws -> Reply {
        try await h.call(.get, "/auth/confirmations/\(id)", headers: user.bearer)
    }

    @Test(arguments: TestDatabase.kinds)
    func approveOnce(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let payload: JSONValue = ["to": "DE89 3704", "amount": 125, "memo": ["lines": ["a", "b"], "urgent": true]]
            let (id, challenge) = try await Self.create(h, user, payload: payload)
            #expect(Base64URL.decode(challenge)?.count == 32)

            let pending = try await Self.status(h, user, id)
            #expect(pending.status == 200, "\(pending.text)")
            #expect(
                Set(pending.json?.objectValue?.keys ?? [:].keys)
                    == ["actionPayload", "actionType", "confirmationId", "createdAt", "expiresAt", "status", "updatedAt"])
            #expect(pending.string("status") == "pending")
            #expect(pending["actionPayload"] == payload, "the payload comes back as sent")
            #expect(pending.string("actionType") == "wire_transfer")

            let ok = try await Self.approve(h, t, id: id, deviceId: user.deviceId, signature: try user.signer.sign(challenge))
            #expect(ok.status == 200, "\(ok.text)")
            #expect(ok.json == .object(["confirmationId": .string(id), "status": "approved", "success": true]))
            #expect(try await Self.status(h, user, id).string("status") == "approved")

            let twice = try await Self.approve(h, t, id: id, deviceId: user.deviceId, signature: try user.signer.sign(challenge))
            #expect(twice.status == 409, "double approve: \(twice.text)")
            let rejectAfter = try await h.post("/auth/confirmations/\(id)/reject", .object([:]), headers: user.bearer)
            #expect(rejectAfter.status == 409, "\(rejectAfter.text)")

            let types = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 500).map(\.type)
            #expect(types.contains("confirmation.created") && types.contains("confirmation.approved"))
        }
    }

    @Test func rejectAndExpire() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)

            let (rid, rchallenge) = try await Self.create(h, user)
            let long = try await h.post(
                "/auth/confirmations/\(rid)/reject", .object(["reason": .string(String(repeating: "r", count: 501))]),
                headers: user.bearer)
            #expect(long.status == 400, "\(long.text)")
            let rejected = try await h.post("/auth/confirmations/\(rid)/reject", .object(["reason": "not me"]), headers: user.bearer)
            #expect(rejected.status == 200, "\(rejected.text)")
            #expect(rejected.json == .object(["confirmationId": .string(rid), "status": "rejected", "success": true]))
            let approveRejected = try await Self.approve(h, t, id: rid, deviceId: user.deviceId, signature: try user.signer.sign(rchallenge))
            #expect(approveRejected.status == 409, "\(approveRejected.text)")

            // Rejection without a body at all.
            let (bid, _) = try await Self.create(h, user)
            let bare = try await h.call(.post, "/auth/confirmations/\(bid)/reject", headers: user.bearer)
            #expect(bare.status == 200, "\(bare.text)")

            let (eid, echallenge) = try await Self.create(h, user)
            h.clock.advance(by: 5 * 60 + 1)
            #expect(try await Self.status(h, user, eid).string("status") == "expired")
            let late = try await Self.approve(h, t, id: eid, deviceId: user.deviceId, signature: try user.signer.sign(echallenge))
            #expect(late.status == 409, "approve after expiry: \(late.text)")
            #expect(late.text.contains("expired"))

            let types = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 500).map(\.type)
            #expect(types.filter { $0 == "confirmation.expired" }.count == 1, "the expiry is recorded once")
            #expect(types.contains("confirmation.rejected"))
        }
    }

    @Test func signaturesAreBoundToTheirConfirmationAndOwner() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let jane = try await DeviceUser.make(h, t)
            let john = try await DeviceUser.make(h, t, email: "john@example.com", username: "john")

            // Two identical actions still have different challenges: a signature for one never approves the other.
            let (first, firstChallenge) = try await Self.create(h, jane)
            let (second, _) = try await Self.create(h, jane)
            let crossed = try await Self.approve(h, t, id: second, deviceId: jane.deviceId, signature: try jane.signer.sign(firstChallenge))
            #expect(crossed.status == 401, "\(crossed.text)")
            #expect(try await Self.status(h, jane, second).string("status") == "pending")

            // John's device (his own key, a valid signature of Jane's challenge) cannot approve Jane's action.
            let foreign = try await Self.approve(h, t, id: first, deviceId: john.deviceId, signature: try john.signer.sign(firstChallenge))
            #expect(foreign.status == 403, "\(foreign.text)")
            // Nor can John read or reject it.
            #expect(try await Self.status(h, john, first).status == 404)
            #expect(try await h.post("/auth/confirmations/\(first)/reject", .object([:]), headers: john.bearer).status == 404)
            // A deactivated device cannot approve.
            _ = try await h.call(.delete, "/auth/biometric/devices/\(jane.deviceId)", headers: jane.bearer)
            let inactive = try await Self.approve(h, t, id: first, deviceId: jane.deviceId, signature: try jane.signer.sign(firstChallenge))
            #expect(inactive.status == 403, "\(inactive.text)")
            // Another tenant does not know the confirmation.
            let t2 = try await h.createTenant("Other Co")
            let elsewhere = try await Self.approve(h, t2, id: first, deviceId: jane.deviceId, signature: try jane.signer.sign(firstChallenge))
            #expect(elsewhere.status == 404, "\(elsewhere.text)")
        }
    }

    @Test func badInput() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let big = JSONValue.object(["blob": .string(String(repeating: "x", count: 16 * 1024))])
            for (body, why) in [
                (JSONValue.object(["actionPayload": [:]]), "no actionType"),
                (.object(["actionType": .string(String(repeating: "a", count: 101))]), "actionType over 100"),
                (.object(["actionType": "x", "actionPayload": [1, 2]]), "payload not an object"),
                (.object(["actionType": "x", "actionPayload": "text"]), "payload a string"),
                (.object(["actionType": 7]), "actionType a number"),
                (.object(["actionType": "x", "actionPayload": big]), "payload over 16 KiB"),
            ] {
                let r = try await h.post("/auth/confirmations", body, headers: user.bearer)
                #expect(r.status == 400, "\(why): \(r.text)")
            }
            #expect(try await h.post("/auth/confirmations", .object(["actionType": "x"]), headers: t.headers).status == 401)
            let (id, challenge) = try await Self.create(h, user, payload: [:])
            for (body, why) in [
                (JSONValue.object(["signedChallenge": "AAAA"]), "no deviceId"),
                (.object(["deviceId": "nope", "signedChallenge": "AAAA"]), "deviceId not a UUID"),
                (.object(["deviceId": .string(user.deviceId)]), "no signature"),
                (.object(["deviceId": .string(user.deviceId), "signedChallenge": "!!!not base64"]), "garbage signature"),
                (.object(["deviceId": .string(user.deviceId), "signedChallenge": .string(String(repeating: "A", count: 4096))]), "oversize signature"),
            ] {
                let r = try await h.post("/auth/confirmations/\(id)/approve", body, headers: t.headers)
                #expect(r.status == 400 || r.status == 401, "\(why): \(r.text)")
            }
            #expect(try await Self.status(h, user, "not-a-uuid").status == 400)
            #expect(try await Self.status(h, user, UUID().uuidString).status == 404)
            // Still approvable after all that noise.
            let ok = try await Self.approve(h, t, id: id, deviceId: user.deviceId, signature: try user.signer.sign(challenge))
            #expect(ok.status == 200, "\(ok.text)")
        }
    }

    @Test func canonicalPayload() {
        let a = CanonicalJSON.encode(["b": 1, "a": ["y": true, "x": nil], "c": .number(1.5), "d": "é\n"])
        #expect(a == #"{"a":{"x":null,"y":true},"b":1,"c":1.5,"d":"é\n"}"#)
        let c1 = Confirmation(
            id: "1", tenantId: "t", userId: "u", actionType: "pay", actionPayload: "{}", nonce: "n", createdAt: Date(),
            updatedAt: Date(), expiresAt: Date())
        var c2 = c1
        c2.actionPayload = #"{"amount":1}"#
        var c3 = c1
        c3.actionType = "pay2"
        #expect(Set([c1.challenge, c2.challenge, c3.challenge]).count == 3, "the challenge commits to type and payload")
    }
}
