import Foundation

/// The claims of a client-credentials access token (RFC 9068 §2.2): the client is the subject.
public struct ClientTokenClaims: Codable, Sendable, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var client_id: String
    public var scope: String?
    public var jti: String
    public var iat: Int64
    public var nbf: Int64
    public var exp: Int64
    /// Tenant id, as in every token of ours.
    public var tid: String
    /// Present only on a user's code-flow token (which is not a client's own): read to tell them apart.
    public var sid: String?
}
