import Foundation
import GatehouseCore
import Hummingbird

/// TOTP of the Enterprise dialect (seed 004; RFC 6238 codes): enrolment, the second step of a password
/// login, and the check back-office services make with a service key.
struct OTPController {
    let mfa: MFAService
    let login: PasswordLogin
    let serviceKeys: ServiceKeys
    let callers: AuthenticateCaller
    let tokens: EnterpriseTokens
    let clientAddress: ClientAddressResolver

    var routes: [Route] {
        let tokens = Reply.ok(.ref("Tokens"))
        return [
            .ownCheck(
                .post, "/auth/otp/setup", from: .projectKeyOrDefault, security: [["bearer"]], permission: .own,
                .init(
                    "Start TOTP enrolment (with the MFA-pending token, or an access token of a recent sign-in)",
                    .ok(.ref("OTPSetup")), .stepUpRequired, .error(409, "TOTP is already enabled")),
                use: otpSetup),
            .ownCheck(
                .post, "/auth/otp/verify", from: .projectKeyOrDefault, security: [["bearer"]], permission: .own,
                .init(
                    "Complete a login with a TOTP code (MFA-pending token); confirms enrolment on first success",
                    body: .object(["otp": .text(maxLength: 16)], required: ["otp"]), tokens,
                    .error(429, "five wrong codes for this token, or too many for the account")),
                use: otpVerify),
            .ownCheck(
                .post, "/auth/otp/verify-service", from: .projectKeyOrDefault, security: [["apiKey"]], permission: .system,
                .init(
                    "A back-office service checks a user's TOTP code (the tenant's API private key, or the system key, in x-api-key)",
                    body: .object(["otp": .text(maxLength: 16), "userId": .integer], required: ["otp", "userId"]),
                    .ok(.object(["userId": .integer, "valid": .boolean], required: ["userId", "valid"])),
                    .error(429, "too many wrong codes for this user")),
                use: otpVerifyService),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "OTPSetup",
            .object(
                ["secret": .string("base32"), "otpauthUrl": .string(), "qrSvg": .string()], required: ["secret", "otpauthUrl", "qrSvg"])
        ),
    ]

    /// The user behind an MFA-pending token (no session yet), or behind an access token with its session.
    private func pendingOrSignedIn(_ request: Request, tenant: Tenant) async throws -> (User, Principal?) {
        if let bearer = request.bearerToken, bearer.hasPrefix(MFAService.pendingPrefix) {
            return (try await mfa.pendingUser(bearer, tenantId: tenant.id), nil)
        }
        guard case .token(let principal, let user) = try await callers.authenticate(request, tenant: tenant) else {
            throw GatehouseError(.forbidden, "a user token is required")
        }
        return (user, principal)
    }

    struct OTPSetupBody: Encodable {
        var secret: String
        var otpauthUrl: String
        var qrSvg: String
    }

    @Sendable func otpSetup(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let (user, session) = try await pendingOrSignedIn(request, tenant: tenant)
        let (secret, url) = try await mfa.setup(tenantId: tenant.id, user: user, session: session, issuer: tenant.projectName)
        return try JSONBody.response(OTPSetupBody(secret: secret, otpauthUrl: url, qrSvg: try QRCode(url).svg()))
    }

    struct OTPBody: Decodable {
        var otp: String?
        var userId: Int64?
    }

    @Sendable func otpVerify(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        guard let pending = request.bearerToken, pending.hasPrefix(MFAService.pendingPrefix) else {
            throw GatehouseError(.unauthorized, "the MFA token from /auth/login is required")
        }
        let body = try await JSONBody.decode(OTPBody.self, from: request)
        let otp = try Validate.token(body.otp, "otp", max: 16)
        let (user, pair) = try await login.completeWithOTP(
            pending: pending, otp: otp, tenantId: tenant.id, clientAddress: clientAddress.address(request, context: context))
        return try tokens.response(pair, user: user, tenantId: tenant.id)
    }

    @Sendable func otpVerifyService(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        guard let key = request.headers[TenantResolver.apiKeyHeader] ?? request.bearerToken else {
            throw GatehouseError.unauthenticated
        }
        guard try await serviceKeys.isServiceKey(key, of: tenant) else {
            throw GatehouseError(.unauthorized, "a service API key is required")
        }
        let body = try await JSONBody.decode(OTPBody.self, from: request)
        let otp = try Validate.token(body.otp, "otp", max: 16)
        guard let userId = body.userId else { throw GatehouseError.field("userId", "is required") }
        let valid = try await mfa.verifyForService(
            tenantId: tenant.id, userNumber: userId, otp: otp, clientAddress: clientAddress.address(request, context: context))
        return try JSONBody.response(ServiceCheck(userId: userId, valid: valid))
    }

    struct ServiceCheck: Encodable {
        var userId: Int64
        var valid: Bool
    }
}
