import Foundation

/// Tells a user's other active devices that a credential was enrolled on their account, through the push
/// outbox, so that an enrolment made with a stolen token does not go unnoticed by the real user.
public struct EnrolmentNotifier: Sendable {
    let clock: any GatehouseClock
    /// False when no push transport is configured: nothing is queued that nothing would send.
    let pushEnabled: Bool
    let wakeup: Wakeup

    public enum Credential: String, Sendable {
        case deviceKey = "device_key"
        case passkey
    }

    /// Queues, in the enrolment's unit of work `tx`, one message per other active device of the user that has an
    /// FCM token; true when any was queued (signal `wakeup` once the unit has committed).
    func enrolled(
        _ kind: Credential, id: String, name: String, user: User, exceptDevice: String? = nil, in tx: any GatehouseStore
    ) async throws -> Bool {
        guard pushEnabled else { return false }
        let now = clock.now
        let pushes = try await tx.devices(tenantId: user.tenantId, userId: user.id).compactMap { d -> PushMessage? in
            guard d.isActive, d.id != exceptDevice, let token = d.fcmToken else { return nil }
            var data = [
                "type": "credential_enrolled", "credentialType": kind.rawValue, "name": name, "enrolledAt": now.rfc3339,
            ]
            data[kind == .deviceKey ? "deviceId" : "passkeyId"] = id
            return PushMessage(tenantId: user.tenantId, deviceId: d.id, fcmToken: token, data: data, createdAt: now)
        }
        guard !pushes.isEmpty else { return false }
        try await tx.insertPushes(pushes)
        return true
    }
}
