import Foundation

/// Signed action confirmations (seed 004): a service asks the user to approve a sensitive action; the
/// user's device signs the confirmation's challenge, which commits to the action itself. Pushes to the
/// user's devices go into the durable outbox in the same transaction as the confirmation.
public struct ConfirmationService: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let bruteForce: BruteForceGuard
    let devices: DeviceService
    /// False when no push transport is configured: nothing is queued that nothing would send.
    let pushEnabled: Bool
    public let pushWakeup: Wakeup

    public static let lifetime: TimeInterval = 5 * 60
    public static let maxActionTypeLength = 100
    public static let maxPayloadBytes = 16 * 1024
    public static let maxReasonLength = 500

    public func create(user: User, actionType: String, payload: JSONValue?) async throws -> Confirmation {
        let payload = payload ?? .object([:])
        guard case .object = payload else { throw GatehouseError.field("actionPayload", "must be an object") }
        let canonical = CanonicalJSON.encode(payload)
        guard canonical.utf8.count <= Self.maxPayloadBytes else {
            throw GatehouseError.field("actionPayload", "must be at most \(Self.maxPayloadBytes) bytes")
        }
        let now = clock.now
        let c = Confirmation(
            id: random.uuidString(), tenantId: user.tenantId, userId: user.id, actionType: actionType,
            actionPayload: canonical, nonce: random.token(bytes: 32), createdAt: now, updatedAt: now,
            expiresAt: now.addingTimeInterval(Self.lifetime))
        var pushes: [PushMessage] = []
        if pushEnabled {
            pushes = try await store.devices(tenantId: user.tenantId, userId: user.id).compactMap { d in
                guard d.isActive, let token = d.fcmToken else { return nil }
                return PushMessage(
                    tenantId: user.tenantId, deviceId: d.id, fcmToken: token,
                    data: [
                        "type": "action_confirmation", "confirmationId": c.id, "actionType": c.actionType,
                        "expiresAt": c.expiresAt.rfc3339,
                    ], createdAt: now)
            }
        }
        let queued = pushes
        try await store.unitOfWork { [events] tx in
            try await tx.insertConfirmation(c, pushes: queued)
            try await events.append(
                .confirmationCreated, tenantId: user.tenantId, subject: user.id,
                data: ["confirmationId": .string(c.id), "actionType": .string(actionType), "pushes": .number(Double(queued.count))],
                in: tx)
        }
        if !pushes.isEmpty { pushWakeup.signal() }
        return c
    }

    /// The user's confirmation (another user's answers as absent), with a lapsed one marked expired.
    public func get(user: User, id: String) async throws -> Confirmation {
        guard let c = try await store.confirmation(tenantId: user.tenantId, id: id), c.userId == user.id else {
            throw GatehouseError.notFound("confirmation")
        }
        return try await settled(c)
    }

    /// Writes the expiry of a lapsed pending confirmation (once, with its event).
    func settled(_ c: Confirmation) async throws -> Confirmation {
        let now = clock.now
        guard c.status(at: now) == .expired, c.status == .pending else { return c }
        if let moved = try await store.unitOfWork({ [events] tx -> Confirmation? in
            guard let moved = try await tx.transitionConfirmation(
                tenantId: c.tenantId, id: c.id, to: .expired, deviceId: nil, reason: nil, at: now)
            else { return nil }
            try await events.append(
                .confirmationExpired, tenantId: c.tenantId, subject: c.userId, data: ["confirmationId": .string(c.id)], in: tx)
            return moved
        }) {
            return moved
        }
        return try await store.confirmation(tenantId: c.tenantId, id: c.id) ?? c
    }

    static func notPending(_ status: ConfirmationStatus) -> GatehouseError {
        GatehouseError(.conflict, "confirmation is \(status.rawValue)", details: ["status": .string(status.rawValue)])
    }

    /// Approval by a signature of the confirmation's challenge from one of the owner's active devices; the
    /// device's signature is the credential. Wrong signatures count against the device and the address.
    public func approve(tenantId: String, id: String, deviceId: String, signature: String, clientAddress: String?)
        async throws -> Confirmation
    {
        guard let found = try await store.confirmation(tenantId: tenantId, id: id) else {
            throw GatehouseError.notFound("confirmation")
        }
        let c = try await settled(found)
        guard c.status == .pending else { throw Self.notPending(c.status) }
        try await bruteForce.check(tenantId: tenantId, kind: "confirm", account: deviceId, address: clientAddress)
        guard let device = try await store.device(tenantId: tenantId, id: deviceId), device.isActive, device.userId == c.userId,
            let key = try? devices.key(of: device)
        else { throw GatehouseError(.forbidden, "this device may not approve this confirmation") }
        guard key.verify(signature: signature, message: Array(c.challenge.utf8)) else {
            let locked = try await bruteForce.failed(tenantId: tenantId, kind: "confirm", account: deviceId, address: clientAddress)
            try await events.record(
                .confirmationSignatureFailed, tenantId: tenantId, subject: c.userId,
                data: ["confirmationId": .string(c.id), "deviceId": .string(deviceId)])
            throw locked ?? GatehouseError(.unauthorized, "signature does not match this confirmation's challenge")
        }
        let now = clock.now
        let deviceId = device.id
        let done = try await store.unitOfWork { [events] tx in
            guard let done = try await tx.transitionConfirmation(
                tenantId: tenantId, id: id, to: .approved, deviceId: deviceId, reason: nil, at: now)
            else {
                let current = try await tx.confirmation(tenantId: tenantId, id: id)
                throw Self.notPending(current?.status(at: now) ?? .expired)
            }
            try await events.append(
                .confirmationApproved, tenantId: tenantId, subject: c.userId,
                data: ["confirmationId": .string(c.id), "deviceId": .string(deviceId), "actionType": .string(c.actionType)],
                in: tx)
            return done
        }
        devices.lastUsed.note(device.id, at: now)
        return done
    }

    public func reject(user: User, id: String, reason: String?) async throws -> Confirmation {
        let c = try await get(user: user, id: id)
        guard c.status == .pending else { throw Self.notPending(c.status) }
        let now = clock.now
        return try await store.unitOfWork { [events] tx in
            guard let done = try await tx.transitionConfirmation(
                tenantId: user.tenantId, id: id, to: .rejected, deviceId: nil, reason: reason, at: now)
            else {
                let current = try await tx.confirmation(tenantId: user.tenantId, id: id)
                throw Self.notPending(current?.status(at: now) ?? .expired)
            }
            try await events.append(
                .confirmationRejected, tenantId: user.tenantId, subject: user.id, data: ["confirmationId": .string(c.id)], in: tx)
            return done
        }
    }
}
