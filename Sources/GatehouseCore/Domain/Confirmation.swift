import Foundation

public enum ConfirmationStatus: String, Sendable {
    case pending, approved, rejected, expired
}

/// A sensitive action waiting for the user to approve it with a signature from one of their devices.
public struct Confirmation: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var userId: String
    public var actionType: String
    /// Canonical JSON text of the payload (sorted keys, no whitespace): what the challenge commits to.
    public var actionPayload: String
    /// Random part of the challenge, so two identical actions never share one.
    public var nonce: String
    public var status: ConfirmationStatus
    public var reason: String?
    public var deviceId: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date

    public init(
        id: String, tenantId: String, userId: String, actionType: String, actionPayload: String, nonce: String,
        status: ConfirmationStatus = .pending, reason: String? = nil, deviceId: String? = nil, createdAt: Date,
        updatedAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.userId = userId
        self.actionType = actionType
        self.actionPayload = actionPayload
        self.nonce = nonce
        self.status = status
        self.reason = reason
        self.deviceId = deviceId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
    }

    /// The challenge the device signs: it commits to this confirmation's id, action type and payload, so a
    /// signature for one action can never approve another, and to a random nonce (≥32 bytes of entropy).
    public var challenge: String {
        var input = Array("gatehouse.confirmation.v1\n".utf8)
        for part in [id, actionType, Digest.sha256Hex(actionPayload), nonce] {
            input += Array(part.utf8)
            input.append(0x0A)
        }
        return Base64URL.encode(Digest.sha256(input))
    }

    /// Status as of `now`: a pending confirmation past its expiry is expired, written or not.
    public func status(at now: Date) -> ConfirmationStatus {
        status == .pending && expiresAt <= now ? .expired : status
    }
}

/// One push notification waiting in the durable outbox.
public struct PushMessage: Sendable, Equatable {
    public var id: Int64
    public var tenantId: String
    public var deviceId: String
    public var fcmToken: String
    /// The FCM `data` map (string values only, as FCM requires).
    public var data: [String: String]
    public var attempts: Int64
    public var createdAt: Date

    public init(
        id: Int64 = 0, tenantId: String, deviceId: String, fcmToken: String, data: [String: String], attempts: Int64 = 0,
        createdAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.deviceId = deviceId
        self.fcmToken = fcmToken
        self.data = data
        self.attempts = attempts
        self.createdAt = createdAt
    }
}
