import Foundation

/// The claims of every access token we issue, whichever dialect asked for it.
public struct AccessTokenClaims: Codable, Sendable, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var exp: Int64
    public var iat: Int64
    public var nbf: Int64
    public var jti: String
    /// Tenant id.
    public var tid: String
    /// Auth level.
    public var lvl: AuthLevel
    /// Session id.
    public var sid: String
    public var bid: String?
    public var role: String?
    public var scope: String?
    public var amr: [String]
    /// The OAuth client a code-flow session was issued to (RFC 9068 §2.2); absent on the dialects' tokens.
    public var client_id: String?
    /// When the user last signed in (RFC 9068 §2.2.1), on code-flow tokens.
    public var auth_time: Int64?

    public init(
        iss: String, sub: String, aud: String, exp: Int64, iat: Int64, nbf: Int64, jti: String, tid: String,
        lvl: AuthLevel, sid: String, bid: String? = nil, role: String? = nil, scope: String? = nil, amr: [String],
        client_id: String? = nil, auth_time: Int64? = nil
    ) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.jti = jti
        self.tid = tid
        self.lvl = lvl
        self.sid = sid
        self.bid = bid
        self.role = role
        self.scope = scope
        self.amr = amr
        self.client_id = client_id
        self.auth_time = auth_time
    }
}
