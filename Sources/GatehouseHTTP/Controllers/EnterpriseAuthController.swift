import Foundation
import GatehouseCore
import Hummingbird

/// The Enterprise dialect (seed 004) — this part: email/password login, refresh, profile, sessions and the
/// file-access signature. Tenant from `x-project-key`, else the default tenant.
struct EnterpriseAuthController {
    let engine: Engine
    let callers: AuthenticateCaller
    let clientAddress: ClientAddressResolver
    var passwords: PasswordChecker { PasswordChecker(login: engine.login, clientAddress: clientAddress) }

    static let stepUp = "no valid token, or code STEP_UP_REQUIRED: the session signed in longer ago than GATEHOUSE_STEP_UP_MAX_AGE"

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
            .caller(
                .get, "/auth/profile", from: .projectKeyOrDefault,
                .init("The caller's profile with effective permissions and a file-access signature", .ok(.ref("Profile"))), use: profile),
            .caller(.get, "/auth/sessions", from: .projectKeyOrDefault, .init("The caller's active sessions", .ok(.array(.ref("Session")))), use: sessions),
            .caller(
                .delete, "/auth/sessions/{id}", from: .projectKeyOrDefault, .init("Revoke one of the caller's sessions", .noContent),
                use: revokeSession),
            .tenant(
                .post, "/auth/signature/verify", from: .projectKeyOrDefault,
                .init(
                    "Check a file-access signature for a user (the integer id)",
                    body: .object(["signature": .text(maxLength: 128), "userId": .integer], required: ["signature", "userId"]),
                    .ok(.ref("Valid"))),
                use: verifySignature),
            .ownCheck(
                .post, "/auth/otp/setup", from: .projectKeyOrDefault, security: [["bearer"]], permission: .own,
                .init(
                    "Start TOTP enrolment (with the MFA-pending token, or an access token of a recent sign-in)",
                    .ok(.ref("OTPSetup")), .error(401, Self.stepUp), .error(409, "TOTP is already enabled")),
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
        (
            "Profile",
            .object(
                [
                    "id": .integer, "email": .string(), "isSuperAdmin": .boolean, "mfaEnabled": .boolean,
                    "permissions": .array(.string()), "department": .ref("Department"), "employee": .ref("Employee"),
                    "signature": .string(), "passkeyPrompt": .text(values: ["pending", "accepted", "declined", "dismissed"]),
                ], required: ["id", "isSuperAdmin", "mfaEnabled", "permissions", "passkeyPrompt"])
        ),
        (
            "Session",
            .object(
                [
                    "id": .uuid, "createdAt": .dateTime, "expiresAt": .dateTime, "amr": .array(.string()), "level": .string(),
                    "current": .boolean,
                ], required: ["id", "createdAt", "expiresAt", "amr", "level", "current"])
        ),
        (
            "OTPSetup",
            .object(
                ["secret": .string("base32"), "otpauthUrl": .string(), "qrSvg": .string()], required: ["secret", "otpauthUrl", "qrSvg"])
        ),
    ]

