import Foundation
import GatehouseCore
import Hummingbird

/// The Enterprise dialect (seed 004): email/password login, refresh and the file-access signature check.
/// Tenant from `x-project-key`, else the default tenant.
struct EnterpriseAuthController {
    let passwords: PasswordChecker
    let tokens: EnterpriseTokens
    let fileSignatures: FileSignature
    let clientAddress: ClientAddressResolver

    var routes: [Route] {
        let tokens = Reply.ok(.ref("Tokens"))
        return [
            .tenant(
                .post, "/auth/login", from: .projectKeyOrDefault,
                .init(
                    "Email/password login; a user with TOTP gets a 5-minute token for /auth/otp/* instead of tokens",
                    body: .object(["email": .text(maxLength: 320), "password": .text(maxLength: 4096)], required: ["email", "password"]),
                    .ok(.ref("EnterpriseLogin")), .error(429, "too many attempts; Retry-After says when to try again")),
                use: login),
            .tenant(
                .post, "/auth/refresh", from: .projectKeyOrDefault,
                .init("Rotate a refresh token", body: .object(["refreshToken": .string()], required: ["refreshToken"]), tokens), use: refresh),
            .tenant(
                .post, "/auth/signature/verify", from: .projectKeyOrDefault,
                .init(
                    "Check a file-access signature for a user (the integer id)",
                    body: .object(["signature": .text(maxLength: 128), "userId": .integer], required: ["signature", "userId"]),
                    .ok(.ref("Valid"))),
                use: verifySignature),
        ]
    }

    static let schemas: [(String, Schema)] = EnterpriseTokens.schemas + [
        (
            "EnterpriseLogin",
            .object(
                [
                    "registerOtp": .described(.boolean, "true when the user must enrol TOTP first (POST /auth/otp/setup)"),
                    "token": .string("the access token, or the MFA-pending token when tokens is absent"),
                    "tokens": .ref("Tokens"),
                ], required: ["registerOtp", "token"])
        ),
    ]

    struct LoginBody: Decodable {
        var email: String?
        var password: String?
    }

    @Sendable func login(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(LoginBody.self, from: request)
        let pair: TokenPair
        let user: User
        switch try await passwords.login(
            login: body.email, loginField: "email", password: body.password, tenant: tenant, via: .enterprise,
            request: request, context: context)
        {
        case .secondFactorRequired(_, let pending, let registerOtp):
            // The password alone opens nothing: a 5-minute token usable only at the OTP paths.
            return try JSONBody.response(LoginAnswer(registerOtp: registerOtp, token: pending, tokens: nil))
        case .signedIn(let u, let p):
            (user, pair) = (u, p)
        }
        return try JSONBody.response(
            LoginAnswer(registerOtp: false, token: pair.accessToken, tokens: tokens.body(pair, user: user, tenantId: tenant.id)))
    }

    /// Seed 004's login answer: tokens, or (without them) the MFA-pending token.
    struct LoginAnswer: Encodable {
        var registerOtp: Bool
        var token: String
        var tokens: EnterpriseTokens.Body?
    }

    @Sendable func refresh(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let (pair, user) = try await tokens.refresh(
            request, tenant: tenant, client: clientAddress.refreshClient(request, context: context))
        return try tokens.response(pair, user: user, tenantId: tenant.id)
    }

    struct SignatureBody: Decodable {
        var signature: String?
        var userId: Int64?
    }

    @Sendable func verifySignature(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(SignatureBody.self, from: request)
        let signature = try Validate.token(body.signature, "signature", max: 128)
        guard let userId = body.userId else { throw GatehouseError.field("userId", "is required") }
        let valid = fileSignatures.verify(signature, tenantId: tenant.id, userNumber: userId)
        return try JSONBody.response(["valid": valid])
    }
}
