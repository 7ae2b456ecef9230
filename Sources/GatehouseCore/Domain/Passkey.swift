import Foundation

/// A WebAuthn credential registered by a user (a passkey or security key).
public struct Passkey: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var userId: String
    /// base64url of the credential id the authenticator chose.
    public var credentialId: String
    public var name: String
    /// The COSE_Key as the authenticator encoded it.
    public var publicKeyCBOR: [UInt8]
    public var algorithm: Int64
    public var signCount: UInt32
    public var aaguid: String
    public var transports: [String]
    public var backupEligible: Bool
    public var backedUp: Bool
    public var attestationFormat: String
    public var attestationType: String
    /// Set when the signature counter went backwards; the credential no longer logs in.
    public var cloneWarning: Bool
    public var isActive: Bool
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(
        id: String, tenantId: String, userId: String, credentialId: String, name: String, publicKeyCBOR: [UInt8],
        algorithm: Int64, signCount: UInt32, aaguid: String, transports: [String], backupEligible: Bool, backedUp: Bool,
        attestationFormat: String, attestationType: String, cloneWarning: Bool = false, isActive: Bool = true,
        createdAt: Date, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.tenantId = tenantId
        self.userId = userId
        self.credentialId = credentialId
        self.name = name
        self.publicKeyCBOR = publicKeyCBOR
        self.algorithm = algorithm
        self.signCount = signCount
        self.aaguid = aaguid
        self.transports = transports
        self.backupEligible = backupEligible
        self.backedUp = backedUp
        self.attestationFormat = attestationFormat
        self.attestationType = attestationType
        self.cloneWarning = cloneWarning
        self.isActive = isActive
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A passkey registration in progress: its challenge, single-use, five minutes, bound to the user's
/// session and to the name the passkey will get. (Login ceremonies are sealed, not stored.)
public struct WebAuthnChallenge: Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var challenge: String
    public var userId: String
    public var boundSessionId: String
    public var name: String
    public var expiresAt: Date

    public init(
        id: String, tenantId: String, challenge: String, userId: String, boundSessionId: String, name: String, expiresAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.challenge = challenge
        self.userId = userId
        self.boundSessionId = boundSessionId
        self.name = name
        self.expiresAt = expiresAt
    }
}

public enum PasskeyPromptStatus: String, Sendable, CaseIterable {
    case pending, accepted, declined, dismissed
}