    func tokens(_ pair: TokenPair, user: User, tenantId: String) -> [UInt8] {
        EnterpriseTokens(sessions: engine.sessions, fileSignatures: engine.fileSignatures).json(pair, user: user, tenantId: tenantId)
    }

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
            var w = JSONWriter()
            w.field("registerOtp", registerOtp)
            w.field("token", pending)
            return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
        case .signedIn(let u, let p):
            (user, pair) = (u, p)
        }
        var w = JSONWriter()
        w.field("registerOtp", false)
        w.field("token", pair.accessToken)
        w.field("tokens", json: tokens(pair, user: user, tenantId: tenant.id))
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    @Sendable func refresh(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let (pair, user) = try await EnterpriseTokens(sessions: engine.sessions, fileSignatures: engine.fileSignatures).refresh(
            request, tenant: tenant, client: clientAddress.refreshClient(request, context: context))
        return JSONBody.raw(tokens(pair, user: user, tenantId: tenant.id), contentType: "application/json; charset=utf-8")
    }

    struct ProfileBody: Encodable {
        var id: Int64
        var email: String?
        var isSuperAdmin: Bool
        var mfaEnabled: Bool
        var permissions: [String]
        var department: Department?
        var employee: Employee?
        var signature: String?
        var passkeyPrompt: String
    }

    @Sendable func profile(_ request: Request, context: CallerContext) async throws -> Response {
        let (tenant, caller) = (context.tenant, context.caller)
        let user = caller.user
        var businessId: String?
        if case .token(let p, _) = caller { businessId = p.claims.bid }
        let permissions = try await engine.users.permissions(user, businessId: businessId)
        var signature: String?
        if case .token(let p, _) = caller {
            signature = engine.fileSignatures.sign(
                tenantId: tenant.id, userNumber: user.number, expires: Date(timeIntervalSince1970: TimeInterval(p.claims.exp)))
        }
        return try JSONBody.response(
            ProfileBody(
                id: user.number, email: user.email, isSuperAdmin: user.isSuperAdmin, mfaEnabled: user.mfaEnabled,
                permissions: permissions, department: user.department, employee: user.employee,
                signature: signature, passkeyPrompt: try await engine.passkeys.prompt(user: user).rawValue))
    }

    struct SessionBody: Encodable {
        var id: String
        var createdAt: String
        var expiresAt: String
        var amr: [String]
        var level: String
        var current: Bool
    }

    @Sendable func sessions(_ request: Request, context: CallerContext) async throws -> Response {
        let caller = context.caller
        let list = try await engine.sessions.active(of: caller.user)
        return try JSONBody.response(
            list.map {
                SessionBody(
                    id: $0.id, createdAt: $0.createdAt.rfc3339, expiresAt: $0.expiresAt.rfc3339, amr: $0.amr,
                    level: $0.level.rawValue, current: $0.id == caller.sessionId)
            })
    }

    @Sendable func revokeSession(_ request: Request, context: CallerContext) async throws -> Response {
        let caller = context.caller
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await engine.sessions.revokeOwn(id, of: caller.user)
        return Response(status: .noContent)
    }

    /// The user behind an MFA-pending token (no session yet), or behind an access token with its session.
    private func pendingOrSignedIn(_ request: Request, tenant: Tenant) async throws -> (User, Principal?) {
        if let bearer = request.bearerToken, bearer.hasPrefix(MFAService.pendingPrefix) {
            return (try await engine.mfa.pendingUser(bearer, tenantId: tenant.id), nil)
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
        let (secret, url) = try await engine.mfa.setup(tenantId: tenant.id, user: user, session: session, issuer: tenant.projectName)
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
        let (user, passwordAt) = try await engine.mfa.verifyPending(
            token: pending, otp: otp, tenantId: tenant.id, clientAddress: clientAddress.address(request, context: context))
        let pair = try await engine.sessions.startLogin(
            user, tenantId: tenant.id, amr: ["pwd", "otp"], dialect: "enterprise", authTime: passwordAt)
        return JSONBody.raw(tokens(pair, user: user, tenantId: tenant.id), contentType: "application/json; charset=utf-8")
    }

    /// For back-office services holding the tenant's API private key (or the system key).
    @Sendable func otpVerifyService(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        guard let key = request.headers[TenantResolver.apiKeyHeader] ?? request.bearerToken else {
            throw GatehouseError.unauthenticated
        }
        let isTenantKey = tenant.apiPrivateKeyHash.map { Digest.constantTimeEquals(Digest.sha256Hex(key), $0) } ?? false
        let isSystemKey = try await engine.isSystemKey(key)
        guard isTenantKey || isSystemKey else {
            throw GatehouseError(.unauthorized, "a service API key is required")
        }
        let body = try await JSONBody.decode(OTPBody.self, from: request)
        let otp = try Validate.token(body.otp, "otp", max: 16)
        guard let userId = body.userId else { throw GatehouseError.field("userId", "is required") }
        let valid = try await engine.mfa.verifyForService(
            tenantId: tenant.id, userNumber: userId, otp: otp, clientAddress: clientAddress.address(request, context: context))
        var w = JSONWriter()
        w.field("userId", userId)
        w.field("valid", valid)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    struct SignatureBody: Decodable {
        var signature: String?
        var userId: Int64?
    }

    /// For file services: is this signature valid now for this user (the Enterprise integer id)?
    @Sendable func verifySignature(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(SignatureBody.self, from: request)
        let signature = try Validate.token(body.signature, "signature", max: 128)
        guard let userId = body.userId else { throw GatehouseError.field("userId", "is required") }
        let valid = engine.fileSignatures.verify(signature, tenantId: tenant.id, userNumber: userId)
        return try JSONBody.response(["valid": valid])
    }
}
