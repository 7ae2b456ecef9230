import Foundation
import GatehouseCore
import Hummingbird

/// The Classic API (seed 003): username/password login, refresh, logout, API keys. Errors here are the
/// seed's `{"error": "..."}` bodies: the route group has the Classic error renderer.
struct ClassicAuthController {
    let engine: Engine
    let tenants: TenantResolver
    let callers: CallerAuthenticator
    let clientAddress: ClientAddressResolver
    var passwords: PasswordChecker { PasswordChecker(engine: engine, clientAddress: clientAddress) }

    func register(on router: Router<AppRequestContext>) {
        let group = router.group("api/v1/auth").add(middleware: ErrorMiddleware(dialect: .classic))
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.post("logout", use: logout)
        group.post("keys", use: createKey)
        group.get("keys", use: listKeys)
        group.delete("keys/:keyId", use: deleteKey)
    }

    struct LoginBody: Decodable {
        var username: String?
        var password: String?
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let body = try await JSONBody.decode(LoginBody.self, from: request)
        guard
            case .signedIn(let user, let pair) = try await passwords.login(
                login: body.username, loginField: "username", password: body.password, tenant: tenant, via: .classic,
                request: request, context: context)
        else { throw GatehouseError.mfaRequired }
        var u = JSONWriter()
        u.field("id", user.id)
        u.field("username", user.username ?? user.email ?? user.id)
        u.field("email", user.email)
        var w = JSONWriter()
        w.field("token", pair.accessToken)
        w.field("expires_in", Int64(engine.config.accessTokenTTL))
        w.field("user", json: u.finished())
        w.field("refreshToken", pair.refreshToken)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    struct RefreshBody: Decodable { var refreshToken: String? }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let body = try await JSONBody.decode(RefreshBody.self, from: request)
        let token = try Validate.token(body.refreshToken, "refreshToken", max: 512)
        let pair = try await engine.sessions.refresh(
            tenantId: tenant.id, refreshToken: token, client: clientAddress.refreshClient(request, context: context))
        var w = JSONWriter()
        w.field("token", pair.accessToken)
        w.field("expires_in", Int64(engine.config.accessTokenTTL))
        w.field("refreshToken", pair.refreshToken)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        try await engine.sessions.logout(try await callers.authenticate(request, tenant: tenant))
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

    @Sendable func createKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let caller = try await callers.authenticate(request, tenant: tenant)
        let body = try await JSONBody.decode(CreateKeyBody.self, from: request)
        let name = try Validate.required(body.name, "name", max: 255)
        let expiresAt = try body.expiresAt.map { text in
            guard text.utf8.count <= 64, let date = Date(rfc3339: text) else {
                throw GatehouseError.field("expiresAt", "must be an RFC 3339 date-time")
            }
            return date
        }
        let (key, plaintext) = try await engine.apiKeys.create(caller: caller, name: name, expiresAt: expiresAt)
        return try JSONBody.response(KeyBody(key, plaintext: plaintext, listed: false), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let caller = try await callers.authenticate(request, tenant: tenant)
        let keys = try await engine.apiKeys.list(caller: caller)
        return try JSONBody.response(keys.map { KeyBody($0, listed: true) })
    }

    @Sendable func deleteKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let caller = try await callers.authenticate(request, tenant: tenant)
        let keyId = try Validate.required(context.parameters.get("keyId"), "keyId", max: 64)
        try await engine.apiKeys.delete(caller: caller, id: keyId)
        return Response(status: .noContent)
    }
}
