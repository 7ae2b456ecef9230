import GatehouseCore
import Hummingbird

/// The `Tokens` object of seed 004, shared by every Enterprise login (password, OTP, device, passkey).
struct EnterpriseTokens {
    let engine: Engine

    func json(_ pair: TokenPair, user: User, tenantId: String) -> [UInt8] {
        var w = JSONWriter()
        w.field("accessToken", pair.accessToken)
        w.field("accessTokenExpiresAt", pair.accessTokenExpiresAt.rfc3339)
        w.field("refreshToken", pair.refreshToken)
        w.field("refreshTokenExpiresAt", pair.refreshTokenExpiresAt.rfc3339)
        w.field(
            "signature",
            engine.fileSignatures.sign(tenantId: tenantId, userNumber: user.number, expires: pair.accessTokenExpiresAt))
        return w.finished()
    }

    struct RefreshBody: Decodable { var refreshToken: String? }

    /// `{refreshToken}` rotated for a user's session (`/auth/refresh`, `/auth/biometric/refresh`).
    func refresh(_ request: Request, tenant: Tenant, client: RefreshClient) async throws -> (TokenPair, User) {
        let body = try await JSONBody.decode(RefreshBody.self, from: request)
        let token = try Validate.token(body.refreshToken, "refreshToken", max: 512)
        let (session, pair) = try await engine.sessions.refreshSession(tenantId: tenant.id, refreshToken: token, client: client)
        guard let userId = session.userId, let user = try await engine.store.user(tenantId: tenant.id, id: userId) else {
            throw SessionService.invalidRefresh
        }
        return (pair, user)
    }

    /// `{success: true, tokens: Tokens}`, the answer of the device and passkey logins.
    func success(_ pair: TokenPair, user: User, tenantId: String) -> [UInt8] {
        var w = JSONWriter()
        w.field("success", true)
        w.field("tokens", json: json(pair, user: user, tenantId: tenantId))
        return w.finished()
    }
}
