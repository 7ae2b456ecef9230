import Foundation
import GatehouseCore
import Hummingbird

/// The Classic API (seed 003): username/password login, refresh, logout, API keys. Errors here are the
/// seed's `{"error": "..."}` bodies: the route group has the Classic error renderer.
struct ClassicAuthController {
    let passwords: PasswordChecker
    let sessions: SessionService
    let apiKeys: APIKeyService
    let accessTokenTTL: TimeInterval
    let clientAddress: ClientAddressResolver

    static let apiKeyRefusal = "an API key cannot manage API keys"

    /// The table declares these in the Classic error dialect (`RouteTable`).
    var routes: [Route] {
        [
            .tenant(
                .post, "/api/v1/auth/login", from: .projectKeyOrDefault,
                .init(
                    "Username/password login",
                    body: .object(["username": .text(maxLength: 320), "password": .text(maxLength: 4096)], required: ["username", "password"]),
                    .ok(.ref("ClassicLogin")),
                    .error(
                        401,
                        #"{"error":"Invalid credentials"}; or, for a user who must also give a TOTP code (enrolled, or the tenant requires MFA), {"error":"MFA required","code":"MFA_REQUIRED"}: such users sign in at /auth/login"#
                    ),
                    .error(429, "too many attempts for this account or address; Retry-After says when to try again")),
                use: login),
            .tenant(
                .post, "/api/v1/auth/refresh", from: .projectKeyOrDefault,
                .init(
                    "Rotate a refresh token", body: .object(["refreshToken": .string()], required: ["refreshToken"]),
                    .ok(.ref("ClassicRefresh")), .error(401, #"{"error":"Invalid or expired refresh token"}"#)),
                use: refresh),
            .caller(
                .post, "/api/v1/auth/logout", from: .projectKeyOrDefault,
                .init(
                    "Revoke the caller's session", .ok(.ref("ClassicMessage")),
                    .error(400, "an API key has no session to log out; delete the key instead"),
                    .error(401, #"{"error":"Authentication required"}"#)),
                use: logout),
            .caller(
                .post, "/api/v1/auth/keys", from: .projectKeyOrDefault,
                .init(
                    "Create an API key (shown once); needs a recent sign-in, and an API key cannot create keys",
                    body: .object([
                        "name": .text(maxLength: 255, description: "default: API key <date>"),
                        "expiresAt": .text(format: "date-time", description: "the key is refused from then on"),
                    ]), bodyRequired: false,
                    .created(.ref("APIKey"), "the key, with apiKey shown this once"),
                    .error(
                        401,
                        #"{"error":"Authentication required"}, or {"error":"Recent sign-in required","code":"STEP_UP_REQUIRED"} when the session signed in longer ago than GATEHOUSE_STEP_UP_MAX_AGE"#
                    ), .error(403, Self.apiKeyRefusal)),
                use: createKey),
            .caller(
                .get, "/api/v1/auth/keys", from: .projectKeyOrDefault,
                .init("List the caller's API keys (never the key itself)", .ok(.array(.ref("APIKey"))), .error(403, Self.apiKeyRefusal)),
                use: listKeys),
            .caller(
                .delete, "/api/v1/auth/keys/{keyId}", from: .projectKeyOrDefault,
                .init(
                    "Delete one of the caller's API keys", pathSchemas: ["keyId": .text(maxLength: 64)], .noContent, .error(403, Self.apiKeyRefusal), .error(404, #"{"error":"API key not found"}"#)),
                use: deleteKey),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "ClassicLogin",
            .object(
                [
                    "token": .string(), "expires_in": .integer, "refreshToken": .string(),
                    "user": .object(["id": .uuid, "username": .string(), "email": .string()], required: ["id", "username"]),
                ], required: ["token", "expires_in", "refreshToken", "user"])
        ),
        ("ClassicRefresh", .object(["token": .string(), "expires_in": .integer, "refreshToken": .string()], required: ["token", "expires_in", "refreshToken"])),
        ("ClassicMessage", .object(["message": .string()], required: ["message"])),
        (
            "APIKey",
            .object(
                [
                    "keyId": .string(), "apiKey": .string("only in the answer that created it"), "name": .string(),
                    "createdAt": .dateTime, "lastUsed": .described(.nullable(.dateTime), "in lists; null until first use"),
                    "expiresAt": .dateTime,
                ], required: ["keyId", "name", "createdAt"])
        ),
    ]

    struct LoginBody: Decodable {
        var username: String?
        var password: String?
    }

    @Sendable func login(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(LoginBody.self, from: request)
        guard
            case .signedIn(let user, let pair) = try await passwords.login(
                login: body.username, loginField: "username", password: body.password, tenant: tenant, via: .classic,
                request: request, context: context)
        else { throw GatehouseError.mfaRequired }
        return try JSONBody.response(
            LoginAnswer(
                token: pair.accessToken, expires_in: Int64(accessTokenTTL), refreshToken: pair.refreshToken,
                user: .init(id: user.id, username: user.username ?? user.email ?? user.id, email: user.email)))
    }

    /// Seed 003's login answer (its field names, `expires_in` included).
    struct LoginAnswer: Encodable {
        struct UserPart: Encodable {
            var id: String
            var username: String
            var email: String?
        }
        var token: String
        var expires_in: Int64
        var refreshToken: String
        var user: UserPart
    }

    struct RefreshAnswer: Encodable {
        var token: String
        var expires_in: Int64
        var refreshToken: String
    }

    struct RefreshBody: Decodable { var refreshToken: String? }

    @Sendable func refresh(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(RefreshBody.self, from: request)
        let token = try Validate.token(body.refreshToken, "refreshToken", max: 512)
        let pair = try await sessions.refresh(
            tenantId: tenant.id, refreshToken: token, client: clientAddress.refreshClient(request, context: context))
        return try JSONBody.response(
            RefreshAnswer(token: pair.accessToken, expires_in: Int64(accessTokenTTL), refreshToken: pair.refreshToken))
    }

    @Sendable func logout(_ request: Request, context: CallerContext) async throws -> Response {
        try await sessions.logout(context.caller)
        return try JSONBody.response(["message": "Successfully logged out"])
    }

    struct CreateKeyBody: Decodable {
        var name: String?
        /// RFC 3339; the key is refused from then on.
        var expiresAt: String?
    }

    struct KeyBody: Encodable {
        var keyId: String
        var apiKey: String?
        var name: String
        var createdAt: String
        var lastUsed: String??
        var expiresAt: String?
        init(_ key: APIKey, plaintext: String? = nil, listed: Bool) {
            keyId = key.id
            apiKey = plaintext
            name = key.name
            createdAt = key.createdAt.rfc3339
            lastUsed = listed ? .some(key.lastUsedAt?.rfc3339) : nil
            expiresAt = key.expiresAt?.rfc3339
        }
        func encode(to encoder: any Encoder) throws {
            enum K: String, CodingKey { case keyId, apiKey, name, createdAt, lastUsed, expiresAt }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(keyId, forKey: .keyId)
            try c.encodeIfPresent(apiKey, forKey: .apiKey)
            try c.encode(name, forKey: .name)
            try c.encode(createdAt, forKey: .createdAt)
            // Listed keys always carry lastUsed, null until first use (seed 003); expiresAt only when set.
            if let lastUsed { try c.encode(lastUsed, forKey: .lastUsed) }
            try c.encodeIfPresent(expiresAt, forKey: .expiresAt)
        }
    }

    @Sendable func createKey(_ request: Request, context: CallerContext) async throws -> Response {
        let caller = context.caller
        // Seed 003 shows no request body: none, an empty one or `{}` creates a key with a default name.
        let body = try await JSONBody.decodeIfPresent(CreateKeyBody.self, from: request)
        let name = try body?.name.map { try Validate.required($0, "name", max: 255) }
        let expiresAt = try body?.expiresAt.map { text in
            guard text.utf8.count <= 64, let date = Date(rfc3339: text) else {
                throw GatehouseError.field("expiresAt", "must be an RFC 3339 date-time")
            }
            return date
        }
        let (key, plaintext) = try await apiKeys.create(caller: caller, name: name, expiresAt: expiresAt)
        return try JSONBody.response(KeyBody(key, plaintext: plaintext, listed: false), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: CallerContext) async throws -> Response {
        let caller = context.caller
        let keys = try await apiKeys.list(caller: caller)
        return try JSONBody.response(keys.map { KeyBody($0, listed: true) })
    }

    @Sendable func deleteKey(_ request: Request, context: CallerContext) async throws -> Response {
        let caller = context.caller
        let keyId = try Validate.required(context.parameters.get("keyId"), "keyId", max: 64)
        try await apiKeys.delete(caller: caller, id: keyId)
        return Response(status: .noContent)
    }
}
