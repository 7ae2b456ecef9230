import GatehouseCore
import Hummingbird

/// The `Tokens` object of seed 004, shared by every Enterprise login (password, OTP, device, passkey).
struct EnterpriseTokens {
    let sessions: SessionService
    let fileSignatures: FileSignature

    func json(_ pair: TokenPair, user: User, tenantId: String) -> [UInt8] {
        var w = JSONWriter()
        w.field("accessToken", pair.accessToken)
        w.field("accessTokenExpiresAt", pair.accessTokenExpiresAt.rfc3339)
        w.field("refreshToken", pair.refreshToken)
        w.field("refreshTokenExpiresAt", pair.refreshTokenExpiresAt.rfc3339)
        w.field(
            "signature",
            fileSignatures.sign(tenantId: tenantId, userNumber: user.number, expires: pair.accessTokenExpiresAt))
        return w.finished()
    }

    struct RefreshBody: Decodable { var refreshToken: String? }

    /// `{refreshToken}` rotated for a user's session (`/auth/refresh`, `/auth/biometric/refresh`).
    func refresh(_ request: Request, tenant: Tenant, client: RefreshClient) async throws -> (TokenPair, User) {
        let body = try await JSONBody.decode(RefreshBody.self, from: request)
        let token = try Validate.token(body.refreshToken, "refreshToken", max: 512)
        return try await sessions.refreshUser(tenantId: tenant.id, refreshToken: token, client: client)
    }

    static let schemas: [(String, Schema)] = [
        (
            "Tokens",
            .object(
                [
                    "accessToken": .string(), "accessTokenExpiresAt": .dateTime, "refreshToken": .string(),
                    "refreshTokenExpiresAt": .dateTime, "signature": .string("the file-access signature, valid as long as the access token"),
                ], required: ["accessToken", "accessTokenExpiresAt", "refreshToken", "refreshTokenExpiresAt", "signature"])
        ),
        ("TokensSuccess", .object(["success": .boolean, "tokens": .ref("Tokens")], required: ["success", "tokens"])),
    ]

    /// `{success: true, tokens: Tokens}`, the answer of the device and passkey logins.
    func success(_ pair: TokenPair, user: User, tenantId: String) -> [UInt8] {
        var w = JSONWriter()
        w.field("success", true)
        w.field("tokens", json: json(pair, user: user, tenantId: tenantId))
        return w.finished()
    }
}
