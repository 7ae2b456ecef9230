import Foundation

public struct SigningKeyRecord: Sendable, Equatable {
    public var kid: String
    public var tenantId: String
    public var algorithm: String
    /// PEM of the private key sealed with the master key (context: the kid).
    public var privateKeySealed: String
    public var publicJWK: String
    public var createdAt: Date
    /// Set on rotation: the key stops signing then and leaves the JWKS at `retireAt`.
    public var rotatedAt: Date?
    public var retireAt: Date?

    public init(
        kid: String, tenantId: String, algorithm: String, privateKeySealed: String, publicJWK: String,
        createdAt: Date, rotatedAt: Date? = nil, retireAt: Date? = nil
    ) {
        self.kid = kid
        self.tenantId = tenantId
        self.algorithm = algorithm
        self.privateKeySealed = privateKeySealed
        self.publicJWK = publicJWK
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
        self.retireAt = retireAt
    }
}
