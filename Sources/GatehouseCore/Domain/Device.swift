import Foundation

public enum DeviceType: String, Sendable, CaseIterable {
    case mobile, desktop, tablet
}

/// A user's device holding a private key (seed 004's "biometric device"): the key never leaves it, the
/// server keeps the public half and checks what the device signs.
public struct Device: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var userId: String
    public var fingerprint: String
    public var name: String
    public var type: DeviceType
    public var algorithm: DeviceKeyAlgorithm
    /// As the device sent it (base64 SPKI, base64 raw point or PEM): shown back in the device list.
    public var publicKey: String
    public var fcmToken: String?
    public var isActive: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var lastUsedAt: Date?

    public init(
        id: String, tenantId: String, userId: String, fingerprint: String, name: String, type: DeviceType,
        algorithm: DeviceKeyAlgorithm, publicKey: String, fcmToken: String? = nil, isActive: Bool = true,
        createdAt: Date, updatedAt: Date, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.tenantId = tenantId
        self.userId = userId
        self.fingerprint = fingerprint
        self.name = name
        self.type = type
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.fcmToken = fcmToken
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A device-registration challenge: single-use, five minutes, bound to its own id (the `sessionId` clients
/// see), its tenant, the user's session and the device — with the key — that is to be registered. (Login
/// challenges are sealed, not stored.)
public struct DeviceChallenge: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var challenge: String
    public var boundSessionId: String
    /// The device as it will be registered: its user, fingerprint, id and key.
    public var device: Device
    public var expiresAt: Date

    public init(id: String, tenantId: String, challenge: String, boundSessionId: String, device: Device, expiresAt: Date) {
        self.id = id
        self.tenantId = tenantId
        self.challenge = challenge
        self.boundSessionId = boundSessionId
        self.device = device
        self.expiresAt = expiresAt
    }
}
