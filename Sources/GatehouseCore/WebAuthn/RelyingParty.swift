import Foundation

/// A tenant's WebAuthn relying-party settings as stored; unset fields fall back to the server's public URL
/// and the tenant's name (see `RelyingParty`).
public struct WebAuthnSettings: Sendable, Codable, Equatable {
    public var rpId: String?
    public var rpName: String?
    public var origins: [String]?
    public var userVerification: UserVerification?
    public var attestation: AttestationPreference?

    public enum UserVerification: String, Sendable, Codable { case required, preferred }
    public enum AttestationPreference: String, Sendable, Codable { case none, direct }

    public init() {}

    public static let maxOrigins = 20

    /// Checks what an admin sets: a bare host as rpId, origins with a scheme and host and nothing else,
    /// https except on localhost, each one's host equal to the rpId or under it (WebAuthn §5.1.3 step 8).
    public func validated() throws -> WebAuthnSettings {
        if let rpId {
            guard rpId.utf8.count <= 253, !rpId.isEmpty,
                rpId.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }), rpId == rpId.lowercased()
            else { throw GatehouseError.field("webauthnRpId", "must be a lower-case host name such as example.com") }
        }
        if let rpName, rpName.utf8.count > 255 { throw GatehouseError.field("webauthnRpName", "must be at most 255 bytes") }
        var checked = self
        if let origins {
            guard origins.count <= Self.maxOrigins else {
                throw GatehouseError.field("webauthnOrigins", "at most \(Self.maxOrigins) origins")
            }
            // Stored as browsers serialize them, so the ceremony's exact comparison with the client data's
            // origin cannot miss on a trailing slash or an upper-case letter.
            checked.origins = try WebOrigin.serializedList(origins, field: "webauthnOrigins")
            for origin in checked.origins ?? [] {
                if let rpId, let host = WebOrigin(origin)?.host, host != rpId, !host.hasSuffix("." + rpId) {
                    throw GatehouseError.field("webauthnOrigins", "\(origin.prefix(100)) is not on \(rpId)")
                }
            }
        }
        return checked
    }

}

/// The relying party a tenant's ceremonies run against.
public struct RelyingParty: Sendable, Equatable {
    public var id: String
    public var name: String
    public var origins: [String]
    public var userVerificationRequired: Bool
    public var attestation: WebAuthnSettings.AttestationPreference

    public init(id: String, name: String, origins: [String], userVerificationRequired: Bool, attestation: WebAuthnSettings.AttestationPreference = .none) {
        self.id = id
        self.name = name
        self.origins = origins
        self.userVerificationRequired = userVerificationRequired
        self.attestation = attestation
    }

    /// What an unconfigured tenant gets, from the server's public URL (`https://auth.example.com` → rpId
    /// `auth.example.com`, that origin allowed); parsed once, not at every ceremony.
    public struct Defaults: Sendable, Equatable {
        public var rpId: String
        public var origin: String

        public init(publicURL: String) {
            let url = URLComponents(string: publicURL)
            rpId = url?.host ?? "localhost"
            if let url, let scheme = url.scheme, let host = url.host {
                origin = "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
            } else {
                origin = publicURL
            }
        }
    }

    /// The tenant's settings over the defaults.
    public init(tenant: Tenant, defaults: Defaults) {
        let s = tenant.webauthn ?? WebAuthnSettings()
        id = s.rpId ?? defaults.rpId
        name = s.rpName ?? tenant.projectName
        origins = s.origins ?? [defaults.origin]
        userVerificationRequired = s.userVerification == .required
        attestation = s.attestation ?? .none
    }
}
