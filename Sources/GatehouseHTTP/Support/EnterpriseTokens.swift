import GatehouseCore
import Hummingbird

/// The `Tokens` object of seed 004, shared by every Enterprise login (password, OTP, device, passkey).
struct EnterpriseTokens {
    let sessions: SessionService
    let fileSignatures: FileSignature

    /// Seed 004's `Tokens`.
    struct Body: Encodable {
        var accessToken: String
        var accessTokenExpiresAt: String
        var refreshToken: String
        var refreshTokenExpiresAt: String
        /// The file-access signature, valid as long as the access token.
        var signature: String
    }

    func body(_ pair: TokenPair, user: User, tenantId: String) -> Body {
        Body(
            accessToken: pair.accessToken, accessTokenExpiresAt: pair.accessTokenExpiresAt.rfc3339,
            refreshToken: pair.refreshToken, refreshTokenExpiresAt: pair.refreshTokenExpiresAt.rfc3339,
            signature: fileSignatures.sign(tenantId: tenantId, userNumber: user.number, expires: pair.accessTokenExpiresAt))
    }

    func response(_ pair: TokenPair, user: User, tenantId: String) throws -> Response {
        try JSONBody.response(body(pair, user: user, tenantId: tenantId))
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

    struct Success: Encodable {
        var success = true
        var tokens: Body
    }

    /// `{success: true, tokens: Tokens}`, the answer of the device and passkey logins.
    func success(_ pair: TokenPair, user: User, tenantId: String) throws -> Response {
        try JSONBody.response(Success(tokens: body(pair, user: user, tenantId: tenantId)))
    }
}
